// Board-level settings: description, who may open the board (roles and teams), and the
// filters managers set above the widgets (each applies to every widget whose dataset
// has its field).
import { useState } from "react";
import { FILTER_TYPES, errorsUnder, freeId, reasonOf, slug } from "./model.js";

function Errors({ issues, at }) {
  return errorsUnder(issues, at).map((e, i) => <p key={i} className="fl-issue fl-issue-error db-field-error" role="alert">{reasonOf(e)}</p>);
}

// Fields of every dataset the board's widgets use, once each.
function boardFields(body, context) {
  const seen = new Map();
  for (const w of body.widgets) {
    const dataset = context.datasets.find((d) => d.name === w.dataset);
    for (const f of dataset?.fields || []) if (!seen.has(f.name)) seen.set(f.name, f);
  }
  return [...seen.values()];
}

// Options are typed as one comma-separated text and written to the body on leaving it,
// so a trailing comma while typing is not lost.
function OptionsInput({ label, options, onChange }) {
  const [text, setText] = useState((options || []).join(", "));
  const commit = () => { const next = text.split(",").map((o) => o.trim()).filter(Boolean); onChange(next.length ? next : undefined); };
  return <input aria-label={label} value={text} onChange={(e) => setText(e.target.value)} onBlur={commit} />;
}

function typeFor(kind) {
  return kind === "datetime" ? "date_range" : kind === "number" ? "number_range" : "multiselect";
}

export default function BoardPanel({ body, context, issues, setBody }) {
  const filters = body.filters || [];
  const roles = body.roles || [];
  const fields = boardFields(body, context);
  const setFilters = (next) => setBody({ ...body, filters: next.length ? next : undefined });
  const setFilter = (i, patch) => setFilters(filters.map((f, k) => (k === i ? Object.fromEntries(Object.entries({ ...f, ...patch }).filter(([, v]) => v !== undefined)) : f)));
  const addFilter = () => {
    const field = fields.find((f) => !filters.some((x) => x.field === f.name)) || fields[0];
    if (!field) return;
    const type = typeFor(field.kind);
    const filter = { id: freeId(filters.map((f) => f.id), slug(field.name)), field: field.name, type, label: field.label };
    if (type === "date_range") filter.default = 90;
    setFilters([...filters, filter]);
  };
  // A new field brings its own id, label (unless one was typed) and filter type.
  const changeField = (i, name) => {
    const field = fields.find((x) => x.name === name);
    const type = typeFor(field?.kind);
    const old = fields.find((x) => x.name === filters[i].field);
    const label = !filters[i].label || filters[i].label === old?.label ? field?.label : filters[i].label;
    const id = freeId(filters.filter((_, k) => k !== i).map((f) => f.id), slug(name));
    setFilter(i, { id, field: name, type, label, default: type === "date_range" ? 90 : undefined, options: undefined });
  };
  return (
    <div className="db-panel" aria-label="Board settings">
      <h2>Board</h2>
      <label className="fl-field"><span>Description</span>
        <textarea aria-label="Board description" rows={2} value={body.description || ""} onChange={(e) => setBody({ ...body, description: e.target.value || undefined })} />
      </label>
      <fieldset className="fl-group"><legend>Who may open it (admins always can)</legend>
        <div className="db-columns">
          {context.roles.map((r) => (
            <label key={r} className="fl-check"><input type="checkbox" aria-label={`Role ${r}`} checked={roles.includes(r)}
              onChange={(e) => { const next = e.target.checked ? [...roles, r] : roles.filter((x) => x !== r); setBody({ ...body, roles: next.length ? next : undefined }); }} /> {r}</label>
          ))}
        </div>
        {roles.length === 0 && <p className="fl-muted">No role ticked: every manager may open it.</p>}
        <Errors issues={issues} at="/roles" />
      </fieldset>
      <fieldset className="fl-group"><legend>Filters</legend>
        {filters.map((f, i) => (
          <div className="db-filter" key={i} data-filter={f.id}>
            <div className="db-row">
              <input aria-label={`Filter ${i + 1} label`} placeholder="label" value={f.label || ""} onChange={(e) => setFilter(i, { label: e.target.value || undefined })} />
              <select aria-label={`Filter ${i + 1} field`} value={f.field} onChange={(e) => changeField(i, e.target.value)}>
                {!fields.some((x) => x.name === f.field) && <option value={f.field}>{f.field}</option>}
                {fields.map((x) => <option key={x.name} value={x.name}>{x.label} ({x.name})</option>)}
              </select>
              <select aria-label={`Filter ${i + 1} type`} value={f.type} onChange={(e) => setFilter(i, { type: e.target.value, default: e.target.value === "date_range" ? 90 : undefined })}>
                {FILTER_TYPES.map((t) => <option key={t} value={t}>{t.replace("_", " ")}</option>)}
              </select>
              <button type="button" className="fl-icon-btn" aria-label={`Remove filter ${i + 1}`} onClick={() => setFilters(filters.filter((_, k) => k !== i))}>×</button>
            </div>
            {f.type === "date_range" && <label className="fl-field"><span>Default: the last … days</span>
              <input type="number" min="1" aria-label={`Filter ${i + 1} default days`} value={f.default ?? ""} onChange={(e) => setFilter(i, { default: e.target.value ? Number(e.target.value) : undefined })} /></label>}
            {(f.type === "select" || f.type === "multiselect") && <label className="fl-field"><span>Options (comma-separated)</span>
              <OptionsInput key={f.field} label={`Filter ${i + 1} options`} options={f.options} onChange={(options) => setFilter(i, { options })} /></label>}
            <Errors issues={issues} at={`/filters/${i}`} />
          </div>
        ))}
        {fields.length > 0 && <button type="button" className="fl-link" onClick={addFilter}>+ Add filter</button>}
      </fieldset>
    </div>
  );
}
