/*
 * Fill in your account: pages whose code shows placeholders such as <REGION> get a
 * small form that fills the values into every code block and download on the page.
 * Other pages fill their downloads with the saved values, without a form.
 *
 * Everything happens in the browser: the values are kept in localStorage, the
 * filled files are Blob URLs built here, and nothing is sent anywhere. The fields,
 * their patterns, the known Regions and the text of downloads with placeholders
 * come from iamdocs-data.js, which the build generates from policies/.
 * Material's copy button copies the code's current text, so it copies filled values.
 */
(function () {
  "use strict";

  var STORE = "iamdocs.fill.v1";
  var data = window.iamdocsData || { fields: [], sources: {} };
  // The form's fields, and the values that follow from them (the partition): all are filled into the page.
  var names = data.fields.map(function (f) { return f.name; }).concat(Object.keys(data.derived || {}));
  var originals = new WeakMap(); // code element -> its HTML with placeholders
  var blobUrls = [];

  function marker() {
    return new RegExp("<(" + names.join("|") + ")>", "g");
  }

  function escape(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  /* Placeholders, and the lines of AWS CLI blocks that set a shell variable the form fills (NAME=lookup). */
  function codeMarker() {
    var parts = ["<(" + names.join("|") + ")>"];
    (data.variables || []).forEach(function (v) { parts.push("^(" + escape(v.name) + ")=" + escape(v["default"]) + "$"); });
    return new RegExp(parts.join("|"), "gm");
  }

  /* An account ID as the console shows it (1234-5678-9012) is the same ID. */
  function normalize(field, value) {
    var v = (value || "").trim();
    if (!field.choices && !new RegExp(field.pattern).test(v)) {
      var compact = v.replace(/[\s-]/g, "");
      if (new RegExp(field.pattern).test(compact)) return compact;
    }
    return v;
  }

  function stored() {
    try {
      var values = JSON.parse(window.localStorage.getItem(STORE) || "null");
      return values && validate(values).length === 0 ? withDerived(values) : null;
    } catch (e) {
      return null;
    }
  }

  /* The values that follow from the entered ones (the partition of the Region), added to a copy. */
  function withDerived(values) {
    var out = {};
    Object.keys(values).forEach(function (k) { out[k] = values[k]; });
    Object.keys(data.derived || {}).forEach(function (name) {
      var rule = data.derived[name];
      var value = rule.values[values[rule.from]];
      if (value) out[name] = value;
      else delete out[name];
    });
    return out;
  }

  /* Which account, Region and partition the page is filled in for, in words. */
  function describe(values) {
    var parts = [];
    if (values.ACCOUNT_ID) parts.push("account " + values.ACCOUNT_ID);
    if (values.REGION) parts.push("Region " + values.REGION + (values.PARTITION ? " (partition " + values.PARTITION + ")" : ""));
    if (values.BOUNDARY_POLICY_NAME) parts.push("boundary policy " + values.BOUNDARY_POLICY_NAME);
    return parts.join(", ");
  }

  /* Messages for the values that are not acceptable; empty when all are. */
  function validate(values) {
    var problems = [];
    data.fields.forEach(function (field) {
      var value = (values[field.name] || "").trim();
      if (field.optional && !value) return;
      if (field.choices) {
        if (field.choices.indexOf(value) < 0) problems.push({ name: field.name, text: "Choose a " + field.label + " from the list." });
      } else if (!new RegExp(field.pattern).test(value)) {
        problems.push({ name: field.name, text: field.label + " must look like " + field.example + ": " + field.description });
      }
    });
    return problems;
  }

  /* Text nodes of an element, in document order. */
  function textNodes(el) {
    var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    return nodes;
  }

  /*
   * Replace placeholders in a code element's text. Syntax highlighting may split a
   * placeholder over several text nodes, so matches are found in the joined text
   * and mapped back to the nodes, last match first so offsets stay valid.
   */
  function fillCode(code, values) {
    if (!originals.has(code)) originals.set(code, code.innerHTML);
    code.innerHTML = originals.get(code);
    if (!values) return;
    var nodes = textNodes(code);
    var offsets = [];
    var total = 0;
    nodes.forEach(function (n) { offsets.push(total); total += n.nodeValue.length; });
    var text = nodes.map(function (n) { return n.nodeValue; }).join("");
    var re = codeMarker();
    var matches = [];
    var m;
    while ((m = re.exec(text)) !== null) {
      if (m[0] === "") { re.lastIndex++; continue; }
      var placeholder = m[1];
      var variable = placeholder ? null : m.slice(2).filter(function (x) { return x; })[0];
      var value = values[placeholder || variable];
      if (!value) continue; // an optional field left empty keeps the line as it is
      matches.push({ start: m.index, end: m.index + m[0].length, value: variable ? variable + "=" + value : value });
    }
    function nodeAt(pos) {
      var i = offsets.length - 1;
      while (i > 0 && offsets[i] > pos) i--;
      return i;
    }
    for (var k = matches.length - 1; k >= 0; k--) {
      var match = matches[k];
      var i = nodeAt(match.start);
      var j = nodeAt(match.end - 1);
      var first = nodes[i];
      var last = nodes[j];
      var prefix = first.nodeValue.slice(0, match.start - offsets[i]);
      var suffix = last.nodeValue.slice(match.end - offsets[j]);
      for (var x = i + 1; x < j; x++) nodes[x].nodeValue = "";
      var mark = document.createElement("span");
      mark.className = "iamdocs-filled";
      mark.textContent = match.value;
      first.nodeValue = prefix;
      if (i === j) {
        first.parentNode.insertBefore(document.createTextNode(suffix), first.nextSibling);
      } else {
        last.nodeValue = suffix;
      }
      first.parentNode.insertBefore(mark, first.nextSibling);
    }
  }

  function fillText(text, values) {
    return text.replace(marker(), function (all, name) { return values[name] || all; });
  }

  /* Download links whose file has placeholders, with the site path of that file. */
  function downloads(root) {
    var found = [];
    root.querySelectorAll("a[href]").forEach(function (a) {
      var href = a.dataset.iamdocsHref || a.getAttribute("href");
      var path = new URL(href, document.baseURI).pathname;
      Object.keys(data.sources).forEach(function (key) {
        if (path === "/" + key || path.slice(-(key.length + 1)) === "/" + key) found.push({ link: a, key: key, href: href });
      });
    });
    return found;
  }

  function fillDownloads(root, values) {
    blobUrls.forEach(function (url) { URL.revokeObjectURL(url); });
    blobUrls = [];
    downloads(root).forEach(function (d) {
      d.link.dataset.iamdocsHref = d.href;
      if (!values) {
        d.link.setAttribute("href", d.href);
        delete d.link.dataset.iamdocsFilled;
        return;
      }
      var blob = new Blob([fillText(data.sources[d.key], values)], { type: "application/json" });
      var url = URL.createObjectURL(blob);
      blobUrls.push(url);
      d.link.setAttribute("href", url);
      d.link.dataset.iamdocsFilled = "true";
      if (!d.link.hasAttribute("download")) d.link.setAttribute("download", d.key.split("/").pop());
    });
  }

  function apply(content, values) {
    content.querySelectorAll("pre > code").forEach(function (code) { fillCode(code, values); });
    fillDownloads(content, values);
  }

  function hasPlaceholders(content) {
    if (!names.length) return false;
    var re = codeMarker();
    var inCode = Array.prototype.some.call(content.querySelectorAll("pre > code"), function (code) {
      re.lastIndex = 0;
      return re.test(code.textContent);
    });
    return inCode;
  }

  var pageText = "";
  function usedOn(name) { return new RegExp("^" + escape(name) + "=", "m").test(pageText); }

  function buildForm() {
    var box = document.createElement("div");
    box.className = "iamdocs-fill";
    box.setAttribute("data-iamdocs-fill", "");
    var title = document.createElement("p");
    title.className = "iamdocs-fill__title";
    title.textContent = "Fill in your account";
    var note = document.createElement("p");
    note.textContent = "Puts your values into every command and file on this page. They stay in this browser; nothing is sent anywhere.";
    var form = document.createElement("form");
    form.noValidate = true;
    data.fields.forEach(function (field) {
      if (field.optional && !usedOn(field.name)) return;
      var label = document.createElement("label");
      label.textContent = field.label;
      var input;
      if (field.choices) {
        input = document.createElement("select");
        var empty = document.createElement("option");
        empty.value = "";
        empty.textContent = "<" + field.name + ">";
        input.appendChild(empty);
        var partitions = (data.derived && data.derived.PARTITION && data.derived.PARTITION.from === field.name)
          ? data.derived.PARTITION.values : {};
        field.choices.forEach(function (choice) {
          var option = document.createElement("option");
          option.value = choice;
          var partition = partitions[choice];
          option.textContent = partition && partition !== "aws" ? choice + " (" + partition + ")" : choice;
          input.appendChild(option);
        });
      } else {
        input = document.createElement("input");
        input.type = "text";
        input.autocomplete = "off";
        input.spellcheck = false;
        input.placeholder = field.example;
      }
      input.name = field.name;
      input.title = field.description;
      Object.keys(data.derived || {}).forEach(function (name) { // the Region also gives the partition
        if (data.derived[name].from === field.name) input.title += " " + data.derived[name].description;
      });
      label.appendChild(input);
      form.appendChild(label);
    });
    var fill = document.createElement("button");
    fill.type = "submit";
    fill.textContent = "Fill in";
    var reset = document.createElement("button");
    reset.type = "button";
    reset.setAttribute("data-action", "reset");
    reset.textContent = "Show placeholders";
    form.appendChild(fill);
    form.appendChild(reset);
    var message = document.createElement("p");
    message.className = "iamdocs-fill__message";
    message.setAttribute("role", "status");
    box.appendChild(title);
    box.appendChild(note);
    box.appendChild(form);
    box.appendChild(message);
    return box;
  }

  function say(box, text, kind) {
    var message = box.querySelector(".iamdocs-fill__message");
    message.textContent = text;
    message.setAttribute("data-kind", kind);
  }

  function setup() {
    var content = document.querySelector("article.md-content__inner");
    if (!content || content.querySelector("[data-iamdocs-fill]")) return;
    if (!hasPlaceholders(content)) {
      fillDownloads(content, stored()); // no form here, but downloads still get the saved values (derived ones too)
      return;
    }
    pageText = Array.prototype.map.call(content.querySelectorAll("pre > code"), function (c) { return c.textContent; }).join("\n");
    var box = buildForm();
    var heading = content.querySelector("h1");
    if (heading) heading.parentNode.insertBefore(box, heading.nextSibling);
    else content.insertBefore(box, content.firstChild);
    var form = box.querySelector("form");
    var values = stored();
    if (values) {
      names.forEach(function (name) { if (form.elements[name]) form.elements[name].value = values[name] || ""; });
      apply(content, values);
      say(box, "Filled in for " + describe(values) + " (your saved values). Run the commands signed in to that account.", "ok");
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var entered = {};
      var kept = stored() || {};
      data.fields.forEach(function (field) {
        var input = form.elements[field.name];
        entered[field.name] = input ? normalize(field, input.value) : (kept[field.name] || "");
        if (input && input.value !== entered[field.name]) input.value = entered[field.name];
        if (field.optional && !entered[field.name]) delete entered[field.name];
      });
      var problems = validate(entered);
      names.forEach(function (name) { if (form.elements[name]) form.elements[name].removeAttribute("aria-invalid"); });
      if (problems.length) {
        problems.forEach(function (p) { if (form.elements[p.name]) form.elements[p.name].setAttribute("aria-invalid", "true"); });
        say(box, problems.map(function (p) { return p.text; }).join(" "), "error");
        return;
      }
      try { window.localStorage.setItem(STORE, JSON.stringify(entered)); } catch (e) { /* private mode: fill anyway */ }
      var filled = withDerived(entered);
      apply(content, filled);
      say(box, "Filled in for " + describe(filled) + ". Run the commands signed in to that account. " +
        "The values are saved in this browser for the other pages.", "ok");
    });
    box.querySelector("[data-action=reset]").addEventListener("click", function () {
      try { window.localStorage.removeItem(STORE); } catch (e) { /* nothing stored */ }
      names.forEach(function (name) {
        if (!form.elements[name]) return;
        form.elements[name].value = "";
        form.elements[name].removeAttribute("aria-invalid");
      });
      apply(content, null);
      say(box, "Showing the placeholders again.", "ok");
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setup); // Material: runs on every page, also with instant navigation
  } else {
    document.addEventListener("DOMContentLoaded", setup);
  }
})();
