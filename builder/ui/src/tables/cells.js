// Decision-table cells as the grid edits them: {op, text} <-> the cell JSON of
// runtime/rules/tables.py ("-" or absent, a literal, a list, or {op, value}).
export const CELL_OPS = [
  ["any", "any"], ["=", "="], ["!=", "≠"], ["<", "<"], ["<=", "≤"], [">", ">"], [">=", "≥"],
  ["between", "between"], ["in", "one of"], ["not_in", "none of"], ["contains", "contains"],
  ["starts_with", "starts with"], ["before", "before"], ["after", "after"],
  ["is_null", "is empty"], ["is_not_null", "is set"],
];
const UNARY = new Set(["is_null", "is_not_null"]);
const LISTS = new Set(["in", "not_in", "between"]);
export const INPUT_TYPES = ["string", "number", "boolean", "date", "any"];
export const OUTPUT_TYPES = ["string", "number", "boolean", "date", "list", "any"];

export function typed(text, type) {
  const t = String(text).trim();
  if (type === "number" && t !== "" && !Number.isNaN(Number(t))) return Number(t);
  if (type === "boolean" && (t === "true" || t === "false")) return t === "true";
  if (type === "any" && t !== "") {
    try { return JSON.parse(t); } catch { return text; }
  }
  return text;
}

const show = (v) => (typeof v === "string" ? v : JSON.stringify(v));
const splitList = (text, type) => text.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => typed(s, type));

export function readCell(cell) {
  if (cell === undefined || cell === "-") return { op: "any", text: "" };
  if (Array.isArray(cell)) return { op: "in", text: cell.map(show).join(", ") };
  if (cell && typeof cell === "object") {
    if (typeof cell.op !== "string" || Object.keys(cell).some((k) => k !== "op" && k !== "value")) return { op: "complex", text: JSON.stringify(cell) };
    const v = cell.value;
    return { op: cell.op === "==" ? "=" : cell.op, text: v === undefined ? "" : Array.isArray(v) ? v.map(show).join(", ") : show(v) };
  }
  return { op: "=", text: show(cell) };
}

export function writeCell(op, text, type) {
  if (op === "any") return undefined;
  if (op === "=") return typed(text, type);
  if (op === "in") return splitList(text, type);
  if (UNARY.has(op)) return { op };
  return { op, value: LISTS.has(op) ? splitList(text, type) : typed(text, type) };
}

export function readOutput(value) {
  return value === undefined || value === null ? "" : show(value);
}

export function writeOutput(text, type) {
  const t = text.trim();
  if (t === "") return undefined;
  if (t.startsWith("{") || t.startsWith("[")) {
    try { return JSON.parse(t); } catch { /* a plain text value */ }
  }
  if (type === "list") return splitList(text, "any");
  return typed(text, type === "date" ? "string" : type);
}

// Where a compile error belongs: a cell, a column header, a row, or the table.
export function placeOf(pointer) {
  const p = pointer.replace(/^\/body/, "").split("/").slice(1);
  if (p[0] === "rules" && p.length >= 4 && (p[2] === "when" || p[2] === "then")) return `cell:${p[1]}:${p[2] === "when" ? "in" : "out"}:${p[3]}`;
  if (p[0] === "rules" && p.length >= 2) return `row:${p[1]}`;
  if ((p[0] === "inputs" || p[0] === "outputs") && p.length >= 2) return `col:${p[0]}:${p[1]}`;
  if (p[0] === "default" && p.length >= 2) return `cell:default:out:${p[1]}`;
  return "table";
}

// Test inputs are typed by their column and nested along dotted variable paths.
export function testVariables(inputs, values) {
  const vars = {};
  for (const column of inputs) {
    const raw = values[column.id];
    if (raw === undefined || raw === "") continue;
    const path = (column.var || column.id).split(".");
    let at = vars;
    for (const part of path.slice(0, -1)) at = at[part] = at[part] && typeof at[part] === "object" ? at[part] : {};
    at[path[path.length - 1]] = typed(raw, column.type || "any");
  }
  return vars;
}
