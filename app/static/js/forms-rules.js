/*
 * Formloom form scripts, part 2 of 3: rules (after forms-values.js, before forms.js).
 *
 * Applies a form's rules with a faithful port of runtime/rules/conditions.py and
 * runtime/forms/rules.py (FormRules.apply): the same operators, the same null rule (a missing
 * or null variable makes every comparison false except is_null, is_empty and != against a
 * present value), numbers compared as decimals (not binary floats), ISO dates compared by
 * calendar day. Published as window.FormloomRules; tests/e2e/test_forms_parity.py runs the
 * same table of cases here and in Python.
 *
 * Known differences: ignore_case uses toLowerCase (Python: casefold), and \w \d \s in
 * `matches` patterns are ASCII here but Unicode in Python.
 */
(function () {
  "use strict";

  var V = (typeof window !== "undefined" ? window : globalThis).FormloomValues;
  var MISSING = V.MISSING;
  var dec = V.dec;
  var toDecimal = V.toDecimal;
  var decCmp = V.decCmp;
  var decAdd = V.decAdd;
  var decSub = V.decSub;
  var decMul = V.decMul;
  var decRound = V.decRound;
  var decString = V.decString;
  var isNumber = V.isNumber;
  var numericText = V.numericText;
  var isList = V.isList;
  var isObject = V.isObject;
  var toTemporal = V.toTemporal;
  var orderTemporal = V.orderTemporal;
  var order = V.order;
  var fold = V.fold;
  var equal = V.equal;
  var isEmpty = V.isEmpty;
  var readPath = V.readPath;
  var subtractDuration = V.subtractDuration;
  var utcDay = V.utcDay;

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
    MISSING: MISSING,
    // for forms.js: the same functions the rules use, not copies
    applyAt: applyRules,
    isUnder: isUnder,
    pattern: pattern
  };
})();
