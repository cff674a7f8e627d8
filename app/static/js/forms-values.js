/*
 * Formloom form scripts, part 1 of 3: values. Loaded before forms-rules.js and forms.js
 * (static files in order, no inline code: the CSP forbids it).
 *
 * A faithful port of runtime/rules/values.py and safety.py: decimals as a BigInt
 * mantissa and a scale (0.1 + 0.2 is 0.3 as in Python), the null rule's MISSING, ISO
 * dates compared by calendar day, variable paths read through objects and lists only,
 * ISO-8601 durations. forms-rules.js builds the operators on these; forms.js uses a few
 * for live validation. Everything is published as window.FormloomValues.
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

  (typeof window !== "undefined" ? window : globalThis).FormloomValues = {
    MISSING: MISSING,
    NUMERIC: NUMERIC,
    dec: dec,
    toDecimal: toDecimal,
    decCmp: decCmp,
    decAdd: decAdd,
    decSub: decSub,
    decMul: decMul,
    decRound: decRound,
    decString: decString,
    isNumber: isNumber,
    numericText: numericText,
    isList: isList,
    isObject: isObject,
    toTemporal: toTemporal,
    orderTemporal: orderTemporal,
    order: order,
    fold: fold,
    equal: equal,
    isEmpty: isEmpty,
    segments: segments,
    readPath: readPath,
    subtractDuration: subtractDuration,
    utcDay: utcDay
  };
})();
