// The form's rules: "when <condition> then show / hide / require / set <fields>".
// Conditions are written by the flow designer's RuleEditor (the same JSON conditions the
// runtime evaluates); `set` writes a compute rule with a literal value.
import RuleEditor from "../RuleEditor.jsx";
import { normalise } from "./model.js";

const EFFECTS = [
  ["show", "show (hidden until the condition holds)"],
  ["hide", "hide"],
  ["require", "require"],
  ["compute", "set to a value"],
];

function parseLiteral(value) {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function RuleCard({ rule, index, fields, errors, onChange, onRemove }) {
  const effect = rule.effect;
  const targets = effect === "compute" ? [rule.field] : rule.fields || [];
  const setEffect = (next) => {
    const { fields: fs, field, value, ...rest } = rule;
    const first = (fs || [field])[0] || fields[0];
    onChange(next === "compute" ? { ...rest, effect: next, field: first, value: value ?? "" } : { ...rest, effect: next, fields: fs || [first] });
  };
  const toggle = (name, on) => onChange({ ...rule, fields: on ? [...targets, name] : targets.filter((t) => t !== name) });
  return (
    <li className={`fm-rule${errors.length ? " fm-has-error" : ""}`} data-rule={index}>
      <div className="fm-rule-head">
        <strong>Rule {index + 1}</strong>
        <button type="button" className="fl-icon-btn" aria-label={`Remove rule ${index + 1}`} onClick={onRemove}>×</button>
      </div>
      <fieldset className="fl-group">
        <legend>When</legend>
        {rule.when === true ? (
          <p className="fl-muted">Always. <button type="button" className="fl-link" onClick={() => onChange({ ...rule, when: { var: fields[0] || "", op: "==", value: "" } })}>Add a condition</button></p>
        ) : (
          <RuleEditor condition={rule.when} fields={fields} listId={`fm-rule-${index}-fields`} onChange={(when) => onChange({ ...rule, when: when ?? true })} />
        )}
      </fieldset>
      <label className="fl-field">
        <span>Then</span>
        <select aria-label="Effect" value={effect} onChange={(e) => setEffect(e.target.value)}>
          {EFFECTS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
        </select>
      </label>
      {effect === "compute" ? (
        <div className="fm-compute">
          <select aria-label="Field to set" value={rule.field} onChange={(e) => onChange({ ...rule, field: e.target.value })}>
            {fields.map((f) => <option key={f} value={f}>{f}</option>)}
          </select>
          <input aria-label="Value to set" value={typeof rule.value === "string" ? rule.value : JSON.stringify(rule.value)} onChange={(e) => onChange({ ...rule, value: parseLiteral(e.target.value) })} />
        </div>
      ) : (
        <div className="fm-targets" role="group" aria-label="Fields">
          {fields.map((f) => (
            <label key={f} className="fl-check"><input type="checkbox" aria-label={`Target ${f}`} checked={targets.includes(f)} onChange={(e) => toggle(f, e.target.checked)} /> {f}</label>
          ))}
        </div>
      )}
      {errors.map((e, i) => <p key={i} className="fl-issue fl-issue-error"><strong>error</strong>{e.message} <code>{e.pointer}</code></p>)}
    </li>
  );
}

export default function FormRules({ body, fields, errorsByRule, onChange }) {
  const rules = body.rules || [];
  const write = (next) => {
    const b = normalise(body);
    if (next.length) b.rules = next;
    else delete b.rules;
    onChange(b);
  };
  return (
    <div className="fm-rules" aria-label="Rules">
      <p className="fl-muted">Rules run in the browser as people type and again on the server when they submit.</p>
      <ol className="fm-rule-list">
        {rules.map((rule, i) => (
          <RuleCard
            key={i}
            rule={rule}
            index={i}
            fields={fields}
            errors={errorsByRule[i] || []}
            onChange={(r) => write(rules.map((x, j) => (j === i ? r : x)))}
            onRemove={() => write(rules.filter((_, j) => j !== i))}
          />
        ))}
      </ol>
      <button type="button" className="fl-primary fm-add-rule" disabled={!fields.length} onClick={() => write([...rules, { when: { var: fields[0], op: "==", value: "" }, effect: "show", fields: fields.slice(-1) }])}>
        + Add rule
      </button>
    </div>
  );
}
