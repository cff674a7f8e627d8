// The decision table as a grid: input columns (conditions), output columns (values),
// an annotation per row; rows and columns added, removed and moved in place. A cell
// with a compile error is outlined in red with the reason under it.
import { useState } from "react";
import { CELL_OPS, INPUT_TYPES, OUTPUT_TYPES, readCell, readOutput, writeCell, writeOutput } from "./cells.js";

function Errors({ list }) {
  return list?.length ? list.map((e, i) => <small key={i} className="tb-error" role="alert">{e.message}</small>) : null;
}

// Keeps what is typed while the input has focus ("a," or "3." would not survive a round
// trip through the cell JSON), and shows the stored value again on blur.
function DraftInput({ value, onCommit, ...rest }) {
  const [draft, setDraft] = useState(null);
  return <input {...rest} value={draft ?? value} onChange={(e) => { setDraft(e.target.value); onCommit(e.target.value); }} onBlur={() => setDraft(null)} />;
}

function ConditionCell({ cell, column, onChange, errors, label }) {
  const { op, text } = readCell(cell);
  if (op === "complex") return <code className="tb-complex" title="edit in the JSON tab">{text}</code>;
  return (
    <div className="tb-cell">
      <select aria-label={`${label} operator`} value={op} onChange={(e) => onChange(writeCell(e.target.value, text, column.type || "any"))}>
        {CELL_OPS.map(([value, name]) => <option key={value} value={value}>{name}</option>)}
      </select>
      {op !== "any" && op !== "is_null" && op !== "is_not_null" && (
        <DraftInput aria-label={`${label} value`} value={text} placeholder={op === "between" ? "low, high" : op === "in" || op === "not_in" ? "a, b, c" : "value"} onCommit={(v) => onChange(writeCell(op, v, column.type || "any"))} />
      )}
      <Errors list={errors} />
    </div>
  );
}

function ColumnHead({ column, index, count, group, types, errors, edit }) {
  const name = group === "inputs" ? "Input" : "Output";
  return (
    <th className={`tb-head tb-${group}${errors?.length ? " tb-has-error" : ""}`} scope="col">
      <input className="tb-col-label" aria-label={`${name} ${index + 1} label`} placeholder="label" value={column.label || ""} onChange={(e) => edit.column(group, index, { label: e.target.value || undefined })} />
      <div className="tb-col-meta">
        <input aria-label={`${name} ${index + 1} id`} value={column.id} onChange={(e) => edit.renameColumn(group, index, e.target.value)} />
        {group === "inputs" && <input aria-label={`${name} ${index + 1} variable`} placeholder="variable" value={column.var || ""} onChange={(e) => edit.column(group, index, { var: e.target.value || undefined })} />}
        <select aria-label={`${name} ${index + 1} type`} value={column.type || "any"} onChange={(e) => edit.column(group, index, { type: e.target.value })}>
          {types.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </div>
      <div className="tb-col-actions">
        <button type="button" className="fl-icon-btn" aria-label={`Move ${name.toLowerCase()} ${column.id} left`} disabled={index === 0} onClick={() => edit.moveColumn(group, index, -1)}>←</button>
        <button type="button" className="fl-icon-btn" aria-label={`Move ${name.toLowerCase()} ${column.id} right`} disabled={index === count - 1} onClick={() => edit.moveColumn(group, index, 1)}>→</button>
        <button type="button" className="fl-icon-btn" aria-label={`Remove ${name.toLowerCase()} ${column.id}`} disabled={count < 2} onClick={() => edit.removeColumn(group, index)}>×</button>
      </div>
      <Errors list={errors} />
    </th>
  );
}

export default function TableGrid({ body, errorsAt, matched, edit }) {
  const { inputs, outputs, rules } = body;
  const outputCell = (then, column, onChange, errors, label) => (
    <td key={column.id} className={errors?.length ? "tb-has-error" : ""}>
      <DraftInput className="tb-out" aria-label={label} value={readOutput(then?.[column.id])} onCommit={(v) => onChange(writeOutput(v, column.type || "any"))} />
      <Errors list={errors} />
    </td>
  );
  return (
    <div className="tb-scroll">
      <table className="tb-grid" aria-label="Decision table">
        <thead>
          <tr className="tb-groups">
            <th />
            <th colSpan={inputs.length} className="tb-inputs">When (inputs) <button type="button" className="fl-link" onClick={edit.addInput}>+ input</button></th>
            <th colSpan={outputs.length} className="tb-outputs">Then (outputs) <button type="button" className="fl-link" onClick={edit.addOutput}>+ output</button></th>
            <th>Annotation</th>
          </tr>
          <tr>
            <th scope="col" className="tb-rowid">Rule</th>
            {inputs.map((c, i) => <ColumnHead key={`in${i}`} column={c} index={i} count={inputs.length} group="inputs" types={INPUT_TYPES} errors={errorsAt[`col:inputs:${i}`]} edit={edit} />)}
            {outputs.map((c, i) => <ColumnHead key={`out${i}`} column={c} index={i} count={outputs.length} group="outputs" types={OUTPUT_TYPES} errors={errorsAt[`col:outputs:${i}`]} edit={edit} />)}
            <th scope="col" className="fl-muted">why this rule</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule, r) => (
            <tr key={r} data-rule={rule.id} className={`${matched.includes(rule.id) ? "tb-matched" : ""}${errorsAt[`row:${r}`] ? " tb-has-error" : ""}`}>
              <td className="tb-rowid">
                <input aria-label={`Rule ${r + 1} id`} value={rule.id} onChange={(e) => edit.rule(r, { id: e.target.value })} />
                <span className="tb-row-actions">
                  <button type="button" className="fl-icon-btn" aria-label={`Move rule ${rule.id} up`} disabled={r === 0} onClick={() => edit.moveRule(r, -1)}>↑</button>
                  <button type="button" className="fl-icon-btn" aria-label={`Move rule ${rule.id} down`} disabled={r === rules.length - 1} onClick={() => edit.moveRule(r, 1)}>↓</button>
                  <button type="button" className="fl-icon-btn" aria-label={`Remove rule ${rule.id}`} onClick={() => edit.removeRule(r)}>×</button>
                </span>
                <Errors list={errorsAt[`row:${r}`]} />
              </td>
              {inputs.map((c) => {
                const errors = errorsAt[`cell:${r}:in:${c.id}`];
                return (
                  <td key={c.id} className={errors?.length ? "tb-has-error" : ""}>
                    <ConditionCell cell={rule.when?.[c.id]} column={c} errors={errors} label={`Rule ${r + 1} ${c.id}`} onChange={(v) => edit.cell(r, "when", c.id, v)} />
                  </td>
                );
              })}
              {outputs.map((c) => outputCell(rule.then, c, (v) => edit.cell(r, "then", c.id, v), errorsAt[`cell:${r}:out:${c.id}`], `Rule ${r + 1} ${c.id} output`))}
              <td><input className="tb-note" aria-label={`Rule ${r + 1} annotation`} value={rule.annotation || ""} onChange={(e) => edit.rule(r, { annotation: e.target.value || undefined })} /></td>
            </tr>
          ))}
          <tr className="tb-default">
            <td className="tb-rowid"><label className="fl-check"><input type="checkbox" aria-label="Use default outputs" checked={!!body.default} onChange={(e) => edit.setDefault(e.target.checked)} /> otherwise</label></td>
            <td colSpan={inputs.length} className="fl-muted">{body.default ? "when no rule matches" : "no default: an unmatched case is an incident"}</td>
            {outputs.map((c) => (body.default
              ? outputCell(body.default, c, (v) => edit.defaultCell(c.id, v), errorsAt[`cell:default:out:${c.id}`], `Default ${c.id}`)
              : <td key={c.id} />))}
            <td />
          </tr>
        </tbody>
      </table>
      <button type="button" className="fl-primary tb-add-rule" onClick={edit.addRule}>+ Add rule</button>
    </div>
  );
}

