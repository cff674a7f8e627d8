// The side panel's small form controls, shared by Inspector.jsx and moreFields.jsx.
import { useEffect, useState } from "react";

export function Field({ label, children, hint }) {
  return (
    <label className="fl-field">
      <span>{label}</span>
      {children}
      {hint && <small className="fl-muted">{hint}</small>}
    </label>
  );
}

export function Text({ label, value, onChange, placeholder, hint, name, list }) {
  return (
    <Field label={label} hint={hint}>
      <input name={name} list={list} value={value ?? ""} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
    </Field>
  );
}

/** The variables the flow knows ({path, source} or plain names) as a <datalist>, so a
 *  text field offers them while typing and still accepts anything else. */
export function VariableList({ id, variables }) {
  return (
    <datalist id={id}>
      {(variables || []).map((v) => (typeof v === "string" ? { path: v } : v)).map((v) => (
        <option key={v.path} value={v.path} label={v.source ? `${v.path} · ${v.source}` : undefined} />
      ))}
    </datalist>
  );
}

/** A text field for a variable path, offering the flow's variables. */
export function VariableText({ variables, name, ...props }) {
  const id = `vars-${name}`;
  return (
    <>
      <Text {...props} name={name} list={id} />
      <VariableList id={id} variables={variables} />
    </>
  );
}

export function Choice({ label, value, options, onChange, name }) {
  return (
    <Field label={label}>
      <select name={name} value={value ?? ""} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => {
          const [v, text] = Array.isArray(o) ? o : [o, o];
          return <option key={v} value={v}>{text}</option>;
        })}
      </select>
    </Field>
  );
}

export function KeyChoice({ label, value, keys, onChange, name }) {
  const options = [["", "— choose —"], ...keys.map((k) => [k, k])];
  if (value && !keys.includes(value)) options.push([value, `${value} (not published)`]);
  return <Choice label={label} name={name} value={value} options={options} onChange={onChange} />;
}

/** Set or remove (undefined / "") a key of an object, returning a copy. */
export function put(obj, key, value) {
  const next = { ...(obj || {}) };
  if (value === undefined || value === "") delete next[key];
  else next[key] = value;
  return next;
}

export function list(text) {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

/** A comma-separated list typed as text. The text is kept here while typing (a trailing
 *  comma or space would otherwise vanish on the next render); `items` from outside
 *  (undo, the JSON tab) replace it when they differ from what the text means. */
export function ListText({ label, name, hint, items, toText = String, fromText = (s) => s, onChange, placeholder }) {
  const shown = (items || []).map(toText).join(", ");
  const [text, setText] = useState(shown);
  useEffect(() => {
    if (list(text).join(", ") !== shown) setText(shown);
  }, [shown]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <Text label={label} name={name} hint={hint} placeholder={placeholder} value={text}
      onChange={(v) => { setText(v); onChange(list(v).map(fromText)); }} />
  );
}
