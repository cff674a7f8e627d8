// Inbox enhancements: keyboard shortcuts, bulk selection count, scan box focus.
// Everything works without this file (plain links, forms and buttons); it only speeds
// up the common path. No inline scripts: the page's CSP forbids them.
(function () {
  "use strict";

  function typing(event) {
    var el = event.target;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-inbox-list] tbody tr"));
  var current = -1;
  var pendingG = false;

  function highlight(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function updateCount() {
    var counter = document.querySelector("[data-inbox-selected]");
    if (!counter) return;
    var n = document.querySelectorAll("[data-inbox-list] tbody input[type=checkbox]:checked").length;
    counter.textContent = n + " selected";
  }

  var all = document.querySelector("[data-inbox-all]");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("[data-inbox-list] tbody input[type=checkbox]").forEach(function (box) {
        box.checked = all.checked;
      });
      updateCount();
    });
  }
  document.querySelectorAll("[data-inbox-list] tbody input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", updateCount);
  });
  updateCount();

  function focus(selector) {
    var el = document.querySelector(selector);
    if (el) { el.focus(); if (el.select) el.select(); return true; }
    return false;
  }

  var tabKeys = { i: "todo", m: "mine", p: "pool", o: "overdue", c: "completed", t: "team" };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      var tab = document.querySelector('[data-tab="' + (tabKeys[key] || "") + '"]');
      if (tab) { event.preventDefault(); window.location.href = tab.href; }
      return;
    }
    if (key === "g") { pendingG = true; return; }
    if (key === "j") { event.preventDefault(); highlight(current + 1); return; }
    if (key === "k") { event.preventDefault(); highlight(current - 1); return; }
    if ((key === "Enter" || key === "o") && current >= 0 && rows[current]) {
      event.preventDefault(); window.location.href = rows[current].dataset.href; return;
    }
    if (key === "x" && current >= 0 && rows[current]) {
      var box = rows[current].querySelector("input[type=checkbox]");
      if (box) { event.preventDefault(); box.checked = !box.checked; updateCount(); }
      return;
    }
    if (key === "/") { if (focus("[data-inbox-search]")) event.preventDefault(); return; }
    if (key === "s") { if (focus("[data-inbox-scan]")) event.preventDefault(); return; }
    if (key === "m") { if (focus("[data-inbox-comment]")) event.preventDefault(); return; }
    if (key === "u") {
      var back = document.querySelector('.inbox-back, main a[href$="/inbox/"]');
      if (back) { event.preventDefault(); window.location.href = back.href; }
      return;
    }
    if (key === "c") {
      var claim = document.querySelector("[data-inbox-claim]");
      if (claim) { event.preventDefault(); claim.click(); }
      return;
    }
    if (/^[1-9]$/.test(key)) {
      var button = document.querySelector('[data-inbox-answer] [data-outcome-index="' + key + '"]');
      if (button) {
        event.preventDefault();
        if (window.confirm("Answer this task: " + button.textContent.replace(/\s*\d\s*$/, "").trim() + "?")) {
          button.click();
        }
      }
    }
  });

  // A keyboard-wedge scanner types fast and ends with Enter: the box submits itself.
  // Opening the inbox with nothing else focused puts the cursor in the scan box, so
  // warehouse staff can scan parcels one after another.
  var scan = document.querySelector("[data-inbox-scan]");
  if (scan && !document.querySelector("[data-inbox-list]") && document.activeElement === document.body) {
    scan.focus();
  }
})();
