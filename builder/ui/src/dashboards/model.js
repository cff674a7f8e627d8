// Pure helpers over a dashboard body (builder/schemas/dashboard.json): ids, the fields
// a dataset offers, new widgets, moving widgets on the grid, errors by JSON pointer.
export const clone = (v) => JSON.parse(JSON.stringify(v));
export const FORMATS = ["number", "percent", "money", "duration"];
export const FILTER_TYPES = ["date_range", "multiselect", "select", "text", "number_range"];
export const NEEDS_FIELD = (agg) => agg !== "count" && agg !== "rate";

export function freeId(taken, stem) {
  if (!taken.includes(stem)) return stem;
  let n = 2;
  while (taken.includes(`${stem}_${n}`)) n += 1;
  return `${stem}_${n}`;
}

export function slug(text) {
  const s = String(text || "").toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return /^[a-z]/.test(s) ? s.slice(0, 40) : `w_${s}`.slice(0, 40);
}

export function datasetOf(context, name) {
  return context.datasets.find((d) => d.name === name) || null;
}

// The fields a dataset offers, optionally of some kinds only (["number"] for sums).
export function fieldsOf(context, name, kinds) {
  const dataset = datasetOf(context, name);
  if (!dataset) return [];
  return kinds ? dataset.fields.filter((f) => kinds.includes(f.kind)) : dataset.fields;
}

export function fieldKind(context, datasetName, field) {
  return fieldsOf(context, datasetName).find((f) => f.name === field)?.kind || null;
}

export function measureId(measure, taken) {
  return freeId(taken, slug(measure.field ? `${measure.agg}_${measure.field.split(".").pop()}` : measure.agg));
}

export function newWidget(body, context) {
  const dataset = context.datasets[0]?.name || "tasks";
  const firstText = fieldsOf(context, dataset, ["string"])[0];
  const n = body.widgets.length + 1;
  const widget = {
    id: freeId(body.widgets.map((w) => w.id), `widget_${n}`),
    title: `Widget ${n}`,
    dataset,
    chart: firstText ? "bar" : "kpi",
    measures: [{ id: "count", agg: "count", label: "Cases" }],
    width: 6,
  };
  if (firstText) widget.dimensions = [{ field: firstText.name }];
  return widget;
}

// Move the widget at `from` to stand before the one at `to` (or last when `to` is the length).
export function moveWidget(widgets, from, to) {
  if (from === to || from + 1 === to) return widgets;
  const next = [...widgets];
  const [item] = next.splice(from, 1);
  next.splice(from < to ? to - 1 : to, 0, item);
  return next;
}

// Errors whose pointer is `prefix` or lies below it.
export function errorsUnder(issues, prefix) {
  return issues.filter((e) => e.pointer === prefix || e.pointer.startsWith(`${prefix}/`));
}

export function reasonOf(detail) {
  return detail.reason || detail.message || "";
}
