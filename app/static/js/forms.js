/*
 * Formloom form enhancer: applies a form's rules live and validates as people type.
 *
 * The server renders every field and validates every submission on its own; this file
 * only makes the page nicer when JavaScript runs. It reads the rule JSON the server
 * put in <script type="application/json" class="fl-rules"> (never inline code: the CSP
 * forbids it) and applies it with a faithful port of runtime/rules/conditions.py:
 * the same operators, the same null rule (a missing or null variable makes every
 * comparison false except is_null, is_empty and != against a present value), numbers
 * compared as decimals (not binary floats), ISO dates compared by calendar day.
 * tests/e2e/test_forms_parity.py runs the same table of cases here and in Python.
 *
 * Known differences: ignore_case uses toLowerCase (Python: casefold), and \w \d \s in
 * `matches` patterns are ASCII here but Unicode in Python.
 */
(function () {
  "use strict";

  var MISSING = { missing: true };
  var NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

  // ---- decimals: BigInt mantissa and scale, so 0.1 + 0.2 is 0.3 as in Python ------------
  function dec(text) {
    var t = String(text).trim();
    if (t.length > 50 || !NUMERIC.test(t)) return null;
    var negative = t[0] === "-";
    t = t.replace(/^[+-]/, "");
    var parts = t.split(".");
    var frac = parts[1] || "";
    var digits = (parts[0] || "0") + frac;
    var m = BigInt(digits || "0");
    return { m: negative ? -m : m, s: frac.length };
  }
  function toDecimal(value) {
    if (typeof value === "boolean" || value === null || value === undefined) return null;
    if (typeof value === "number") {
      if (!isFinite(value)) return null;
      var text = String(value);
      if (/e/i.test(text)) {
        text = value.toFixed(20).replace(/\.?0+$/, "");
      }
      return dec(text);
    }
    if (typeof value === "string") return dec(value);
    if (value && typeof value === "object" && "m" in value && "s" in value) return value;
    return null;
  }
  function align(a, b) {
    var s = Math.max(a.s, b.s);
    return [a.m * 10n ** BigInt(s - a.s), b.m * 10n ** BigInt(s - b.s), s];
  }
  function decCmp(a, b) {
    var x = align(a, b);
    return x[0] < x[1] ? -1 : x[0] > x[1] ? 1 : 0;
  }
  function decAdd(a, b) { var x = align(a, b); return { m: x[0] + x[1], s: x[2] }; }
  function decSub(a, b) { var x = align(a, b); return { m: x[0] - x[1], s: x[2] }; }
  function decMul(a, b) { return { m: a.m * b.m, s: a.s + b.s }; }
  function decRound(a, places) {
    if (a.s <= places) return { m: a.m * 10n ** BigInt(places - a.s), s: places };
    var factor = 10n ** BigInt(a.s - places);
    var negative = a.m < 0n;
    var abs = negative ? -a.m : a.m;
    var q = abs / factor;
    if ((abs % factor) * 2n >= factor) q += 1n; // ROUND_HALF_UP
    return { m: negative ? -q : q, s: places };
  }
  function decString(a) {
    var negative = a.m < 0n;
    var digits = (negative ? -a.m : a.m).toString();
    if (a.s > 0) {
      while (digits.length <= a.s) digits = "0" + digits;
      digits = digits.slice(0, digits.length - a.s) + "." + digits.slice(digits.length - a.s);
    }
    return (negative ? "-" : "") + digits;
  }

  // ---- values (runtime/rules/values.py) -------------------------------------------------
  function isNumber(v) { return typeof v === "number"; }
  function numericText(v) { return typeof v === "string" && toDecimal(v) !== null; }
  function isList(v) { return Array.isArray(v); }
  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }

  var DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
  var DT_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
  function validDay(y, m, d) {
    if (m < 1 || m > 12 || d < 1) return false;
    return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
  }
  // {date: "YYYY-MM-DD"} or {date, ms} (an instant, with the calendar day of its own offset)
  function toTemporal(value) {
    if (isObject(value) && value.temporal) return value;
    if (typeof value !== "string" || value.length < 8 || value.length > 40) return null;
    var m;
    if (value.length === 10) {
      m = DATE_RE.exec(value);
      if (!m || !validDay(+m[1], +m[2], +m[3])) return null;
      return { temporal: true, date: value };
    }
    m = DT_RE.exec(value);
    if (!m || !validDay(+m[1], +m[2], +m[3]) || +m[4] > 23 || +m[5] > 59 || +(m[6] || 0) > 59) return null;
    var offset = 0;
    if (m[8] && m[8] !== "Z") {
      var sign = m[8][0] === "-" ? -1 : 1;
      var hhmm = m[8].slice(1).replace(":", "");
      offset = sign * (parseInt(hhmm.slice(0, 2), 10) * 60 + parseInt(hhmm.slice(2), 10));
    }
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0),
                      Math.floor(+((m[7] || "0") + "000000").slice(0, 6) / 1000)) - offset * 60000;
    return { temporal: true, date: value.slice(0, 10), ms: ms };
  }
  function sign(a, b) { return a > b ? 1 : a < b ? -1 : 0; }
  function orderTemporal(a, b) {
    var ta = toTemporal(a), tb = toTemporal(b);
    if (!ta || !tb) return null;
    if (ta.ms !== undefined && tb.ms !== undefined) return sign(ta.ms, tb.ms);
    return sign(ta.date, tb.date);
  }
  function order(a, b) {
    if (typeof a === "boolean" || typeof b === "boolean") return null;
    if (isNumber(a) || isNumber(b) || (numericText(a) && numericText(b))) {
      var da = toDecimal(a), db = toDecimal(b);
      return da === null || db === null ? null : decCmp(da, db);
    }
    if ((isObject(a) && a.temporal) || (isObject(b) && b.temporal)) return orderTemporal(a, b);
    if (typeof a === "string" && typeof b === "string") return sign(a, b);
    return null;
  }
  function fold(text, ic) { return ic ? text.toLowerCase() : text; }
  function equal(a, b, ic) {
    if (typeof a === "boolean" || typeof b === "boolean") {
      return typeof a === "boolean" && typeof b === "boolean" && a === b;
    }
    if (isNumber(a) || isNumber(b)) {
      var da = toDecimal(a), db = toDecimal(b);
      return da !== null && db !== null && decCmp(da, db) === 0;
    }
    if (typeof a === "string" && typeof b === "string") return fold(a, ic) === fold(b, ic);
    if ((isObject(a) && a.temporal) || (isObject(b) && b.temporal)) return orderTemporal(a, b) === 0;
    if (isList(a) && isList(b)) {
      if (a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) if (!equal(a[i], b[i], ic)) return false;
      return true;
    }
    if (a === null || b === null || typeof a !== typeof b || isList(a) !== isList(b)) return false;
    return JSON.stringify(a) === JSON.stringify(b);
  }
  function isEmpty(v) {
    if (v === MISSING || v === null || v === undefined) return true;
    if (typeof v === "string") return v.trim() === "";
    if (isList(v)) return v.length === 0;
    if (isObject(v)) return Object.keys(v).length === 0;
    return false;
  }

  // ---- variables (runtime/rules/safety.py read_path) -------------------------------------
  var pathCache = {};
  function segments(path) {
    if (pathCache[path]) return pathCache[path];
    var out = [];
    var head = /^[A-Za-z_][A-Za-z0-9_]*/.exec(path);
    if (!head) return (pathCache[path] = null);
    out.push(head[0]);
    var rest = path.slice(head[0].length);
    var re = /\.([A-Za-z0-9_]+)|\[(\d+)\]/g, m, consumed = 0;
    while ((m = re.exec(rest)) !== null) {
      if (m.index !== consumed) return (pathCache[path] = null);
      out.push(m[1] !== undefined ? m[1] : parseInt(m[2], 10));
      consumed = re.lastIndex;
    }
    if (consumed !== rest.length) return (pathCache[path] = null);
    for (var i = 0; i < out.length; i++) {
      if (typeof out[i] === "string" && out[i].indexOf("__") >= 0) return (pathCache[path] = null);
    }
    return (pathCache[path] = out);
  }
  function readPath(vars, path) {
    var segs = segments(path);
    if (!segs) return MISSING;
    var current = vars;
    for (var i = 0; i < segs.length; i++) {
      var seg = segs[i];
      if (isList(current)) {
        var index = typeof seg === "number" ? seg : (/^\d+$/.test(seg) ? parseInt(seg, 10) : null);
        current = index !== null && index < current.length ? current[index] : MISSING;
      } else if (isObject(current)) {
        current = typeof seg === "string" && Object.prototype.hasOwnProperty.call(current, seg)
          ? current[seg] : MISSING;
      } else {
        return MISSING;
      }
      if (current === MISSING || current === null || current === undefined) return MISSING;
    }
    return current;
  }

  // ---- durations (runtime/timeutil/durations.py subtract_from) ---------------------------
  var DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;
  function subtractDuration(nowMs, text) {
    var m = DURATION.exec(text);
    if (!m) return null;
    var d = new Date(nowMs);
    var months = d.getUTCFullYear() * 12 + d.getUTCMonth() - ((+m[1] || 0) * 12 + (+m[2] || 0));
    var year = Math.floor(months / 12), month = months - year * 12;
    var day = Math.min(d.getUTCDate(), new Date(Date.UTC(year, month + 1, 0)).getUTCDate());
    var shifted = Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(),
                           d.getUTCSeconds(), d.getUTCMilliseconds());
    shifted -= ((+m[3] || 0) * 7 + (+m[4] || 0)) * 86400000;
    var secs = 0;
    [[m[5], 3600], [m[6], 60], [m[7], 1]].forEach(function (p) {
      if (p[0]) secs += parseFloat(p[0].replace(",", ".")) * p[1];
    });
    return shifted - Math.round(secs * 1000);
  }
  function utcDay(ms) { return new Date(ms).toISOString().slice(0, 10); }

  // ---- operators (runtime/rules/operators.py) -------------------------------------------
  function ordered(pred, by) {
    return function (a, b) { var r = by(a, b); return r !== null && pred(r); };
  }
  function inList(a, b, ic) {
    if (!isList(b) || isList(a) || isObject(a)) return false;
    for (var i = 0; i < b.length; i++) if (equal(a, b[i], ic)) return true;
    return false;
  }
  function textOp(check) {
    return function (a, b, ic) {
      return typeof a === "string" && typeof b === "string" && check(fold(a, ic), fold(b, ic));
    };
  }
  var patternCache = {};
  function pattern(source, ic) {
    var key = (ic ? "i:" : "s:") + source;
    if (!(key in patternCache)) {
      var js = source.replace(/\(\?P</g, "(?<").replace(/\\A/g, "^").replace(/\\Z/g, "$");
      try { patternCache[key] = new RegExp(js, ic ? "i" : ""); } catch (e) { patternCache[key] = null; }
    }
    return patternCache[key];
  }
  function windowOp(inside) {
    return function (a, b, ic, now) {
      var moment = toTemporal(a);
      if (!moment) return false;
      var threshold = subtractDuration(now, b);
      if (threshold === null) return false;
      if (moment.ms === undefined) {
        var day = moment.date, lo = utcDay(threshold), hi = utcDay(now);
        return inside ? lo <= day && day <= hi : day < lo;
      }
      return inside ? threshold <= moment.ms && moment.ms <= now : moment.ms < threshold;
    };
  }
  var OPERATORS = {
    "==": function (a, b, ic) { return equal(a, b, ic); },
    "!=": function (a, b, ic) { return !equal(a, b, ic); },
    "<": ordered(function (r) { return r < 0; }, order),
    "<=": ordered(function (r) { return r <= 0; }, order),
    ">": ordered(function (r) { return r > 0; }, order),
    ">=": ordered(function (r) { return r >= 0; }, order),
    "in": inList,
    "not_in": function (a, b, ic) {
      if (!isList(b) || isList(a) || isObject(a)) return false;
      return !inList(a, b, ic);
    },
    "contains": function (a, b, ic) {
      if (typeof a === "string") return typeof b === "string" && fold(a, ic).indexOf(fold(b, ic)) >= 0;
      if (isList(a)) { for (var i = 0; i < a.length; i++) if (equal(a[i], b, ic)) return true; }
      return false;
    },
    "starts_with": textOp(function (a, b) { return a.indexOf(b) === 0; }),
    "ends_with": textOp(function (a, b) { return a.length >= b.length && a.slice(a.length - b.length) === b; }),
    "matches": function (a, b, ic) {
      if (typeof a !== "string" || a.length > 2000) return false;
      var re = pattern(b, ic);
      return re !== null && re.test(a);
    },
    "between": function (a, b) {
      var above = order(b[0], a), below = order(a, b[1]);
      return above !== null && below !== null && above <= 0 && below <= 0;
    },
    "before": ordered(function (r) { return r < 0; }, orderTemporal),
    "after": ordered(function (r) { return r > 0; }, orderTemporal),
    "on_or_before": ordered(function (r) { return r <= 0; }, orderTemporal),
    "on_or_after": ordered(function (r) { return r >= 0; }, orderTemporal),
    "within_last": windowOp(true),
    "older_than": windowOp(false)
  };
  var NULL_AWARE = {
    "is_null": function (a) { return a === MISSING; },
    "is_not_null": function (a) { return a !== MISSING; },
    "is_empty": function (a) { return isEmpty(a); },
    "is_not_empty": function (a) { return !isEmpty(a); }
  };
  var DATE_OPS = { before: 1, after: 1, on_or_before: 1, on_or_after: 1 };

  function operand(cond, vars) {
    var value = cond.value;
    if (cond.op === "within_last" || cond.op === "older_than" || cond.op === "matches") return value;
    if (cond.op === "between") {
      var low = isObject(value[0]) ? readPath(vars, value[0].var) : value[0];
      var high = isObject(value[1]) ? readPath(vars, value[1].var) : value[1];
      return low === MISSING || high === MISSING ? MISSING : [low, high];
    }
    if (isObject(value)) return readPath(vars, value.var);
    if (DATE_OPS[cond.op]) return toTemporal(value) || MISSING;
    return value;
  }

  function evaluate(cond, vars, now) {
    if (cond === true || cond === false) return cond;
    if (!isObject(cond)) return false;
    if ("all" in cond) { for (var i = 0; i < cond.all.length; i++) if (!evaluate(cond.all[i], vars, now)) return false; return true; }
    if ("any" in cond) { for (var j = 0; j < cond.any.length; j++) if (evaluate(cond.any[j], vars, now)) return true; return false; }
    if ("not" in cond) return !evaluate(cond.not, vars, now);
    if ("expr" in cond) { var v = readPath(vars, cond.expr); return !(v === MISSING || v === false || v === 0 || isEmpty(v)); }
    var left = readPath(vars, cond.var);
    if (NULL_AWARE[cond.op]) return NULL_AWARE[cond.op](left);
    var right = operand(cond, vars);
    if (left === MISSING || right === MISSING) {
      return cond.op === "!=" && (left !== MISSING || right !== MISSING);
    }
    var test = OPERATORS[cond.op];
    return test ? Boolean(test(left, right, cond.ignore_case === true, now)) : false;
  }

  // ---- computed values (runtime/forms/rules.py evaluate_value) ---------------------------
  function number(value) {
    if (isObject(value) && "amount" in value) value = value.amount;
    if (value === MISSING || value === null || value === undefined) return MISSING;
    var d = toDecimal(value);
    return d === null ? MISSING : d;
  }
  function computeValue(doc, vars) {
    if (!isObject(doc)) return doc;
    if ("var" in doc) return readPath(vars, doc.var);
    if ("sum" in doc) {
      var rows = readPath(vars, doc.sum), total = { m: 0n, s: 0 };
      if (isList(rows)) {
        rows.forEach(function (row) {
          if (!isObject(row)) return;
          var names = doc.product || [doc.field], result = { m: 1n, s: 0 };
          for (var i = 0; i < names.length; i++) {
            var n = number(Object.prototype.hasOwnProperty.call(row, names[i]) ? row[names[i]] : MISSING);
            if (n === MISSING) { result = { m: 0n, s: 0 }; break; }
            result = decMul(result, n);
          }
          total = decAdd(total, result);
        });
      }
      return total;
    }
    if ("round" in doc) {
      var r = number(computeValue(doc.round, vars));
      return r === MISSING ? MISSING : decRound(r, doc.places === undefined ? 2 : doc.places);
    }
    var op = "add" in doc ? "add" : "sub" in doc ? "sub" : "mul";
    var values = doc[op].map(function (item) { return number(computeValue(item, vars)); });
    if (values.indexOf(MISSING) >= 0) return MISSING;
    return values.slice(1).reduce(function (acc, v) {
      return op === "add" ? decAdd(acc, v) : op === "sub" ? decSub(acc, v) : decMul(acc, v);
    }, values[0]);
  }
  function shape(field, value) {
    if (!isObject(value) || !("m" in value)) return value;
    if (field && field.type === "money") {
      return { amount: decString(decRound(value, 2)), currency: field.currency || "" };
    }
    if (field && field.type === "number") return Number(decString(value));
    return decString(value);
  }

  // ---- applying rules (same order as FormRules.apply) ------------------------------------
  function assign(data, path, value) {
    var parts = path.split("."), target = data;
    for (var i = 0; i < parts.length - 1; i++) {
      if (!isObject(target[parts[i]])) target[parts[i]] = {};
      target = target[parts[i]];
    }
    target[parts[parts.length - 1]] = value;
  }
  function remove(data, path) {
    var parts = path.split("."), target = data;
    for (var i = 0; i < parts.length - 1; i++) {
      target = target[parts[i]];
      if (!isObject(target)) return;
    }
    delete target[parts[parts.length - 1]];
  }
  function isUnder(path, hidden) {
    if (hidden[path]) return true;
    for (var h in hidden) if (path.indexOf(h + ".") === 0) return true;
    return false;
  }
  function applyRules(client, data, context, now) {
    var vars = Object.assign({}, context || {}, data);
    var computed = {};
    (client.computed || []).forEach(function (p) { remove(data, p); remove(vars, p); });
    var rules = client.rules || [];
    rules.forEach(function (rule) {
      if (rule.effect !== "compute" || !evaluate(rule.when === undefined ? true : rule.when, vars, now)) return;
      var value = shape(client.fields[rule.field], computeValue(rule.value, vars));
      if (value === MISSING) { remove(data, rule.field); remove(vars, rule.field); delete computed[rule.field]; }
      else { assign(data, rule.field, value); assign(vars, rule.field, value); computed[rule.field] = value; }
    });
    var hidden = {}, hiding = {}, required = {};
    rules.forEach(function (rule) { if (rule.effect === "show") rule.fields.forEach(function (f) { hidden[f] = true; }); });
    rules.forEach(function (rule) {
      if (rule.effect === "compute" || !evaluate(rule.when === undefined ? true : rule.when, vars, now)) return;
      var target = rule.effect === "show" ? null : rule.effect === "hide" ? hiding : required;
      rule.fields.forEach(function (f) { if (target) target[f] = true; else delete hidden[f]; });
    });
    Object.keys(hiding).forEach(function (f) { hidden[f] = true; });
    Object.keys(required).forEach(function (f) { if (isUnder(f, hidden)) delete required[f]; });
    return { hidden: hidden, required: required, computed: computed };
  }

  (typeof window !== "undefined" ? window : globalThis).FormloomRules = {
    evaluate: function (cond, vars, nowIso) {
      var now = nowIso ? Date.parse(nowIso) : Date.now();
      return evaluate(cond, vars, now);
    },
    apply: function (client, data, context, nowIso) {
      return applyRules(client, data, context, nowIso ? Date.parse(nowIso) : Date.now());
    },
    computeValue: function (doc, vars) {
      var v = computeValue(doc, vars);
      return isObject(v) && "m" in v ? decString(v) : v === MISSING ? null : v;
    },
    MISSING: MISSING
  };
  if (typeof document === "undefined") return;

  // ---- the page ---------------------------------------------------------------------------
  function Form(root) {
    var script = root.querySelector("script.fl-rules");
    this.root = root;
    this.client = JSON.parse(script.textContent);
    this.form = root.closest("form");
    this.wrappers = {};
    var self = this;
    root.querySelectorAll("[data-fl-path]").forEach(function (el) {
      if (!el.parentElement.closest(".fl-row")) self.wrappers[el.getAttribute("data-fl-path")] = el;
    });
  }
  // Inputs by name, looked up once: a 300-field form reads every field on each change.
  Form.prototype.inputs = function (name) {
    if (!this.byName) {
      var byName = {};
      this.root.querySelectorAll("[name]").forEach(function (el) {
        (byName[el.name] = byName[el.name] || []).push(el);
      });
      this.byName = byName;
    }
    return this.byName[name] || [];
  };
  Form.prototype.textOf = function (name) {
    var el = this.inputs(name)[0];
    if (!el || el.disabled) return null;
    var v = el.value.replace(/\r\n/g, "\n").trim();
    return v === "" ? null : v;
  };
  Form.prototype.typed = function (field, name) {
    var t = field.type, self = this;
    if (t === "checkbox" || t === "consent") {
      var box = this.inputs(name)[0];
      return Boolean(box && box.checked && !box.disabled);
    }
    if (t === "multiselect" || t === "radio") {
      var chosen = [];
      this.inputs(name).forEach(function (el) { if (el.checked && !el.disabled) chosen.push(self.option(field, el.value)); });
      if (t === "radio") return chosen.length ? chosen[0] : null;
      return chosen.length ? chosen : null;
    }
    if (t === "file" || t === "photo") {
      var input = this.inputs(name)[0], list = [];
      if (input && !input.disabled && input.files) {
        for (var i = 0; i < input.files.length; i++) {
          list.push({ name: input.files[i].name, type: input.files[i].type, size: input.files[i].size });
        }
      }
      return list.length ? list : null;
    }
    if (t === "money") {
      var amount = this.textOf(name + "/amount");
      if (amount === null) return null;
      var currency = field.currency || (this.textOf(name + "/currency") || "").toUpperCase();
      var d = dec(amount.replace(/[ ,]/g, ""));
      return { amount: d ? decString(decRound(d, 2)) : amount, currency: currency };
    }
    if (t === "address") {
      var group = {}, any = false;
      Object.keys(field.children || {}).forEach(function (child) {
        var v = self.typed(field.children[child], name + "/" + child);
        if (v !== null) { group[child] = v; any = true; }
      });
      return any ? group : null;
    }
    if (t === "line_items") {
      var rows = [];
      this.root.querySelectorAll('[data-fl-key="' + name + '"] .fl-rows > .fl-row').forEach(function (rowEl) {
        var index = rowEl.getAttribute("data-fl-row"), row = {}, filled = false;
        Object.keys(field.children || {}).forEach(function (child) {
          var v = self.typed(field.children[child], name + "/" + index + "/" + child);
          if (v !== null) { row[child] = v; if (v !== false) filled = true; }
        });
        if (filled) rows.push(row);
      });
      return rows.length ? rows : null;
    }
    var text = this.textOf(name);
    if (text === null) return null;
    if (t === "number" || (t === "hidden" && (field.integer || field.number))) {
      var n = text.replace(/ /g, "");
      return NUMERIC.test(n) && n.length <= 30 ? Number(n) : text;
    }
    if (t === "select") return this.option(field, text);
    if (t === "country") return text.toUpperCase();
    return text;
  };
  Form.prototype.option = function (field, token) {
    var options = field.options || [];
    for (var i = 0; i < options.length; i++) if (options[i][0] === token) return options[i][1];
    return token;
  };
  Form.prototype.data = function () {
    var data = {}, fields = this.client.fields;
    for (var path in fields) {
      if (path.indexOf(".") >= 0) continue;
      var v = this.typed(fields[path], fields[path].key);
      if (v !== null) data[path] = v;
    }
    return data;
  };
  Form.prototype.update = function () {
    var outcome = applyRules(this.client, this.data(), this.client.context, Date.now());
    this.outcome = outcome;
    for (var path in this.wrappers) {
      var el = this.wrappers[path];
      var hide = isUnder(path, outcome.hidden);
      if (el.hidden !== hide) {
        el.hidden = hide;
        el.querySelectorAll("input, select, textarea").forEach(function (i) { i.disabled = hide; });
      }
      var field = this.client.fields[path];
      if (field) {
        var req = !hide && (field.required || Boolean(outcome.required[path]));
        if (el.dataset.flRequired !== String(req)) {
          el.dataset.flRequired = String(req);
          el.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (i) {
            if (req) i.setAttribute("aria-required", "true"); else i.removeAttribute("aria-required");
          });
        }
      }
    }
    var self = this;
    (this.client.computed || []).forEach(function (path) {
      var field = self.client.fields[path], value = outcome.computed[path];
      if (!field) return;
      var name = field.key + (field.type === "money" ? "/amount" : "");
      var input = self.inputs(name)[0];
      if (!input) return;
      var text = value === undefined ? "" : field.type === "money" ? value.amount : String(value);
      if (input.value !== text) input.value = text;
    });
  };

  // ---- live validation --------------------------------------------------------------------
  Form.prototype.message = function (key, limit) {
    var text = (this.client.messages || {})[key] || key;
    return text.replace("{limit}", limit);
  };
  Form.prototype.problem = function (field, value, required) {
    if (field.type === "consent" && required && value !== true) return this.message("consent");
    if (required && (value === null || isEmpty(value))) return this.message("required");
    if (value === null) return null;
    if (typeof value === "string") {
      if (field.type === "number") return this.message("number");
      if (field.minLength && value.length < field.minLength) return this.message("minLength", field.minLength);
      if (field.maxLength && value.length > field.maxLength) return this.message("maxLength", field.maxLength);
      if (field.type === "email" && !/^[^@\s<>"']+@[^@\s<>"']+\.[^@\s<>"'.]{2,}$/.test(value)) return this.message("email");
      if (field.type === "phone" && !(/^\+?[0-9 ()./-]{5,30}$/.test(value) && value.replace(/\D/g, "").length >= 5)) return this.message("phone");
      if (field.type === "date" && !toTemporal(value)) return this.message("date");
      if (field.pattern) {
        var re = pattern(field.pattern, false);
        if (re && !re.test(value)) return this.message("pattern");
      }
    }
    if (typeof value === "number") {
      if (field.integer && Math.floor(value) !== value) return this.message("integer");
      if (field.minimum !== undefined && value < field.minimum) return this.message("minimum", field.minimum);
      if (field.maximum !== undefined && value > field.maximum) return this.message("maximum", field.maximum);
    }
    if (field.type === "money" && isObject(value)) {
      var d = dec(value.amount);
      if (!d) return this.message("money");
      if (field.minimum !== undefined && decCmp(d, toDecimal(field.minimum)) < 0) return this.message("minimum", field.minimum);
      if (field.maximum !== undefined && decCmp(d, toDecimal(field.maximum)) > 0) return this.message("maximum", field.maximum);
    }
    if (isList(value)) {
      if (field.maxFiles && value.length > field.maxFiles) return this.message("file_count", field.maxFiles);
      if (field.maxSizeMb) {
        for (var i = 0; i < value.length; i++) {
          if (value[i].size > field.maxSizeMb * 1048576) return this.message("file_size", field.maxSizeMb);
        }
      }
      if (field.maxItems !== undefined && value.length > field.maxItems) return this.message("maxItems", field.maxItems);
      if (field.minItems !== undefined && value.length < field.minItems) return this.message("minItems", field.minItems);
    }
    return null;
  };
  Form.prototype.check = function (path) {
    var field = this.client.fields[path], el = this.wrappers[path];
    if (!field || !el || el.hidden || field.type === "address" || field.type === "line_items") return null;
    var required = field.required || Boolean(this.outcome && this.outcome.required[path]);
    var message = this.problem(field, this.typed(field, field.key), required);
    var suffix = field.type === "money" ? "-amount-error" : "-error";
    this.show(el, document.getElementById(this.inputId(field) + suffix), message);
    return message;
  };
  Form.prototype.inputId = function (field) {
    return this.root.getAttribute("data-fl-form") + "-" + field.key.replace(/\//g, "-");
  };
  Form.prototype.show = function (el, errorEl, message) {
    if (!errorEl) errorEl = el.querySelector(":scope > .fl-error");
    if (!errorEl) return;
    errorEl.textContent = message || "";
    errorEl.hidden = !message;
    el.classList.toggle("fl-has-error", Boolean(message));
    el.querySelectorAll(":scope > input, :scope > select, :scope > textarea, :scope > fieldset, :scope > .fl-money-input > input").forEach(function (i) {
      if (message) {
        i.setAttribute("aria-invalid", "true");
        var ids = (i.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (ids.indexOf(errorEl.id) < 0) ids.push(errorEl.id);
        i.setAttribute("aria-describedby", ids.join(" "));
      } else {
        i.removeAttribute("aria-invalid");
      }
    });
  };
  Form.prototype.checkAll = function () {
    var first = null;
    for (var path in this.wrappers) {
      if (path.indexOf(".") >= 0) continue;
      if (this.check(path) && !first) first = this.wrappers[path];
    }
    return first;
  };

  // ---- widgets: line items, uploads, barcode ----------------------------------------------
  Form.prototype.wireRows = function () {
    var self = this;
    this.root.querySelectorAll(".fl-items").forEach(function (box) {
      var rows = box.querySelector(".fl-rows"), template = box.querySelector("template.fl-row-template");
      var add = box.querySelector(":scope > .fl-add-row");
      var min = parseInt(box.getAttribute("data-fl-min-rows"), 10) || 0;
      var max = parseInt(box.getAttribute("data-fl-max-rows"), 10) || 200;
      var next = rows.children.length;
      function refresh() {
        var count = rows.children.length;
        add.hidden = count >= max;
        rows.querySelectorAll(".fl-remove-row").forEach(function (b) { b.hidden = count <= Math.max(min, 1); });
      }
      add.addEventListener("click", function () {
        var html = template.innerHTML.replace(/__row__/g, String(next)).replace(/__n__/g, String(rows.children.length + 1));
        next += 1;
        var holder = document.createElement("div");
        holder.innerHTML = html;
        rows.appendChild(holder.firstElementChild);
        self.byName = null;
        refresh();
        self.update();
      });
      rows.addEventListener("click", function (event) {
        var button = event.target.closest(".fl-remove-row");
        if (!button) return;
        button.closest(".fl-row").remove();
        self.byName = null;
        refresh();
        self.update();
      });
      refresh();
    });
  };
  Form.prototype.wireUploads = function () {
    this.root.querySelectorAll('.fl-file input[type=file], .fl-photo input[type=file]').forEach(function (input) {
      var box = input.parentElement.querySelector(".fl-previews");
      input.addEventListener("change", function () {
        box.textContent = "";
        Array.prototype.forEach.call(input.files || [], function (file) {
          var item = document.createElement("figure");
          if (/^image\/(jpeg|png|webp|gif)$/.test(file.type)) {
            var img = document.createElement("img");
            img.src = URL.createObjectURL(file);
            img.alt = file.name;
            img.onload = function () { URL.revokeObjectURL(img.src); };
            item.appendChild(img);
          }
          var caption = document.createElement("figcaption");
          caption.textContent = file.name + " (" + Math.ceil(file.size / 1024) + " KB)";
          item.appendChild(caption);
          box.appendChild(item);
        });
      });
    });
  };
  Form.prototype.wireBarcodes = function () {
    var form = this.form;
    this.root.querySelectorAll("input[data-fl-barcode]").forEach(function (input) {
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        event.preventDefault();
        if (form && input.value.trim()) {
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
        }
      });
    });
  };
  Form.prototype.start = function () {
    var self = this;
    this.update();
    // After a refused submit the server's error summary gets the focus, so screen
    // readers announce it and keyboard users can follow its links to the fields.
    var summary = this.root.querySelector(".fl-error-summary");
    if (summary) summary.focus();
    this.wireRows();
    this.wireUploads();
    this.wireBarcodes();
    var onChange = function (event) {
      var started = performance.now();
      self.update();
      var wrapper = event.target.closest && event.target.closest("[data-fl-path]");
      while (wrapper && wrapper.parentElement && wrapper.parentElement.closest("[data-fl-path]")) {
        wrapper = wrapper.parentElement.closest("[data-fl-path]");
      }
      if (wrapper && event.type !== "input") self.check(wrapper.getAttribute("data-fl-path"));
      self.root.dataset.flLastUpdateMs = (performance.now() - started).toFixed(2);
    };
    this.root.addEventListener("change", onChange);
    this.root.addEventListener("input", onChange);
    this.root.addEventListener("focusout", function (event) {
      var wrapper = event.target.closest && event.target.closest("[data-fl-path]");
      if (wrapper && wrapper.getAttribute("data-fl-path").indexOf(".") < 0) self.check(wrapper.getAttribute("data-fl-path"));
    });
    if (this.form) {
      this.form.addEventListener("submit", function (event) {
        self.update();
        var first = self.checkAll();
        if (first) {
          event.preventDefault();
          var target = first.querySelector("input:not([type=hidden]), select, textarea");
          if (target) target.focus();
        }
      });
    }
  };

  function init() {
    document.querySelectorAll("[data-fl-form]").forEach(function (root) {
      if (root.dataset.flReady) return;
      root.dataset.flReady = "1";
      var form = new Form(root);
      root.formloom = form;
      form.start();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
