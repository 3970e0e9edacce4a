/*
 * Mermaid from this site instead of a CDN, loaded only when a page has a diagram.
 *
 * Material for MkDocs fetches Mermaid from unpkg unless `mermaid` is defined. This
 * stand-in is defined on every page (it is tiny); the first time Material asks it to
 * render a diagram, it loads the copy served with the site (javascripts/vendor/mermaid.min.js,
 * fetched at a pinned version by the Makefile),
 * which then replaces the stand-in. Works with instant navigation, since Material
 * calls the global `mermaid` at render time.
 */
(function () {
  "use strict";
  var src = document.currentScript.src.replace(/mermaid-loader\.js(\?.*)?$/, "vendor/mermaid.min.js");
  var config = {};
  var loading = null;

  /* On a phone, a left-to-right flowchart shrinks until its text can't be read: lay it out top to bottom. */
  function narrow(text) {
    if (window.innerWidth >= 600) return text;
    return text.replace(/^(\s*(?:flowchart|graph)\s+)LR\b/m, "$1TB");
  }

  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () {
          window.mermaid.initialize(config);
          resolve(window.mermaid);
        };
        script.onerror = function () { reject(new Error("cannot load " + src)); };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  window.mermaid = {
    initialize: function (options) { config = options || {}; },
    render: function (id, text) {
      return load().then(function (real) { return real.render(id, narrow(text)); });
    }
  };
})();
