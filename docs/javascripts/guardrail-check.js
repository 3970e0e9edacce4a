/*
 * Will AI Unlimited work under your organisation's guardrails? In the browser, nothing installed,
 * nothing sent: the reader pastes service control policies (one box per level of the organisation),
 * resource control policies and a permissions boundary, picks the Region and the options, and sees the
 * actions that are blocked or conditional, with the deciding statement, as `iamdocs preflight` says.
 *
 * This file is the project's own evaluator, a copy of iamdocs/conditions.py (condition operators,
 * ...IfExists, ForAllValues/ForAnyValue, Null, policy variables), of the request evaluation in
 * iamdocs/access.py and of iamdocs/preflight (the requests the options make, their context, the
 * findings). The requests themselves come from guardrail-check-data.json, which the build writes from
 * policies/ (iamdocs/preflight/browser.py). The same cases (tests/cases/preflight.json) and the same
 * 10,000 generated requests run against this file and against the Python.
 */
(function () {
  "use strict";

  var MAX_PASTE = 5000000;
  var ALLOWED = "allowed", DENIED = "denied", CONDITIONAL = "conditional", IMPLICIT = "implicitly denied";
  var RESOURCE_KEY = "resource";
  var STAR = "\ue000", QUESTION = "\ue001";

  function has(obj, key) { return obj !== null && typeof obj === "object" && Object.prototype.hasOwnProperty.call(obj, key); }
  function isDict(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function asList(v) { return Array.isArray(v) ? v : [v]; }

  /* ---- three-valued logic: true, false, or a Set of the keys whose unknown values decide (conditions.t_*) ---- */

  function tAnd(parts) {
    var keys = new Set();
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i];
      if (p === false) return false;
      if (p !== true) p.forEach(function (k) { keys.add(k); });
    }
    return keys.size ? keys : true;
  }
  function tOr(parts) {
    var keys = new Set();
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i];
      if (p === true) return true;
      if (p !== false) p.forEach(function (k) { keys.add(k); });
    }
    return keys.size ? keys : false;
  }
  function tNot(p) { return p === true ? false : p === false ? true : p; }

  /* ---- the request context (conditions.Context) ---- */

  var PRESENT = "present", ABSENT = "absent", UNKNOWN = "unknown";

  function scalar(v) {
    if (v === true) return "true";
    if (v === false) return "false";
    return String(v);
  }

  function Context(values, unknown) { this.values = values; this.unknown = unknown || null; }
  Context.prototype.lookup = function (key) {
    var low = key.toLowerCase();
    if (this.values.has(low)) {
      var value = this.values.get(low);
      return Array.isArray(value) && value.length === 0 ? [ABSENT, null] : [PRESENT, value];
    }
    if (this.unknown && this.unknown(low)) return [UNKNOWN, null];
    return [ABSENT, null];
  };

  function contextFrom(obj, unknown) {
    var values = new Map();
    Object.keys(obj || {}).forEach(function (k) {
      var v = obj[k];
      values.set(k.toLowerCase(), Array.isArray(v) ? v.map(scalar) : scalar(v));
    });
    return new Context(values, unknown);
  }

  /* ---- IAM wildcards (iamdb.wildcard_regex) and policy variables ---- */

  var regexCache = new Map();
  function wildcardRegex(pattern) {
    var rx = regexCache.get(pattern);
    if (!rx) {
      var out = "";
      for (var i = 0; i < pattern.length; i++) {
        var c = pattern[i];
        if (c === "*") out += "[\\s\\S]*";
        else if (c === "?") out += "[\\s\\S]";
        else if (c === STAR) out += "\\*";
        else if (c === QUESTION) out += "\\?";
        else out += c.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&");
      }
      rx = new RegExp("^(?:" + out + ")$", "u");
      if (regexCache.size > 20000) regexCache.clear();
      regexCache.set(pattern, rx);
    }
    return rx;
  }
  function like(text, pattern) { return wildcardRegex(pattern).test(text); }
  function literal(text) { return text.split(STAR).join("*").split(QUESTION).join("?"); }

  var VARIABLE = /\$\{([^}]*)\}/g;
  var SPECIAL = { "*": STAR, "?": QUESTION, "$": "$" };
  var DEFAULT = /^\s*([^,\s][^,]*?)\s*,\s*'([^']*)'\s*$/;

  function Unresolved(name) { this.name = name; }

  /* The text with its variables replaced; a Set of keys when one is unknown; throws Unresolved. */
  function substitute(text, ctx) {
    if (text.indexOf("${") < 0) return text;
    var unknown = new Set();
    var out = text.replace(VARIABLE, function (whole, inner) {
      if (has(SPECIAL, inner)) return SPECIAL[inner];
      var fallback = null;
      var d = DEFAULT.exec(inner);
      if (d) { inner = d[1]; fallback = d[2]; }
      var found = ctx.lookup(inner.trim());
      if (found[0] === UNKNOWN) { unknown.add(inner.trim().toLowerCase()); return ""; }
      if (found[0] === PRESENT && typeof found[1] === "string") return found[1];
      if (fallback !== null) return fallback;
      throw new Unresolved(inner);
    });
    return unknown.size ? unknown : out;
  }

  /* ---- value grammars, written out as in conditions.py ---- */

  var NUMBER = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
  var EPOCH = /^-?\d+(?:\.\d+)?$/;
  var ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|z|[+-]\d{2}:?\d{2}))?$/;
  var BASE64 = /^(?:[A-Za-z0-9+\/]{4})*(?:[A-Za-z0-9+\/]{2}==|[A-Za-z0-9+\/]{3}=)?$/;
  var IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  var HEX = /^[0-9A-Fa-f]{1,4}$/;
  var DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

  function number(text) {
    if (!NUMBER.test(text)) return null;
    var n = Number(text.trim());
    return isFinite(n) ? n : null;
  }

  function date(text) {
    var t = text.trim();
    if (EPOCH.test(t)) return Number(t);
    var m = ISO.exec(t);
    if (!m) return null;
    var year = +m[1], month = +m[2], day = +m[3];
    var hour = +(m[4] || 0), minute = +(m[5] || 0), second = +(m[6] || 0);
    var leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (!(month >= 1 && month <= 12 && day >= 1 && day <= DAYS[month - 1] && (month !== 2 || day < 29 || leap) &&
      hour < 24 && minute < 60 && second < 60)) return null;
    if (m[4] !== undefined && m[8] === undefined) return null;
    var offset = 0;
    if (m[8] && m[8] !== "Z" && m[8] !== "z") {
      var zone = m[8].replace(":", "");
      offset = (+zone.slice(1, 3) * 60 + +zone.slice(3, 5)) * (zone[0] === "+" ? 1 : -1);
    }
    var y = year - (month <= 2 ? 1 : 0), era = Math.floor(y / 400), yoe = y - era * 400;
    var doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
    var days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
    var fraction = +((m[7] || "0") + "000000").slice(0, 6) / 1000000;
    return days * 86400 + hour * 3600 + minute * 60 + second - offset * 60 + fraction;
  }

  function binary(text) {
    if (!BASE64.test(text)) return null;
    try { return atob(text); } catch (e) { return null; }
  }
  function binaryEquals(value, policy) {
    var a = binary(value), b = binary(literal(policy));
    return a !== null && b !== null ? a === b : value === literal(policy);
  }

  function ipv6(text) {
    var tail = [];
    var colon = text.lastIndexOf(":");
    if (colon >= 0 && text.slice(colon + 1).indexOf(".") >= 0) {
      var v4 = text.slice(colon + 1);
      if (!IPV4.test(v4)) return null;
      var q = v4.split(".").map(Number);
      tail = [(q[0] << 8) | q[1], (q[2] << 8) | q[3]];
      text = text.slice(0, colon + 1).slice(-2) === "::" ? text.slice(0, colon + 1) : text.slice(0, colon);
    }
    var halves = text.split("::");
    if (halves.length > 2) return null;
    var parts = halves.map(function (h) { return h ? h.split(":") : []; });
    for (var i = 0; i < parts.length; i++) {
      for (var j = 0; j < parts[i].length; j++) if (!HEX.test(parts[i][j])) return null;
    }
    var groups = parts[0].map(function (g) { return parseInt(g, 16); });
    var want = 8 - tail.length;
    if (halves.length === 2) {
      var rest = parts[1].map(function (g) { return parseInt(g, 16); });
      if (groups.length + rest.length >= want) return null;
      while (groups.length + rest.length < want) groups.push(0);
      groups = groups.concat(rest);
    }
    if (groups.length !== want) return null;
    var n = BigInt(0);
    groups.concat(tail).forEach(function (g) { n = (n << BigInt(16)) | BigInt(g); });
    return n;
  }

  function address(text) {
    if (IPV4.test(text)) {
      var q = text.split(".").map(BigInt);
      return [4, (q[0] << BigInt(24)) | (q[1] << BigInt(16)) | (q[2] << BigInt(8)) | q[3]];
    }
    if (text.indexOf(":") >= 0) {
      var v6 = ipv6(text);
      return v6 === null ? null : [6, v6];
    }
    return null;
  }

  function ipIn(value, network) {
    var addr = address(value.trim().split("/")[0]);
    var net = network.trim();
    var slash = net.indexOf("/");
    var base = slash < 0 ? net : net.slice(0, slash), bits = slash < 0 ? "" : net.slice(slash + 1);
    var n = address(base);
    if (addr === null || n === null || addr[0] !== n[0]) return false;
    var width = n[0] === 4 ? 32 : 128, prefix;
    if (bits === "") prefix = width;
    else if (/^\d{1,3}$/.test(bits) && +bits <= width) prefix = +bits;
    else return false;
    var shift = BigInt(width - prefix);
    return (addr[1] >> shift) === (n[1] >> shift);
  }

  function splitArn(text) {
    var parts = [], rest = text;
    for (var i = 0; i < 5; i++) {
      var k = rest.indexOf(":");
      if (k < 0) break;
      parts.push(rest.slice(0, k));
      rest = rest.slice(k + 1);
    }
    parts.push(rest);
    return parts;
  }
  function arnLike(value, pattern) {
    var v = splitArn(value), p = splitArn(pattern);
    if (v.length !== 6 || p.length !== 6 || v[0] !== "arn" || p[0] !== "arn") return false;
    for (var i = 0; i < 6; i++) if (!like(v[i], p[i])) return false;
    return true;
  }

  function num(test) { return function (v, p) { var a = number(v), b = number(p); return a !== null && b !== null && test(a, b); }; }
  function dat(test) { return function (v, p) { var a = date(v), b = date(p); return a !== null && b !== null && test(a, b); }; }
  function EQ(a, b) { return a === b; }
  function LT(a, b) { return a < b; }
  function LE(a, b) { return a <= b; }
  function GT(a, b) { return a > b; }
  function GE(a, b) { return a >= b; }
  function strEq(v, p) { return v === literal(p); }
  function strEqIc(v, p) { return v.toLowerCase() === literal(p).toLowerCase(); }

  var OPERATORS = {};
  [["StringEquals", strEq, false, true], ["StringNotEquals", strEq, true, true],
    ["StringEqualsIgnoreCase", strEqIc, false, true], ["StringNotEqualsIgnoreCase", strEqIc, true, true],
    ["StringLike", like, false, true], ["StringNotLike", like, true, true],
    ["NumericEquals", num(EQ)], ["NumericNotEquals", num(EQ), true], ["NumericLessThan", num(LT)],
    ["NumericLessThanEquals", num(LE)], ["NumericGreaterThan", num(GT)], ["NumericGreaterThanEquals", num(GE)],
    ["DateEquals", dat(EQ)], ["DateNotEquals", dat(EQ), true], ["DateLessThan", dat(LT)],
    ["DateLessThanEquals", dat(LE)], ["DateGreaterThan", dat(GT)], ["DateGreaterThanEquals", dat(GE)],
    ["Bool", strEqIc, false, true], ["BinaryEquals", binaryEquals, false, true],
    ["IpAddress", ipIn], ["NotIpAddress", ipIn, true],
    ["ArnEquals", arnLike, false, true], ["ArnLike", arnLike, false, true],
    ["ArnNotEquals", arnLike, true, true], ["ArnNotLike", arnLike, true, true]
  ].forEach(function (o) {
    OPERATORS[o[0].toLowerCase()] = { name: o[0], test: o[1], negated: !!o[2], variables: !!o[3] };
  });

  function ConditionError(message) { this.message = message; }
  function pyRepr(s) { return "'" + s + "'"; }

  function parseOperator(name) {
    var low = name.toLowerCase(), qualifier = "";
    var k = low.indexOf(":");
    if (k >= 0) {
      qualifier = low.slice(0, k);
      low = low.slice(k + 1);
      if (qualifier !== "forallvalues" && qualifier !== "foranyvalue") {
        throw new ConditionError("unknown set operator " + pyRepr(name.split(":")[0]) + " (ForAllValues or ForAnyValue)");
      }
    }
    if (low === "null") {
      if (qualifier) throw new ConditionError(name + ": Null takes no set operator");
      return [null, "", false];
    }
    var ifExists = low.slice(-8) === "ifexists";
    var base = OPERATORS[ifExists ? low.slice(0, -8) : low];
    if (!base || !has(OPERATORS, ifExists ? low.slice(0, -8) : low)) throw new ConditionError("unknown condition operator " + pyRepr(name));
    return [base, qualifier, ifExists];
  }

  function compileCondition(block) {
    if (block === undefined || block === null) return [];
    if (!isDict(block)) throw new ConditionError("Condition must be an object of operators");
    var out = [];
    Object.keys(block).forEach(function (op) {
      var parsed = parseOperator(op);
      var keys = block[op];
      if (!isDict(keys)) throw new ConditionError(op + " must map condition keys to values");
      Object.keys(keys).forEach(function (key) {
        var items = asList(keys[key]);
        if (items.some(function (v) { return v === null || typeof v === "object"; })) {
          throw new ConditionError(op + " " + key + ": a condition value must be a string, number or boolean");
        }
        out.push({ key: key, values: items.map(scalar), base: parsed[0], qualifier: parsed[1], ifExists: parsed[2] });
      });
    });
    return out;
  }

  /* A value known by its shape (conditions.Shape): a role's ARN whose name is not known. */
  var SHAPED = { stringequals: false, stringnotequals: false, stringlike: true, stringnotlike: true,
    arnequals: true, arnlike: true, arnnotequals: true, arnnotlike: true };
  function isShape(v) { return isDict(v) && has(v, "shape"); }
  function shapeRelation(shape, pattern, wildcards) {
    if (!wildcards) return like(pattern, shape) ? null : false;
    if (patternCovers(pattern, shape)) return true;
    return disjoint(pattern, shape, true) ? false : null;
  }

  function matches(base, value, policy, unknown, key) {
    if (isShape(value)) {
      var wildcards = SHAPED[base.name.toLowerCase()];
      if (wildcards === undefined) return new Set([key.toLowerCase()]);
      if (base.name.indexOf("Arn") === 0) policy = policy.filter(function (p) { var a = splitArn(p); return a.length === 6 && a[0] === "arn"; });
      var answers = policy.map(function (p) { return shapeRelation(value.shape, wildcards ? p : literal(p), wildcards); });
      if (answers.indexOf(true) >= 0) return true;
      if (answers.indexOf(null) >= 0) { var keys = new Set(unknown); keys.add(key.toLowerCase()); return keys; }
      return unknown.size ? unknown : false;
    }
    for (var i = 0; i < policy.length; i++) if (base.test(value, policy[i])) return true;
    return unknown.size ? unknown : false;
  }

  function evaluateTest(test, ctx) {
    var found = ctx.lookup(test.key), state = found[0], value = found[1];
    if (state === UNKNOWN) return new Set([test.key.toLowerCase()]);
    if (test.base === null) {
      var isNull = state === ABSENT;
      return test.values.some(function (v) { return (v.toLowerCase() === "true") === isNull; });
    }
    if (state === ABSENT) {
      if (test.qualifier) return test.qualifier === "forallvalues";
      return test.ifExists || test.base.negated;
    }
    if (Array.isArray(value) && !test.qualifier) return false;
    var policy = [], unknown = new Set();
    if (test.base.variables) {
      try {
        test.values.forEach(function (v) {
          var s = substitute(v, ctx);
          if (typeof s === "string") policy.push(s); else s.forEach(function (k) { unknown.add(k); });
        });
      } catch (e) {
        if (e instanceof Unresolved) return false;
        throw e;
      }
    } else {
      policy = test.values;
    }
    var values = Array.isArray(value) ? value : [value];
    var perValue = values.map(function (v) { return matches(test.base, v, policy, unknown, test.key); });
    if (test.base.negated) perValue = perValue.map(tNot);
    if (test.qualifier === "forallvalues") return tAnd(perValue);
    if (test.qualifier === "foranyvalue") return tOr(perValue);
    return perValue[0];
  }

  function evaluate(tests, ctx) { return tAnd(tests.map(function (t) { return evaluateTest(t, ctx); })); }

  /* ---- statements and resources (access.py) ---- */

  function PolicyError(message, index) { this.message = message; this.index = index; }

  function statementLabel(st, index) {
    var sid = isDict(st) ? st.Sid : undefined;
    return typeof sid === "string" && sid ? sid : "#" + (index + 1);
  }

  function compileStatement(st, index, origin) {
    if (!isDict(st)) throw new PolicyError("a statement must be an object", index);
    var effect = st.Effect;
    if (effect !== "Allow" && effect !== "Deny") {
      throw new PolicyError('Effect must be "Allow" or "Deny", not ' + JSON.stringify(effect === undefined ? null : effect), index);
    }
    if (has(st, "Action") === has(st, "NotAction")) throw new PolicyError("a statement needs exactly one of Action and NotAction", index);
    if (has(st, "Resource") === has(st, "NotResource")) throw new PolicyError("a statement needs exactly one of Resource and NotResource", index);
    var resources = asList(has(st, "Resource") ? st.Resource : st.NotResource);
    if (!resources.length || resources.some(function (r) { return typeof r !== "string"; })) {
      throw new PolicyError("Resource and NotResource entries must be strings", index);
    }
    var tests;
    try { tests = compileCondition(st.Condition); } catch (e) {
      if (e instanceof ConditionError) throw new PolicyError(e.message, index);
      throw e;
    }
    var patterns = asList(has(st, "Action") ? st.Action : st.NotAction);
    if (!patterns.length || patterns.some(function (p) { return typeof p !== "string"; })) {
      throw new PolicyError("Action and NotAction entries must be strings", index);
    }
    return { allow: effect === "Allow", actions: patterns.map(function (p) { return wildcardRegex(p.toLowerCase()); }),
      notAction: !has(st, "Action"), resources: resources, notResource: !has(st, "Resource"), tests: tests, origin: origin };
  }

  function isLiteral(p) { return p.indexOf("*") < 0 && p.indexOf("?") < 0; }

  /* access.pattern_covers: every text `inner` matches is matched by `outer` (sound, not complete). */
  function patternCovers(outer, inner) {
    if (outer === inner || outer === "*") return true;
    if (isLiteral(inner)) return like(inner, outer);
    var m = inner.length, reach = [true];
    for (var j = 0; j < m; j++) reach.push(false);
    for (var i = 0; i < outer.length; i++) {
      var o = outer[i], nxt = [], k;
      for (k = 0; k <= m; k++) nxt.push(false);
      if (o === "*") {
        var seen = false;
        for (k = 0; k <= m; k++) { seen = seen || reach[k]; nxt[k] = seen; }
      } else {
        for (k = 0; k < m; k++) if (reach[k] && (o !== "?" ? inner[k] === o : inner[k] !== "*")) nxt[k + 1] = true;
      }
      reach = nxt;
    }
    return reach[m];
  }

  /* access.disjoint: no text matches both patterns (with bInSegment, a * of b never holds a colon). */
  function disjoint(a, b, bInSegment) {
    if (isLiteral(a)) return !like(a, b);
    if (isLiteral(b) && !bInSegment) return !like(b, a);
    function closure(i, j) {
      var out = new Set(), todo = [[i, j]];
      while (todo.length) {
        var t = todo.pop(), key = t[0] + "," + t[1];
        if (out.has(key)) continue;
        out.add(key);
        if (t[0] < a.length && a[t[0]] === "*") todo.push([t[0] + 1, t[1]]);
        if (t[1] < b.length && b[t[1]] === "*") todo.push([t[0], t[1] + 1]);
      }
      return out;
    }
    function step(p, i, c, segment) {
      if (i >= p.length) return null;
      if (p[i] === "*") return segment && c === ":" ? null : i;
      return p[i] === "?" || p[i] === c ? i + 1 : null;
    }
    var alphabet = new Set(["\u0000", ":"]);
    (a + b).split("").forEach(function (c) { if (c !== "*" && c !== "?") alphabet.add(c); });
    var seen = new Set(), todo = Array.from(closure(0, 0));
    while (todo.length) {
      var key = todo.pop();
      if (seen.has(key)) continue;
      seen.add(key);
      var ij = key.split(","), i = +ij[0], j = +ij[1];
      if (i === a.length && j === b.length) return false;
      alphabet.forEach(function (c) {
        var x = step(a, i, c, false), y = step(b, j, c, bInSegment);
        if (x !== null && y !== null) closure(x, y).forEach(function (k) { if (!seen.has(k)) todo.push(k); });
      });
    }
    return true;
  }

  function resourceTruth(request, pattern, isPattern) {
    if (!isPattern) return like(request, pattern);
    var marks = pattern.indexOf(STAR) >= 0 || pattern.indexOf(QUESTION) >= 0;
    if (!marks && patternCovers(pattern, request)) return true;
    return disjoint(literal(pattern), request, true) ? false : new Set([RESOURCE_KEY]);
  }

  function resourcesTruth(rule, req) {
    var parts = [];
    for (var i = 0; i < rule.resources.length; i++) {
      var pattern;
      try { pattern = substitute(rule.resources[i], req.context); } catch (e) {
        if (!(e instanceof Unresolved)) throw e;
        if (rule.notResource) return false;
        parts.push(false);
        continue;
      }
      parts.push(typeof pattern === "string" ? resourceTruth(req.resource, pattern, req.pattern) : pattern);
    }
    var hit = tOr(parts);
    return rule.notResource ? tNot(hit) : hit;
  }

  function names(rule, action) {
    return rule.actions.some(function (rx) { return rx.test(action); }) !== rule.notAction;
  }

  function applies(rule, req) {
    if (!names(rule, req.action.toLowerCase())) return false;
    var res = resourcesTruth(rule, req);
    if (res === false) return false;
    return rule.tests.length ? tAnd([res, evaluate(rule.tests, req.context)]) : res;
  }

  /* access.Evaluator: layers = identity, each SCP level, the boundary; RCPs only deny, and only their services. */
  function Evaluator(policies, rcpServices) {
    this.layers = [policies.identity].concat(policies.scps, policies.boundary ? [policies.boundary] : []);
    this.rcpRules = [];
    var self = this;
    policies.rcps.forEach(function (l) { self.rcpRules = self.rcpRules.concat(l.rules); });
    this.rcpServices = rcpServices;
    this.byAction = new Map();
  }
  Evaluator.prototype.rules = function (action) {
    var found = this.byAction.get(action);
    if (!found) {
      var denies = [], allows = [];
      this.layers.forEach(function (l) { l.rules.forEach(function (r) { if (!r.allow && names(r, action)) denies.push(r); }); });
      if (this.rcpServices.has(action.split(":")[0])) {
        this.rcpRules.forEach(function (r) { if (!r.allow && names(r, action)) denies.push(r); });
      }
      this.layers.forEach(function (l) { allows.push(l.rules.filter(function (r) { return r.allow && names(r, action); })); });
      found = [denies, allows];
      this.byAction.set(action, found);
    }
    return found;
  };
  Evaluator.prototype.decide = function (req) {
    var rules = this.rules(req.action.toLowerCase()), unknown = [], missing = null, i, t;
    for (i = 0; i < rules[0].length; i++) {
      t = applies(rules[0][i], req);
      if (t === true) return { verdict: DENIED, origin: rules[0][i].origin };
      if (t !== false) unknown.push([rules[0][i].origin, t, rules[0][i]]);
    }
    for (var l = 0; l < this.layers.length; l++) {
      var found = [], allowed = false, layerRules = rules[1][l];
      for (i = 0; i < layerRules.length; i++) {
        t = applies(layerRules[i], req);
        if (t === true) { allowed = true; break; }
        if (t !== false) found.push([layerRules[i].origin, t, layerRules[i]]);
      }
      if (allowed) continue;
      if (!found.length && missing === null) missing = this.layers[l].origin;
      unknown = unknown.concat(found);
    }
    if (missing !== null) return { verdict: IMPLICIT, origin: missing };
    if (unknown.length) return { verdict: CONDITIONAL, conditions: unknown };
    return { verdict: ALLOWED };
  };

  function layer(part, level, files, rules) {
    return { part: part, level: level, files: files, rules: rules,
      origin: { part: part, level: level, file: files.length ? files[0] : "", line: 0, col: 0, statement: "" } };
  }

  /* ---- the requests the options make (preflight/needs.py) ---- */

  var keyRegexCache = new Map();
  function keyMatches(key, template) {
    if (template.indexOf("$") < 0 && template.indexOf("<") < 0) return key.toLowerCase() === template.toLowerCase();
    var rx = keyRegexCache.get(template);
    if (!rx) {
      var parts = template.split(/\$\{[^}]*\}|<[^>]*>/).map(function (p) { return p.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&"); });
      rx = new RegExp("^" + parts.join("[\\s\\S]+") + "$", "iu");
      keyRegexCache.set(template, rx);
    }
    return rx.test(key);
  }

  function Checker(data) {
    this.data = data;
    this.rcpServices = new Set(data.rcpServices);
    this.partitions = data.partitions.map(function (p) { return { name: p.name, regions: new Set(p.regions), regex: new RegExp(p.regex) }; });
  }

  Checker.prototype.partitionOf = function (region) {
    var i;
    for (i = 0; i < this.partitions.length; i++) if (this.partitions[i].regions.has(region)) return this.partitions[i].name;
    for (i = 0; i < this.partitions.length; i++) if (this.partitions[i].regex.test(region)) return this.partitions[i].name;
    return "aws";
  };
  Checker.prototype.isRegion = function (name) {
    return this.partitions.some(function (p) { return p.regions.has(name) || p.regex.test(name); });
  };

  Checker.prototype.fill = function (template, region, account) {
    var partition = region ? this.partitionOf(region) : "aws";
    return template.split("{partition}").join(partition).split("{region}").join(region || "*").split("{account}").join(account || "*");
  };

  Checker.prototype.contextFor = function (need, region, account, roleNames) {
    var data = this.data, values = new Map();
    var name = (roleNames || {})[need.role], partition = region ? this.partitionOf(region) : "aws";
    if (name && account) values.set("aws:principalarn", "arn:" + partition + ":iam::" + account + ":role/" + name);
    else values.set("aws:principalarn", { shape: "arn:" + partition + ":iam::" + (account || "*") + ":role/*" });
    var requested = need.requestedRegion || region;
    if (requested) values.set("aws:requestedregion", requested);
    Object.keys(data.always).forEach(function (key) {
      var value = data.always[key];
      if (value.indexOf("{account}") < 0 || account) values.set(key, value.split("{account}").join(account));
    });
    function supports(key) { return need.keys.some(function (t) { return keyMatches(key, t); }); }
    var service = need.action.split(":")[0].toLowerCase();
    if (region && supports(service + ":region")) values.set(service + ":region", region);
    var passed = data.passedTo[need.action.toLowerCase()];
    if (passed && supports("iam:passedtoservice")) values.set("iam:passedtoservice", passed);
    var absent = new Set(data.absent);
    function unknown(key) {
      if (absent.has(key)) return false;
      if (key.indexOf("aws:") === 0 && !data.listedGlobal.some(function (p) { return key.indexOf(p) === 0; })) return true;
      return supports(key);
    }
    return new Context(values, unknown);
  };

  Checker.prototype.requestFor = function (need, region, account, roleNames) {
    var resource = this.fill(need.resource, region, account);
    return { action: need.action, resource: resource, context: this.contextFor(need, region, account, roleNames),
      pattern: resource !== "*" && (resource.indexOf("*") >= 0 || resource.indexOf("?") >= 0) };
  };

  Checker.prototype.needs = function (options) {
    var data = this.data, out = [], seen = new Set();
    options.forEach(function (oid) {
      var roles = data.options[oid].roles;
      Object.keys(roles).forEach(function (role) {
        roles[role].forEach(function (name) {
          data.policies[name].needs.forEach(function (row) {
            var key = JSON.stringify([role, name, row]);
            if (seen.has(key)) return;
            seen.add(key);
            out.push({ role: role, policy: name, statement: row[0], action: row[1], resource: row[2], keys: data.keys[row[3]], requestedRegion: row[4] });
          });
        });
      });
    });
    return out;
  };

  Checker.prototype.identity = function (role, options, region, account) {
    var data = this.data, names = [], rules = [];
    options.forEach(function (oid) { (data.options[oid].roles[role] || []).forEach(function (n) { if (names.indexOf(n) < 0) names.push(n); }); });
    var values = { REGION: region || "*", ACCOUNT_ID: account || "*", PARTITION: region ? this.partitionOf(region) : "aws" };
    names.forEach(function (name) {
      var p = data.policies[name];
      var doc = JSON.parse(JSON.stringify(p.document).replace(/<([A-Z][A-Z0-9_]*)>/g, function (whole, n) {
        return has(values, n) ? values[n].replace(/[\\"]/g, "\\$&") : whole;
      }));
      asList(doc.Statement).forEach(function (st, i) {
        var place = p.places[i] || [0, 0];
        rules.push(compileStatement(st, i, { part: "identity", level: 0, file: "policies/" + name, line: place[0], col: place[1], statement: statementLabel(st, i) }));
      });
    }, this);
    return layer("identity", 0, names.map(function (n) { return "policies/" + n; }), rules);
  };

  /* ---- what the reader pastes (preflight/inputs.py, without the files beside a list) ---- */

  function InputError(message) { this.message = message; }
  var SHAPES = "a policy document, `aws organizations describe-policy` or `list-policies-for-target` output, " +
    "`aws iam get-policy-version` output, or a list of these";

  function content(value, where) {
    if (isDict(value)) return value;
    if (typeof value !== "string") throw new InputError(where + ": the policy's content must be a JSON string or an object");
    var text = value.replace(/^\s+/, "")[0] === "{" ? value : decodeURIComponent(value);
    var doc;
    try { doc = JSON.parse(text); } catch (e) { throw new InputError(where + ": the policy's content is not JSON"); }
    if (!isDict(doc) || !has(doc, "Statement")) throw new InputError(where + ": the policy's content is not a policy document (no Statement)");
    return doc;
  }

  /* The documents of one pasted box: its policies in order. */
  function documents(text, where, managed) {
    if (typeof text !== "string" || text.length > MAX_PASTE) throw new InputError(where + ": the pasted text is too long");
    var value;
    try { value = JSON.parse(text); } catch (e) { throw new InputError(where + ": not JSON: paste the policy or the command's whole output"); }
    var items = Array.isArray(value) ? value : [value];
    // describe-policy outputs pasted beside a list-policies-for-target output are the documents it lists
    var listed = items.some(function (x) { return isDict(x) && Array.isArray(x.Policies); });
    var described = {};
    items.forEach(function (v) {
      if (isDict(v) && isDict(v.Policy) && has(v.Policy, "Content") && isDict(v.Policy.PolicySummary)) described[v.Policy.PolicySummary.Id] = v;
    });
    var out = [];
    items.forEach(function (v, i) {
      var at = where + (Array.isArray(value) ? ", item " + (i + 1) : "");
      if (!isDict(v)) throw new InputError(at + ": expected " + SHAPES);
      if (has(v, "Statement")) out.push(v);
      else if (isDict(v.Policy) && has(v.Policy, "Content")) {
        if (!listed) out.push(content(v.Policy.Content, at));
      } else if (has(v, "Content")) out.push(content(v.Content, at));
      else if (isDict(v.PolicyVersion) && has(v.PolicyVersion, "Document")) out.push(content(v.PolicyVersion.Document, at));
      else if (Array.isArray(v.Policies)) {
        v.Policies.forEach(function (entry) {
          if (!isDict(entry) || typeof entry.Id !== "string") throw new InputError(at + ": a listed policy needs its Id");
          if (has(entry, "Content")) out.push(content(entry.Content, at));
          else if (has(managed, entry.Id)) out.push(JSON.parse(JSON.stringify(managed[entry.Id])));  // AWS's own policies
          else if (has(described, entry.Id)) out.push(content(described[entry.Id].Policy.Content, at));
          else {
            throw new InputError(at + ": policy " + entry.Id + " (" + (entry.Name || "") + ") is listed, but its document is not in the paste: " +
              "add the output of aws organizations describe-policy --policy-id " + entry.Id);
          }
        });
      } else throw new InputError(at + ": expected " + SHAPES);
    });
    return out;
  }

  function guardrailLayer(part, level, docs, where) {
    var rules = [];
    docs.forEach(function (doc, d) {
      var sts = asList(doc.Statement);
      sts.forEach(function (st, i) {
        var origin = { part: part, level: level, file: where + (docs.length > 1 ? ", policy " + (d + 1) : ""), line: 0, col: 0, statement: statementLabel(st, i) };
        try { rules.push(compileStatement(st, i, origin)); } catch (e) {
          if (e instanceof PolicyError) throw new InputError(origin.file + ": statement " + origin.statement + ": " + e.message);
          throw e;
        }
      });
    });
    return layer(part, level, [where], rules);
  }

  /* ---- the check (preflight/check.py) ---- */

  function whereIs(origin) {
    if (origin.part === "scp") return "SCP level " + origin.level;
    if (origin.part === "rcp") return "RCP level " + origin.level;
    if (origin.part === "boundary") return "the permissions boundary";
    return "the role's own policies";
  }

  function spelling(rule, key) {
    if (key === RESOURCE_KEY) return "Resource";
    for (var i = 0; rule && i < rule.tests.length; i++) if (rule.tests[i].key.toLowerCase() === key) return rule.tests[i].key;
    return key;
  }

  function originKey(o) { return [o.part, o.level, o.file, o.line, o.col, o.statement].join("\u0000"); }

  /* {allowed, actions, blocked, conditional} as `iamdocs preflight --format json` gives them, or {error}. */
  Checker.prototype.check = function (input) {
    var self = this, options = input.options || [], region = input.region || "", account = (input.account || "").replace(/-/g, "");
    var roleNames = {};
    Object.keys(input.roleNames || {}).forEach(function (r) { if (input.roleNames[r]) roleNames[r] = input.roleNames[r]; });
    try {
      if (!options.length) throw new InputError("Choose at least one option.");
      options.forEach(function (o) { if (!has(self.data.options, o)) throw new InputError("No such option: " + o); });
      if (region && !self.isRegion(region)) throw new InputError(region + " is not an AWS Region.");
      if (account && !/^[0-9]{12}$/.test(account)) throw new InputError("An account ID has 12 digits.");
      Object.keys(roleNames).forEach(function (r) {
        if (!/^[A-Za-z0-9+=,.@_-]{1,64}$/.test(roleNames[r])) throw new InputError(roleNames[r] + " is not a role name IAM accepts.");
      });
      var scps = (input.scps || []).map(function (t, i) { var w = "SCP level " + (i + 1); return guardrailLayer("scp", i + 1, documents(t, w, self.data.managed), w); });
      var rcps = (input.rcps || []).map(function (t, i) { var w = "RCP level " + (i + 1); return guardrailLayer("rcp", i + 1, documents(t, w, self.data.managed), w); });
      var boundary = null;
      if (input.boundary) {
        var docs = documents(input.boundary, "permissions boundary", {});
        if (docs.length !== 1) throw new InputError("permissions boundary: a role has one permissions boundary; this holds " + docs.length);
        boundary = guardrailLayer("boundary", 0, docs, "permissions boundary");
      }
    } catch (e) {
      if (e instanceof InputError) return { error: e.message };
      throw e;
    }
    var wanted = this.needs(options), evaluators = {};
    wanted.forEach(function (n) {
      if (!evaluators[n.role]) {
        evaluators[n.role] = new Evaluator({ identity: self.identity(n.role, options, region, account), scps: scps, rcps: rcps, boundary: boundary }, self.rcpServices);
      }
    });
    var blocked = [], pending = [], seen = new Set(), blockedActions = new Set(), actions = new Set();
    wanted.forEach(function (need) {
      actions.add(need.action);
      var decision = evaluators[need.role].decide(self.requestFor(need, region, account, roleNames));
      var purposes = self.data.policies[need.policy].purposes;
      var common = { action: need.action, role: need.role, resource: self.fill(need.resource, region, account), policy: need.policy,
        policy_statement: need.statement, breaks: has(purposes, need.statement) ? purposes[need.statement] : "" };
      var found = [];
      if (decision.verdict === DENIED) found.push([decision.origin, "an explicit Deny in " + whereIs(decision.origin), ""]);
      else if (decision.verdict === IMPLICIT) found.push([decision.origin, "no statement of " + whereIs(decision.origin) + " allows it", ""]);
      else if (decision.verdict === CONDITIONAL) {
        decision.conditions.forEach(function (c) {
          Array.from(c[1]).sort().forEach(function (key) { found.push([c[0], "", spelling(c[2], key)]); });
        });
      }
      found.forEach(function (f) {
        var ident = [need.action, originKey(f[0]), f[2], f[1]].join("\u0001");
        if (seen.has(ident)) return;
        seen.add(ident);
        var entry = Object.assign({ file: f[0].file, line: f[0].line || null, column: f[0].col || null, statement: f[0].statement || null,
          part: f[0].part, level: f[0].level }, common);
        if (f[2]) { entry.key = f[2]; pending.push(entry); } else { entry.reason = f[1]; blocked.push(entry); blockedActions.add(need.action); }
      });
    });
    function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
    var conditional = pending.filter(function (e) { return !blockedActions.has(e.action); });
    blocked.sort(function (a, b) { return cmp(a.action, b.action); });
    conditional.sort(function (a, b) { return cmp(a.action, b.action) || cmp(a.key, b.key); });
    return { allowed: !blocked.length && !conditional.length, options: options, region: region || null, account: account || null,
      actions: actions.size, blocked: blocked, conditional: conditional };
  };

  /* Requests in the test oracle's shape (tests/oracle), decided with a complete context: for the differential tests. */
  Checker.prototype.decideRequests = function (requests) {
    var self = this;
    return requests.map(function (r) {
      function lay(part, level, docs) {
        var rules = [];
        docs.forEach(function (d, i) { asList(d.Statement).forEach(function (st, j) { rules.push(compileStatement(st, j, { part: part, level: level, file: part + i, line: 0, col: 0, statement: "#" + (j + 1) })); }); });
        return layer(part, level, docs.map(function (d, i) { return part + i; }), rules);
      }
      var policies = { identity: lay("identity", 0, r.identity || []),
        scps: (r.scps || []).map(function (docs, i) { return lay("scp", i + 1, docs); }),
        rcps: (r.rcps || []).map(function (docs, i) { return lay("rcp", i + 1, docs); }),
        boundary: r.boundary ? lay("boundary", 0, [r.boundary]) : null };
      return new Evaluator(policies, self.rcpServices).decide({ action: r.action, resource: r.resource, context: contextFrom(r.context), pattern: false }).verdict;
    });
  };

  /* ---- the page ---- */

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function setup() {
    var root = document.querySelector("[data-iamdocs-guardrail-check]");
    if (!root || root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "loading");
    var src = document.querySelector("script[src*='guardrail-check.js']").src.replace(/guardrail-check\.js(\?.*)?$/, "guardrail-check-data.json");
    fetch(src).then(function (r) { return r.json(); }).then(function (data) { build(root, data); });
  }

  function findings(title, items, kind, describe) {
    var box = el("div", null, { "class": "iamdocs-guardrails__group", "data-kind": kind });
    box.appendChild(el("p", title + " (" + items.length + ")", { "class": "iamdocs-guardrails__title" }));
    if (items.length) {
      var ul = el("ul");
      items.forEach(function (f) {
        var li = el("li");
        li.appendChild(el("code", f.action));
        li.appendChild(document.createTextNode(" " + describe(f)));
        if (f.breaks) li.appendChild(el("span", "Needed to: " + f.breaks, { "class": "iamdocs-guardrails__breaks" }));
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    return box;
  }

  function build(root, data) {
    var checker = new Checker(data);
    window.iamdocsGuardrailCheck = checker; // for the browser tests, which run the shared cases against it
    var form = el("form", null, { "class": "iamdocs-guardrails", novalidate: "" });
    var fieldset = el("fieldset");
    fieldset.appendChild(el("legend", "Options you will use"));
    Object.keys(data.options).forEach(function (oid) {
      var label = el("label", null, { "class": "iamdocs-guardrails__option" });
      var box = el("input", null, { type: "checkbox", name: "option", value: oid });
      if (oid === "engine-a") box.checked = true;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + data.options[oid].title));
      fieldset.appendChild(label);
    });
    form.appendChild(fieldset);
    var regionLabel = el("label", "Region", { "for": "iamdocs-guardrails-region" });
    var region = el("input", null, { id: "iamdocs-guardrails-region", type: "text", autocomplete: "off", spellcheck: "false", placeholder: "us-west-2" });
    var accountLabel = el("label", "Account ID (optional)", { "for": "iamdocs-guardrails-account" });
    var account = el("input", null, { id: "iamdocs-guardrails-account", type: "text", autocomplete: "off", spellcheck: "false", inputmode: "numeric" });
    try {
      var saved = JSON.parse(window.localStorage.getItem("iamdocs.fill.v1") || "null");
      if (saved && typeof saved.REGION === "string") region.value = saved.REGION;
      if (saved && typeof saved.ACCOUNT_ID === "string") account.value = saved.ACCOUNT_ID;
    } catch (e) { /* nothing saved */ }
    [regionLabel, region, accountLabel, account].forEach(function (e) { form.appendChild(e); });
    var roleInputs = {};
    Object.keys(data.roles).forEach(function (rid) {
      var id = "iamdocs-guardrails-role-" + rid;
      form.appendChild(el("label", data.roles[rid] + " name (optional: decides rules that exempt roles by name)", { "for": id }));
      roleInputs[rid] = el("input", null, { id: id, type: "text", autocomplete: "off", spellcheck: "false" });
      form.appendChild(roleInputs[rid]);
    });
    var levels = el("div", null, { "class": "iamdocs-guardrails__levels" });
    form.appendChild(levels);
    function addBox(container, id, label) {
      container.appendChild(el("label", label, { "for": id }));
      container.appendChild(el("textarea", null, { id: id, rows: "6", spellcheck: "false", autocomplete: "off" }));
    }
    var scpCount = 0;
    function addLevel() {
      scpCount += 1;
      addBox(levels, "iamdocs-guardrails-scp-" + scpCount, "SCPs of level " + scpCount + (scpCount === 1 ? " (the root)" : "") + ": a policy, describe-policy output or a list");
    }
    addLevel();
    var more = el("button", "Add a level (an OU, then the account)", { type: "button", "class": "iamdocs-guardrails__more" });
    more.addEventListener("click", addLevel);
    form.appendChild(more);
    addBox(form, "iamdocs-guardrails-rcp", "Resource control policies (optional)");
    addBox(form, "iamdocs-guardrails-boundary", "Permissions boundary (optional)");
    form.appendChild(el("button", "Check the guardrails", { type: "submit" }));
    var result = el("div", null, { "class": "iamdocs-guardrails__result", role: "status", "aria-live": "polite" });
    root.appendChild(form);
    root.appendChild(result);

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      while (result.firstChild) result.removeChild(result.firstChild);
      var options = Array.prototype.map.call(form.querySelectorAll("input[name=option]:checked"), function (b) { return b.value; });
      var scps = [];
      for (var i = 1; i <= scpCount; i++) {
        var t = document.getElementById("iamdocs-guardrails-scp-" + i).value;
        if (t.trim()) scps.push(t);
      }
      var rcp = document.getElementById("iamdocs-guardrails-rcp").value;
      var boundary = document.getElementById("iamdocs-guardrails-boundary").value;
      var r;
      try {
        var roleNames = {};
        Object.keys(roleInputs).forEach(function (rid) { roleNames[rid] = roleInputs[rid].value.trim(); });
        r = checker.check({ options: options, region: region.value.trim(), account: account.value.trim(), roleNames: roleNames, scps: scps,
          rcps: rcp.trim() ? [rcp] : [], boundary: boundary.trim() ? boundary : null });
      } catch (e) {
        r = { error: "The guardrails could not be checked: " + (e && e.message ? e.message : String(e)) };
      }
      if (r.error) {
        result.appendChild(el("p", r.error, { "class": "iamdocs-guardrails__error", "data-kind": "error" }));
        return;
      }
      var nb = new Set(r.blocked.map(function (f) { return f.action; })).size;
      var nc = new Set(r.conditional.map(function (f) { return f.action; })).size;
      result.appendChild(el("p", r.allowed ? "Nothing is blocked: all " + r.actions + " actions these options need are allowed."
        : nb + " of " + r.actions + " actions blocked, " + nc + " conditional.", { "data-kind": r.allowed ? "ok" : "error" }));
      result.appendChild(findings("Blocked", r.blocked, "blocked", function (f) {
        return "(" + data.roles[f.role] + "): " + (f.statement ? "statement " + f.statement + " of " : "") + f.file + ": " + f.reason + ".";
      }));
      result.appendChild(findings("Conditional", r.conditional, "conditional", function (f) {
        return "(" + data.roles[f.role] + "): depends on " + (f.key === "Resource" ? "the name of " + f.resource : f.key) +
          ", statement " + f.statement + " of " + f.file + ".";
      }));
    });
    root.setAttribute("data-ready", "true");
  }

  window.IamdocsGuardrailChecker = Checker;
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setup);
  } else {
    document.addEventListener("DOMContentLoaded", setup);
  }
})();
