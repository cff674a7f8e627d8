// The properties panel of one field: texts per locale, required, limits, pattern,
// options with per-locale texts, widget. Each edit hands back a whole new body.
import {
  CHOICE_TYPES, LOCALES, TYPE_BY_NAME, compatibleWidgets, fieldType, normalise, optionValues,
  setOptionValues, setText, text,
} from "./model.js";

function Text({ label, value, onChange, lang, multiline }) {
  const Input = multiline ? "textarea" : "input";
  return (
    <label className="fl-field">
      <span>{label}</span>
      <Input lang={lang} value={value} rows={multiline ? 2 : undefined} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

// The browser checks the pattern as a regular expression before the server ever sees it.
function patternProblem(pattern) {
  if (!pattern) return "";
  try {
    new RegExp(pattern, "u");
    return "";
  } catch (err) {
    return `not a valid regular expression: ${err.message}`;
  }
}

function numberOrNull(value) {
  if (value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

// Which schema keywords "min"/"max" mean for this field's JSON type.
function limitKeys(schema) {
  if (schema.type === "number" || schema.type === "integer") return ["minimum", "maximum", "Minimum", "Maximum"];
  if (schema.type === "string") return ["minLength", "maxLength", "Min length", "Max length"];
  if (schema.type === "array") return ["minItems", "maxItems", "Min items", "Max items"];
  return null;
}

function Options({ body, name, onChange }) {
  const values = optionValues(body, name);
  const rename = (i, value) => {
    const old = values[i];
    let next = setOptionValues(body, name, values.map((v, j) => (j === i ? value : v)));
    for (const locale of LOCALES) {
      const t = text(next, locale, `${name}.option.${old}`);
      next = setText(setText(next, locale, `${name}.option.${old}`, ""), locale, `${name}.option.${value}`, t);
    }
    onChange(next);
  };
  const add = () => {
    let n = values.length + 1;
    while (values.includes(`option_${n}`)) n += 1;
    onChange(setOptionValues(body, name, [...values, `option_${n}`]));
  };
  return (
    <fieldset className="fl-group fm-options">
      <legend>Options</legend>
      {values.map((value, i) => (
        <div className="fm-option" key={i}>
          <input aria-label={`Option ${i + 1} value`} value={value} onChange={(e) => rename(i, e.target.value)} />
          {LOCALES.map((locale) => (
            <input
              key={locale}
              lang={locale}
              aria-label={`Option ${i + 1} text (${locale})`}
              placeholder={locale}
              value={text(body, locale, `${name}.option.${value}`)}
              onChange={(e) => onChange(setText(body, locale, `${name}.option.${value}`, e.target.value))}
            />
          ))}
          <button type="button" className="fl-icon-btn" aria-label={`Remove option ${i + 1}`} disabled={values.length < 2} onClick={() => onChange(setOptionValues(body, name, values.filter((_, j) => j !== i)))}>×</button>
        </div>
      ))}
      <button type="button" className="fl-link" onClick={add}>+ Add option</button>
    </fieldset>
  );
}

export default function FieldPanel({ body, name, onChange, errors }) {
  const type = fieldType(body, name);
  const schema = body.schema.properties[name] || {};
  const widget = body.ui.widgets?.[name] || {};
  const required = (body.schema.required || []).includes(name);
  const limits = limitKeys(schema);
  const editSchema = (patch) => {
    const b = normalise(body);
    const s = { ...b.schema.properties[name], ...patch };
    for (const k of Object.keys(patch)) if (patch[k] === null || patch[k] === "") delete s[k];
    b.schema.properties[name] = s;
    onChange(b);
  };
  const setWidget = (next) => {
    const b = normalise(body);
    b.ui.widgets = { ...(b.ui.widgets || {}), [name]: { ...widget, type: next } };
    if (CHOICE_TYPES.has(next) && !optionValues(b, name).length) b.schema.properties[name] = { ...TYPE_BY_NAME[next].schema };
    onChange(b);
  };
  const setRequired = (on) => {
    const b = normalise(body);
    const rest = (b.schema.required || []).filter((r) => r !== name);
    b.schema.required = on ? [...rest, name] : rest;
    onChange(b);
  };
  return (
    <div className="fl-inspector fm-panel" aria-label="Field properties">
      <h2>{TYPE_BY_NAME[type]?.label || type} <code>{name}</code></h2>
      {errors.map((e, i) => <p key={i} className="fl-issue fl-issue-error" role="alert"><strong>error</strong>{e.message} <code>{e.pointer}</code></p>)}
      <label className="fl-field">
        <span>Widget</span>
        <select aria-label="Widget" value={type} onChange={(e) => setWidget(e.target.value)}>
          {compatibleWidgets(type).map((t) => <option key={t} value={t}>{TYPE_BY_NAME[t].label}</option>)}
        </select>
      </label>
      {LOCALES.map((locale) => (
        <fieldset className="fl-group" key={locale} lang={locale}>
          <legend>{locale === "en" ? "English" : "简体中文 (zh-CN)"}</legend>
          <Text label={`Label (${locale})`} lang={locale} value={text(body, locale, `${name}.label`)} onChange={(v) => onChange(setText(body, locale, `${name}.label`, v))} />
          <Text label={`Help (${locale})`} lang={locale} multiline value={text(body, locale, `${name}.help`)} onChange={(v) => onChange(setText(body, locale, `${name}.help`, v))} />
          <Text label={`Placeholder (${locale})`} lang={locale} value={text(body, locale, `${name}.placeholder`)} onChange={(v) => onChange(setText(body, locale, `${name}.placeholder`, v))} />
        </fieldset>
      ))}
      <label className="fl-check"><input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} /> Required</label>
      {limits && (
        <div className="fm-limits">
          <label className="fl-field"><span>{limits[2]}</span><input inputMode="decimal" aria-label={limits[2]} value={schema[limits[0]] ?? ""} onChange={(e) => editSchema({ [limits[0]]: numberOrNull(e.target.value) })} /></label>
          <label className="fl-field"><span>{limits[3]}</span><input inputMode="decimal" aria-label={limits[3]} value={schema[limits[1]] ?? ""} onChange={(e) => editSchema({ [limits[1]]: numberOrNull(e.target.value) })} /></label>
        </div>
      )}
      {schema.type === "string" && !CHOICE_TYPES.has(type) && (
        <label className="fl-field">
          <span>Pattern (regular expression)</span>
          <input aria-label="Pattern" value={schema.pattern || ""} placeholder="e.g. ^SO-[A-Z]{2}-\d+$" onChange={(e) => editSchema({ pattern: e.target.value })} />
          {patternProblem(schema.pattern) && <small className="tb-error" role="alert">{patternProblem(schema.pattern)}</small>}
        </label>
      )}
      {CHOICE_TYPES.has(type) && <Options body={body} name={name} onChange={onChange} />}
    </div>
  );
}
