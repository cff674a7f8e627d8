/*
 * Formloom form enhancer, part 3 of 3: applies a form's rules live and validates as people
 * type. Loaded after forms-values.js and forms-rules.js (pages include all three, deferred,
 * in that order); a page that includes only this file (the builder's preview) gets the other
 * two loaded from the same folder first.
 *
 * The server renders every field and validates every submission on its own; this file
 * only makes the page nicer when JavaScript runs. It reads the rule JSON the server
 * put in <script type="application/json" class="fl-rules"> (never inline code: the CSP
 * forbids it) and applies it with window.FormloomRules (forms-rules.js).
 */
(function () {
  "use strict";
  if (typeof document === "undefined") return;
  var here = document.currentScript && document.currentScript.src;

  // Bound in start(), once forms-values.js and forms-rules.js have run.
  var NUMERIC, dec, toDecimal, decCmp, decRound, decString, isEmpty, isList, isObject;
  var toTemporal, applyRules, isUnder, pattern;

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

  function start() {
    var V = window.FormloomValues, R = window.FormloomRules;
    NUMERIC = V.NUMERIC; dec = V.dec; toDecimal = V.toDecimal; decCmp = V.decCmp;
    decRound = V.decRound; decString = V.decString; isEmpty = V.isEmpty; isList = V.isList;
    isObject = V.isObject; toTemporal = V.toTemporal;
    applyRules = R.applyAt; isUnder = R.isUnder; pattern = R.pattern;
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
    else init();
  }
  // The companions, in order, from this script's own folder when the page did not include them.
  function withCompanions(then) {
    var missing = [];
    if (!window.FormloomValues) missing.push("forms-values.js");
    if (!window.FormloomRules) missing.push("forms-rules.js");
    if (!missing.length) return then();
    if (!here) return undefined;
    var left = missing.length;
    missing.forEach(function (file) {
      var script = document.createElement("script");
      script.src = here.replace(/[^/?#]*([?#].*)?$/, file);
      script.async = false;  // run in the order added
      script.onload = function () { left -= 1; if (!left) then(); };
      document.head.appendChild(script);
    });
    return undefined;
  }
  withCompanions(start);
})();
