// A simple rule editor: rows of "field operator value", all of which must hold.
// It writes the JSON conditions of runtime.rules ({"all": [{var, op, value}]}); a
// condition it cannot show as rows is left alone and edited in the JSON tab.
import { VariableList } from "./fields.jsx";
import { OPERATORS, UNARY } from "./palette.js";

export function conditionRows(condition) {
  if (!condition) return [];
  const items = condition.all ? condition.all : [condition];
  if (!items.every((c) => c && typeof c.var === "string" && typeof c.op === "string")) return null;
  return items.map((c) => ({ var: c.var, op: c.op, value: c.value }));
}

function parseValue(text) {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

function showValue(value) {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

// `fields` (optional): offered while typing the field (a datalist): a form's field names,
// or the flow's variables as {path, source}.
export default function RuleEditor({ condition, onChange, fields, listId = "fl-rule-fields" }) {
  const rows = conditionRows(condition);
  if (rows === null) {
    return <p className="fl-muted">This condition uses any/not groups; edit it in the JSON tab.</p>;
  }
  const write = (next) => {
    const clean = next.map((r) => (UNARY.has(r.op) ? { var: r.var, op: r.op } : { var: r.var, op: r.op, value: r.value }));
    onChange(clean.length === 0 ? undefined : clean.length === 1 ? clean[0] : { all: clean });
  };
  const update = (i, patch) => write(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="fl-rules">
      {rows.map((row, i) => (
        <div className="fl-rule" key={i}>
          <input aria-label="Field" list={fields ? listId : undefined} placeholder="field, e.g. order.country" value={row.var} onChange={(e) => update(i, { var: e.target.value })} />
          <select aria-label="Operator" value={row.op} onChange={(e) => update(i, { op: e.target.value })}>
            {OPERATORS.map((op) => <option key={op} value={op}>{op}</option>)}
          </select>
          {!UNARY.has(row.op) && (
            <input aria-label="Value" placeholder="value" value={showValue(row.value)} onChange={(e) => update(i, { value: parseValue(e.target.value) })} />
          )}
          <button type="button" className="fl-icon-btn" aria-label="Remove rule" onClick={() => write(rows.filter((_, j) => j !== i))}>×</button>
        </div>
      ))}
      {fields && <VariableList id={listId} variables={fields} />}
      <button type="button" className="fl-link" onClick={() => write([...rows, { var: "", op: "==", value: "" }])}>+ Add rule</button>
      {rows.length > 1 && <p className="fl-muted">All rules must hold.</p>}
    </div>
  );
}
