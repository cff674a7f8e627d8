/* Dashboards: draw each widget's Plotly figure; a click on a mark drills one level down.
   The figure JSON comes from the server in a data attribute (no inline script: CSP). */
(function () {
  "use strict";

  function drillTo(base, value) {
    if (value === undefined || value === null) { return; }
    var sep = base.indexOf("?") === -1 ? "?" : (/[?&]$/.test(base) ? "" : "&");
    window.location.assign(base + sep + "path=" + encodeURIComponent(String(value)));
  }

  function draw(node) {
    var figure;
    try { figure = JSON.parse(node.getAttribute("data-figure")); } catch (e) { return; }
    var layout = figure.layout || {};
    if (node.classList.contains("tall")) { layout.height = 420; }
    // No mode bar: its hover styling needs inline <style>, which our CSP refuses.
    var config = { displayModeBar: false, responsive: true };
    window.Plotly.newPlot(node, figure.data || [], layout, config).then(function () {
      var base = node.getAttribute("data-drill");
      if (!base) { return; }
      node.classList.add("drillable");
      node.on("plotly_click", function (event) {
        var point = event && event.points && event.points[0];
        if (!point) { return; }
        var value = point.customdata;
        if (Array.isArray(value)) { value = value[0]; }
        if (value === undefined) { value = point.label !== undefined ? point.label : point.x; }
        drillTo(base, value);
      });
    });
  }

  function start() {
    if (!window.Plotly) { return; }
    document.querySelectorAll(".figure[data-figure]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
