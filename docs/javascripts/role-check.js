/*
 * Check an existing role, in the browser: the reader pastes the output of
 * `aws iam get-account-authorization-details`, picks the role and the combination of options it
 * was set up for (an option with its additions, as the catalog allows them), and sees which
 * actions are missing, denied or extra, as `iamdocs drift --role` reports them (wildcards,
 * case, NotAction, NotResource, Deny). Nothing is sent anywhere: the paste never leaves the page.
 *
 * The data (role-check-data.json, generated from policies/ by the build) holds the grants each
 * policy needs and the action names of the services those policies use, for wildcards.
 * The same cases (tests/cases/role-check.json) run against this file and the Python check.
 */
(function () {
  "use strict";

  var MAX_PASTE = 20000000;

  function has(obj, key) { return obj !== null && typeof obj === "object" && Object.prototype.hasOwnProperty.call(obj, key); }
  function isDict(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function listOrNone(v) { return Array.isArray(v) ? v : []; }
  function nz(v) { return v === undefined ? null : v; }
  function asList(v) { return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]; }
  function pyTruthy(v) {
    if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
    if (Array.isArray(v)) return v.length > 0;
    if (typeof v === "object") return Object.keys(v).length > 0;
    return true;
  }
  function pyStr(v) {
    if (v === null) return "None";
    if (v === true) return "True";
    if (v === false) return "False";
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  /* Python's fnmatch.translate, for one name: *, ?, [seq], [!seq]; anything else literal. */
  function globRegExp(pattern, flags) {
    var out = "";
    var i = 0;
    while (i < pattern.length) {
      var c = pattern[i++];
      if (c === "*") out += "[\\s\\S]*";
      else if (c === "?") out += "[\\s\\S]";
      else if (c === "[") {
        var j = i;
        if (j < pattern.length && pattern[j] === "!") j++;
        if (j < pattern.length && pattern[j] === "]") j++;
        while (j < pattern.length && pattern[j] !== "]") j++;
        if (j >= pattern.length) { out += "\\["; continue; }
        var body = pattern.slice(i, j).replace(/\\/g, "\\\\");
        i = j + 1;
        if (body[0] === "!") body = "^" + body.slice(1);
        else if (body[0] === "^") body = "\\" + body;
        out += "[" + body + "]";
      } else out += c.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&");
    }
    return new RegExp("^(?:" + out + ")$", flags || "");
  }

  function Checker(data) {
    this.data = data;
    this.known = Object.create(null); // service -> {lower name: AWS spelling}
    var self = this;
    Object.keys(data.services).forEach(function (s) {
      var m = Object.create(null);
      data.services[s].forEach(function (n) { m[n.toLowerCase()] = n; });
      self.known[s] = m;
    });
  }

  /* Does an action pattern (as written in a policy) cover this lower-case action? As grants.expand_actions. */
  Checker.prototype.covers = function (pattern, action) {
    if (typeof pattern !== "string") return false;
    var low = pattern.toLowerCase();
    if (pattern.indexOf("*") < 0 && pattern.indexOf("?") < 0) return low === action;
    if (pattern === "*") return true;
    var k = pattern.indexOf(":");
    var service = k < 0 ? pattern : pattern.slice(0, k);
    var name = k < 0 ? "" : pattern.slice(k + 1);
    if (service.toLowerCase() !== action.split(":")[0]) return low === action;
    if (name.indexOf("*") < 0 && name.indexOf("?") < 0) return low === action; // a known exact name, or kept as written
    return globRegExp(name.toLowerCase()).test(action.slice(action.indexOf(":") + 1));
  };

  /* Lower-case actions of the known services that a pattern covers; a pattern that covers none is kept as written. */
  Checker.prototype.expandKnown = function (pattern) {
    if (typeof pattern !== "string") return [];
    var low = pattern.toLowerCase();
    if (pattern.indexOf("*") < 0 && pattern.indexOf("?") < 0) return [low];
    var out = [];
    var self = this;
    var service = low.split(":")[0];
    Object.keys(this.known).forEach(function (s) {
      if (pattern !== "*" && s !== service) return;
      Object.keys(self.known[s]).forEach(function (n) {
        if (self.covers(pattern, s + ":" + n)) out.push(s + ":" + n);
      });
    });
    return out.length ? out : [low];
  };

  Checker.prototype.display = function (action) {
    var k = action.indexOf(":");
    var m = this.known[action.slice(0, k)];
    return m && m[action.slice(k + 1)] ? action.slice(0, k) + ":" + m[action.slice(k + 1)] : action;
  };

  function normalizeResource(resource, values) {
    var tokens = [["<REGION>", "{region}"], ["${AWS::Region}", "{region}"], ["<ACCOUNT_ID>", "{account}"],
      ["${AWS::AccountId}", "{account}"], ["<PARTITION>", "{partition}"], ["${AWS::Partition}", "{partition}"]];
    var out = resource;
    tokens.forEach(function (t) { out = out.split(t[0]).join(t[1]); });
    Object.keys(values).forEach(function (name) {
      var token = { REGION: "{region}", ACCOUNT_ID: "{account}" }[name];
      if (values[name] && token) out = out.split(values[name]).join(token);
    });
    if (out.indexOf("arn:aws:") === 0) out = "arn:{partition}:" + out.slice(8);
    return out;
  }

  /* A granted resource pattern covers a needed resource: as drift.compare._covers. */
  function resourceCovers(pattern, resource) {
    if (pattern[0] === "!") return resource[0] !== "!" && !globRegExp(pattern.slice(1)).test(resource);
    if (resource[0] === "!") return pattern === "*";
    return globRegExp(pattern).test(resource);
  }

  function canonical(v) {
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    if (isDict(v)) return "{" + Object.keys(v).sort().map(function (k) { return JSON.stringify(k) + ":" + canonical(v[k]); }).join(",") + "}";
    return JSON.stringify(v);
  }

  /* The statements of a document, as grants.document_grants reads them. */
  function statements(doc, values) {
    if (!isDict(doc)) return [];
    return asList(doc.Statement).filter(isDict).map(function (st) {
      var resources = has(st, "Resource")
        ? asList(st.Resource).map(function (r) { return normalizeResource(pyStr(r), values); })
        : asList(st.NotResource).map(function (r) { return "!" + normalizeResource(pyStr(r), values); });
      return {
        effect: pyStr(has(st, "Effect") ? st.Effect : ""),
        condition: pyTruthy(st.Condition) ? canonical(st.Condition) : "",
        not: !has(st, "Action"),
        patterns: has(st, "Action") ? asList(st.Action) : asList(st.NotAction),
        resources: resources
      };
    });
  }

  Checker.prototype.grants = function (st, action) {
    var self = this;
    var named = st.patterns.some(function (p) { return self.covers(p, action); });
    return st.not ? !named : named;
  };

  function parseDocument(value) {
    if (isDict(value)) return value;
    if (typeof value === "string") {
      var texts = [value];
      try { texts.push(decodeURIComponent(value)); } catch (e) { /* not URL-encoded */ }
      for (var i = 0; i < texts.length; i++) {
        try {
          var doc = JSON.parse(texts[i]);
          if (isDict(doc)) return doc;
        } catch (e) { /* try the next reading */ }
      }
    }
    return null;
  }

  function PasteError(message) { this.message = message; }

  function parse(text) {
    if (typeof text !== "string" || text.length > MAX_PASTE) throw new PasteError("The pasted text is too long to be the command's output.");
    if (!text.trim()) throw new PasteError("Paste the output of the command first.");
    var data;
    try { data = JSON.parse(text); } catch (e) { throw new PasteError("The pasted text is not JSON: paste the whole output of the command."); }
    if (!isDict(data) || !Array.isArray(data.RoleDetailList)) {
      throw new PasteError("The pasted JSON has no RoleDetailList: it is not the output of get-account-authorization-details.");
    }
    return data;
  }

  function roleNames(data) {
    var out = [];
    data.RoleDetailList.forEach(function (r) {
      if (isDict(r) && typeof r.RoleName === "string" && out.indexOf(r.RoleName) < 0) out.push(r.RoleName);
    });
    return out;
  }

  /* The role's documents and the values its ARN gives, as rolecheck.copies. */
  function documents(data, roleName, region) {
    var role = null;
    data.RoleDetailList.forEach(function (r) { if (!role && isDict(r) && r.RoleName === roleName) role = r; });
    if (!role) throw new PasteError("No role named " + roleName + " in the pasted output.");
    var parts = pyStr(has(role, "Arn") ? role.Arn : "").split(":");
    var values = {};
    if (parts.length > 4 && parts[4]) values.ACCOUNT_ID = parts[4];
    if (region) values.REGION = region;
    var policies = new Map();
    listOrNone(data.Policies).forEach(function (p) {
      if (isDict(p)) policies.set(nz(p.Arn), p); // the last one wins, as in a Python dict
    });
    var docs = [];
    listOrNone(role.AttachedManagedPolicies).forEach(function (a) {
      if (!isDict(a)) return;
      var p = policies.get(nz(a.PolicyArn));
      if (!p) {
        throw new PasteError("The managed policy " + pyStr(has(a, "PolicyArn") ? a.PolicyArn : null) + " is attached to " + roleName +
          ", but its document is not in the paste: run the command with the filters shown.");
      }
      var versions = listOrNone(p.PolicyVersionList).filter(isDict);
      var def = versions.filter(function (v) { return nz(v.VersionId) === nz(p.DefaultVersionId); })[0] ||
        versions.filter(function (v) { return v.IsDefaultVersion === true; })[0];
      if (!def) throw new PasteError("The managed policy " + pyStr(a.PolicyArn) + " has no default version in the paste.");
      var doc = parseDocument(def.Document);
      if (!doc) throw new PasteError(pyStr(a.PolicyArn) + ": the policy document is not readable");
      docs.push(doc);
    });
    listOrNone(role.RolePolicyList).forEach(function (p) {
      if (!isDict(p)) return;
      var doc = parseDocument(p.PolicyDocument);
      if (!doc) throw new PasteError(pyStr(has(p, "PolicyName") ? p.PolicyName : null) + ": the policy document is not readable");
      docs.push(doc);
    });
    return { docs: docs, values: values };
  }

  /*
   * The combination that options name: "engine-b+session-manager", or a list of option IDs. Only the
   * combinations the build wrote (from the catalog's one function) exist; anything else is null.
   */
  Checker.prototype.combination = function (options) {
    var wanted = (Array.isArray(options) ? options : String(options).split("+")).filter(function (o) { return o; });
    var key = wanted.slice().sort().join("+");
    var found = null;
    this.data.combinations.forEach(function (c) { if (!found && c.options.slice().sort().join("+") === key) found = c; });
    return found;
  };

  /* {missing, denied, extra} as paste.check returns them, or {error}. */
  Checker.prototype.check = function (text, roleName, options, asRole, region) {
    var self = this;
    var found;
    try {
      found = documents(parse(text), roleName, region);
    } catch (e) {
      if (e instanceof PasteError) return { error: e.message };
      throw e;
    }
    var sts = [];
    found.docs.forEach(function (d) { sts = sts.concat(statements(d, found.values)); });
    var combo = this.combination(options);
    if (!combo || !combo.roles[asRole]) return { error: "Choose an option, its additions and the role it plays." };
    var needed = [];
    combo.roles[asRole].policies.forEach(function (name) {
      self.data.policies[name].forEach(function (g) { needed.push({ action: g[0], display: g[1], resource: g[3], condition: g[4] }); });
    });
    var out = { missing: [], denied: [], extra: [] };
    function add(kind, name) { if (out[kind].indexOf(name) < 0) out[kind].push(name); }
    var needSet = Object.create(null);
    needed.forEach(function (g) {
      needSet[g.action] = true;
      var held = [];
      sts.forEach(function (st) {
        if (self.grants(st, g.action)) st.resources.forEach(function (r) { held.push({ effect: st.effect, condition: st.condition, resource: r }); });
      });
      var denied = held.some(function (h) { return h.effect === "Deny" && !h.condition && resourceCovers(h.resource, g.resource); });
      var allowed = held.some(function (h) {
        return h.effect === "Allow" && (h.condition === "" || h.condition === g.condition) && resourceCovers(h.resource, g.resource);
      });
      if (denied) add("denied", g.display);
      else if (!allowed) add("missing", g.display);
    });
    var extra = Object.create(null); // service -> [lower-case actions]
    sts.forEach(function (st) {
      if (st.effect !== "Allow" || !st.resources.length) return;
      var actions = [];
      if (st.not) {
        Object.keys(self.known).forEach(function (s) {
          Object.keys(self.known[s]).forEach(function (n) { if (self.grants(st, s + ":" + n)) actions.push(s + ":" + n); });
        });
      } else {
        st.patterns.forEach(function (p) { actions = actions.concat(self.expandKnown(p)); });
      }
      actions.forEach(function (a) {
        var s = a.split(":")[0];
        if (needSet[a] || !(s in self.known)) return;
        extra[s] = extra[s] || [];
        if (extra[s].indexOf(a) < 0) extra[s].push(a);
      });
    });
    Object.keys(extra).forEach(function (s) {
      if (extra[s].length > self.data.extraLinesPerService) add("extra", s + ":*");
      else extra[s].forEach(function (a) { add("extra", self.display(a)); });
    });
    ["missing", "denied", "extra"].forEach(function (k) { out[k].sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; }); });
    return out;
  };

  /* ---- the page ---- */

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function list(title, items, kind) {
    var box = el("div", null, { "class": "iamdocs-check__group", "data-kind": kind });
    box.appendChild(el("p", title + " (" + items.length + ")", { "class": "iamdocs-check__title" }));
    if (items.length) {
      var ul = el("ul");
      items.forEach(function (i) { ul.appendChild(el("li", i)); });
      box.appendChild(ul);
    }
    return box;
  }

  function setup() {
    var root = document.querySelector("[data-iamdocs-role-check]");
    if (!root || root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "loading");
    var src = document.querySelector("script[src*='role-check.js']").src.replace(/role-check\.js(\?.*)?$/, "role-check-data.json");
    fetch(src).then(function (r) { return r.json(); }).then(function (data) { build(root, data); });
  }

  /*
   * The reader's combination: one option complete on its own, the additions that go with it (one per group),
   * and the role of that combination being checked. Only what the catalog's combinations allow can be chosen.
   */
  function combinationPicker(data, checker) {
    var box = el("fieldset", null, { "class": "iamdocs-check__combination" });
    box.appendChild(el("legend", "What the role should be set up for"));
    var baseLabel = el("label", "Option", { "for": "iamdocs-check-option" });
    var base = el("select", null, { id: "iamdocs-check-option" });
    var additions = [];
    Object.keys(data.options).forEach(function (oid) {
      var o = data.options[oid];
      if (!o.combinesWith || !o.combinesWith.length) base.appendChild(el("option", o.title, { value: oid }));
    });
    box.appendChild(baseLabel);
    box.appendChild(base);
    Object.keys(data.options).forEach(function (oid) {
      var o = data.options[oid];
      if (!o.combinesWith || !o.combinesWith.length) return;
      var id = "iamdocs-check-add-" + oid;
      var row = el("div", null, { "class": "iamdocs-check__addition" });
      var input = el("input", null, { type: "checkbox", id: id, name: "iamdocs-check-addition", value: oid, "data-group": o.group });
      row.appendChild(input);
      row.appendChild(el("label", "With " + o.title.charAt(0).toLowerCase() + o.title.slice(1), { "for": id }));
      box.appendChild(row);
      additions.push(input);
    });
    var asLabel = el("label", "The role you check is its", { "for": "iamdocs-check-as" });
    var as = el("select", null, { id: "iamdocs-check-as" });
    box.appendChild(asLabel);
    box.appendChild(as);

    function chosenOptions() {
      return [base.value].concat(additions.filter(function (a) { return a.checked && !a.disabled; }).map(function (a) { return a.value; }));
    }
    function refresh() {
      additions.forEach(function (a) {
        var fits = data.options[a.value].combinesWith.indexOf(base.value) >= 0;
        a.disabled = !fits;
        if (!fits) a.checked = false;
      });
      var combo = checker.combination(chosenOptions());
      var keep = as.value;
      while (as.firstChild) as.removeChild(as.firstChild);
      Object.keys(combo ? combo.roles : {}).forEach(function (rid) {
        as.appendChild(el("option", combo.roles[rid].title.toLowerCase(), { value: rid }));
      });
      if (keep && combo && combo.roles[keep]) as.value = keep;
    }
    base.addEventListener("change", refresh);
    additions.forEach(function (a) {
      a.addEventListener("change", function () {
        if (a.checked) additions.forEach(function (b) { if (b !== a && b.getAttribute("data-group") === a.getAttribute("data-group")) b.checked = false; });
        refresh();
      });
    });
    refresh();
    return {
      element: box,
      value: function () {
        var combo = checker.combination(chosenOptions());
        return { options: chosenOptions(), as: as.value, title: combo ? combo.title : "",
          roleTitle: combo && combo.roles[as.value] ? combo.roles[as.value].title : "" };
      }
    };
  }

  function build(root, data) {
    var checker = new Checker(data);
    window.iamdocsRoleCheck = checker; // for the browser tests, which run the shared cases against it
    var form = el("form", null, { "class": "iamdocs-check", novalidate: "" });
    var pasteLabel = el("label", "Output of the command", { "for": "iamdocs-check-paste" });
    var paste = el("textarea", null, { id: "iamdocs-check-paste", rows: "8", spellcheck: "false", autocomplete: "off" });
    var roleLabel = el("label", "Role", { "for": "iamdocs-check-role" });
    var role = el("select", null, { id: "iamdocs-check-role" });
    var picker = combinationPicker(data, checker);
    var regionLabel = el("label", "Region (for ARNs with a Region)", { "for": "iamdocs-check-region" });
    var region = el("input", null, { id: "iamdocs-check-region", type: "text", autocomplete: "off", spellcheck: "false", placeholder: "us-west-2" });
    try {
      var saved = JSON.parse(window.localStorage.getItem("iamdocs.fill.v1") || "null");
      if (saved && typeof saved.REGION === "string") region.value = saved.REGION;
    } catch (e) { /* nothing saved */ }
    var fileLabel = el("label", "Open roles.json", { "for": "iamdocs-check-file" });
    var file = el("input", null, { id: "iamdocs-check-file", type: "file", accept: ".json,application/json" });
    file.addEventListener("change", function () {
      if (!file.files || !file.files[0]) return;
      var reader = new FileReader(); // reads the file in the page; nothing is uploaded
      reader.onload = function () { paste.value = String(reader.result); roles(); };
      reader.readAsText(file.files[0]);
    });
    var button = el("button", "Check the role", { type: "submit" });
    var result = el("div", null, { "class": "iamdocs-check__result", role: "status", "aria-live": "polite" });
    [fileLabel, file, pasteLabel, paste, roleLabel, role, picker.element, regionLabel, region, button].forEach(function (e) { form.appendChild(e); });
    root.appendChild(form);
    root.appendChild(result);

    function roles() {
      while (role.firstChild) role.removeChild(role.firstChild);
      try {
        roleNames(parse(paste.value)).forEach(function (n) { role.appendChild(el("option", n, { value: n })); });
      } catch (e) { /* the check says what is wrong */ }
    }
    paste.addEventListener("input", roles);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      while (result.firstChild) result.removeChild(result.firstChild);
      var chosen = picker.value();
      var r;
      try {
        r = checker.check(paste.value, role.value, chosen.options, chosen.as, region.value.trim());
      } catch (e) {
        r = { error: "The paste could not be checked: " + (e && e.message ? e.message : String(e)) };
      }
      if (r.error) {
        result.appendChild(el("p", r.error, { "class": "iamdocs-check__error", "data-kind": "error" }));
        return;
      }
      var ok = !r.missing.length && !r.denied.length;
      result.appendChild(el("p", "Checked as the " + chosen.roleTitle.toLowerCase() + " of: " + chosen.title + ".", { "class": "iamdocs-check__what" }));
      result.appendChild(el("p", ok ? "Nothing is missing: the role grants everything this combination needs."
        : (r.missing.length + r.denied.length) + " needed action(s) missing or denied.", { "data-kind": ok ? "ok" : "error" }));
      result.appendChild(list("Missing", r.missing, "missing"));
      result.appendChild(list("Denied by the role's own policies", r.denied, "denied"));
      result.appendChild(list("Extra (not needed by this option; information only)", r.extra, "extra"));
    });
    root.setAttribute("data-ready", "true");
  }

  window.IamdocsRoleChecker = Checker;
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setup);
  } else {
    document.addEventListener("DOMContentLoaded", setup);
  }
})();
