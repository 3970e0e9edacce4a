/*
 * "What changed since my install?": every date's section is in the page (readable without
 * JavaScript); the picker shows the one for the date the reader chose, and remembers it.
 */
(function () {
  "use strict";
  var STORE = "iamdocs.since.v1";

  function setup() {
    var select = document.getElementById("iamdocs-since-date");
    if (!select) return;
    var sections = document.querySelectorAll("section.iamdocs-since");
    function show() {
      sections.forEach(function (s) { s.hidden = s.getAttribute("data-since") !== select.value; });
      try { window.localStorage.setItem(STORE, select.value); } catch (e) { /* private mode */ }
    }
    var saved = null;
    try { saved = window.localStorage.getItem(STORE); } catch (e) { /* private mode */ }
    if (saved && select.querySelector('option[value="' + saved.replace(/[^0-9-]/g, "") + '"]')) select.value = saved;
    select.addEventListener("change", show);
    show();
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setup);
  } else {
    document.addEventListener("DOMContentLoaded", setup);
  }
})();
