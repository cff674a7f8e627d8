// The selected widget's settings: title, dataset, chart, measures, dimensions (with
// date buckets), top-N and sort, a filter condition, the drill-down path and the rows
// shown at its end. Every control writes the widget JSON the report runtime reads;
// errors from the server's check sit under the control their pointer names.
import RuleEditor from "../RuleEditor.jsx";
import { FORMATS, NEEDS_FIELD, errorsUnder, fieldKind, fieldsOf, measureId, reasonOf } from "./model.js";

function Errors({ issues, at, exact }) {
  const list = exact ? issues.filter((e) => e.pointer === at) : errorsUnder(issues, at);
  return list.map((e, i) => <p key={i} className="fl-issue fl-issue-error db-field-error" role="alert">{reasonOf(e)}</p>);
}

function FieldSelect({ label, value, fields, onChange, allowNone }) {
  return (
    <select aria-label={label} value={value || ""} onChange={(e) => onChange(e.target.value || undefined)}>
      {(allowNone || !value) && <option value="">{allowNone ? "—" : "choose a field"}</option>}
      {value && !fields.some((f) => f.name === value) && <option value={value}>{value} (not in this dataset)</option>}
      {fields.map((f) => <option key={f.name} value={f.name}>{f.label} ({f.name})</option>)}
    </select>
  );
}

function Dimension({ dim, label, context, dataset, onChange, onRemove, issues, at }) {
  const isDate = fieldKind(context, dataset, dim.field) === "datetime";
  return (
    <div className="db-row">
      <FieldSelect label={`${label} field`} value={dim.field} fields={fieldsOf(context, dataset)} onChange={(field) => onChange({ field, bucket: undefined })} />
      {isDate && (
        <select aria-label={`${label} bucket`} value={dim.bucket || ""} onChange={(e) => onChange({ bucket: e.target.value || undefined })}>
          <option value="">each value</option>
          {context.buckets.map((b) => <option key={b} value={b}>by {b}</option>)}
        </select>
      )}
      <input aria-label={`${label} label`} placeholder="label" value={dim.label || ""} onChange={(e) => onChange({ label: e.target.value || undefined })} />
      <button type="button" className="fl-icon-btn" aria-label={`Remove ${label}`} onClick={onRemove}>×</button>
      <Errors issues={issues} at={at} />
    </div>
  );
}

export default function WidgetPanel({ widget, index, context, issues, edit }) {
  const at = `/widgets/${index}`;
  const set = (patch) => edit.widget(index, patch);
  const numbers = fieldsOf(context, widget.dataset, ["number"]);
  const names = fieldsOf(context, widget.dataset).map((f) => f.name);
  const dims = widget.dimensions || [];
  const levels = widget.drill?.levels || [];
  const columns = widget.drill?.rows?.columns || [];
  const setMeasure = (j, patch) => {
    const measures = widget.measures.map((m, k) => (k === j ? { ...m, ...patch } : m));
    const m = measures[j];
    if (!NEEDS_FIELD(m.agg)) delete m.field; else if (!m.field) m.field = numbers[0]?.name;
    if (m.agg !== "rate") delete m.where; else if (!m.where) m.where = { var: names[0] || "", op: "==", value: "" };
    if ("agg" in patch || "field" in patch) {
      const old = m.id;
      m.id = measureId(m, measures.filter((_, k) => k !== j).map((x) => x.id));
      const sort = widget.sort?.by === old ? { ...widget.sort, by: m.id } : widget.sort;
      set({ measures, sort });
    } else set({ measures });
  };
  const setDims = (next) => set({ dimensions: next.length ? next : undefined });
  const setDrill = (patch) => set({ drill: { ...(widget.drill || {}), ...patch } });
  return (
    <div className="db-panel" aria-label="Widget settings">
      <h2>Widget <code>{widget.id}</code></h2>
      <label className="fl-field"><span>Title</span><input aria-label="Widget title" value={widget.title} onChange={(e) => set({ title: e.target.value })} /></label>
      <Errors issues={issues} at={`${at}/title`} />
      <label className="fl-field"><span>Dataset</span>
        <select aria-label="Dataset" value={widget.dataset} onChange={(e) => set({ dataset: e.target.value })}>
          {!context.datasets.some((d) => d.name === widget.dataset) && <option value={widget.dataset}>{widget.dataset} (unknown)</option>}
          {context.datasets.map((d) => <option key={d.name} value={d.name}>{d.title === d.name ? d.name : `${d.title} (${d.name})`}</option>)}
        </select>
      </label>
      <Errors issues={issues} at={`${at}/dataset`} />
      <label className="fl-field"><span>Chart</span>
        <select aria-label="Chart" value={widget.chart} onChange={(e) => set({ chart: e.target.value })}>
          {context.charts.map((c) => <option key={c} value={c}>{c.replace("_", " ")}</option>)}
        </select>
      </label>
      <Errors issues={issues} at={`${at}/chart`} />

      <fieldset className="fl-group"><legend>Measures</legend>
        {widget.measures.map((m, j) => (
          <div className="db-row" key={j} data-measure={m.id}>
            <select aria-label={`Measure ${j + 1} aggregate`} value={m.agg} onChange={(e) => setMeasure(j, { agg: e.target.value })}>
              {context.aggregates.map((a) => <option key={a} value={a}>{a}</option>)}
            </select>
            {NEEDS_FIELD(m.agg) && <FieldSelect label={`Measure ${j + 1} field`} value={m.field} fields={numbers} onChange={(field) => setMeasure(j, { field })} />}
            <input aria-label={`Measure ${j + 1} label`} placeholder="label" value={m.label || ""} onChange={(e) => setMeasure(j, { label: e.target.value || undefined })} />
            <select aria-label={`Measure ${j + 1} format`} value={m.format || "number"} onChange={(e) => setMeasure(j, { format: e.target.value === "number" ? undefined : e.target.value })}>
              {FORMATS.map((f) => <option key={f} value={f}>{f}</option>)}
            </select>
            {widget.measures.length > 1 && <button type="button" className="fl-icon-btn" aria-label={`Remove measure ${j + 1}`} onClick={() => set({ measures: widget.measures.filter((_, k) => k !== j) })}>×</button>}
            {m.agg === "rate" && <div className="db-wide"><small className="fl-muted">share of rows where</small>
              <RuleEditor condition={m.where} fields={names} listId={`db-fields-m${j}`} onChange={(where) => setMeasure(j, { where: where || { var: names[0] || "", op: "==", value: "" } })} /></div>}
            <Errors issues={issues} at={`${at}/measures/${j}`} />
          </div>
        ))}
        <button type="button" className="fl-link" onClick={() => set({ measures: [...widget.measures, { id: measureId({ agg: "count" }, widget.measures.map((m) => m.id)), agg: "count" }] })}>+ Add measure</button>
      </fieldset>

      <fieldset className="fl-group"><legend>Dimensions</legend>
        {dims.map((d, j) => (
          <Dimension key={j} dim={d} label={`Dimension ${j + 1}`} context={context} dataset={widget.dataset} issues={issues} at={`${at}/dimensions/${j}`}
            onChange={(patch) => setDims(dims.map((x, k) => (k === j ? Object.fromEntries(Object.entries({ ...x, ...patch }).filter(([, v]) => v !== undefined)) : x)))}
            onRemove={() => setDims(dims.filter((_, k) => k !== j))} />
        ))}
        {dims.length < 3 && <button type="button" className="fl-link" onClick={() => setDims([...dims, { field: names.find((n) => !dims.some((d) => d.field === n)) || names[0] }])}>+ Add dimension</button>}
        <Errors issues={issues} at={`${at}/dimensions`} exact />
      </fieldset>

      <fieldset className="fl-group"><legend>Top N and order</legend>
        <div className="db-row">
          <input type="number" min="1" max="10000" aria-label="Top N" placeholder="all" value={widget.limit || ""} onChange={(e) => set({ limit: e.target.value ? Number(e.target.value) : undefined })} />
          <select aria-label="Sort by" value={widget.sort?.by || ""} onChange={(e) => set({ sort: e.target.value ? { by: e.target.value, desc: widget.sort?.desc ?? true } : undefined })}>
            <option value="">default order</option>
            {widget.measures.map((m) => <option key={m.id} value={m.id}>{m.label || m.id}</option>)}
            {dims.map((d) => <option key={d.field} value={d.field}>{d.label || d.field}</option>)}
          </select>
          {widget.sort && <label className="fl-check"><input type="checkbox" checked={widget.sort.desc !== false} onChange={(e) => set({ sort: { ...widget.sort, desc: e.target.checked } })} /> highest first</label>}
        </div>
        <Errors issues={issues} at={`${at}/sort`} /><Errors issues={issues} at={`${at}/limit`} />
      </fieldset>

      <fieldset className="fl-group"><legend>Only rows where</legend>
        <RuleEditor condition={widget.where} fields={names} listId="db-fields-where" onChange={(where) => set({ where })} />
        <Errors issues={issues} at={`${at}/where`} />
      </fieldset>

      <fieldset className="fl-group"><legend>Drill-down</legend>
        <label className="fl-check"><input type="checkbox" aria-label="Drill down on click" checked={!!widget.drill} onChange={(e) => set({ drill: e.target.checked ? { levels: [] } : undefined })} /> a click opens the next level</label>
        {widget.drill && <>
          {levels.map((d, j) => (
            <Dimension key={j} dim={d} label={`Level ${j + 2}`} context={context} dataset={widget.dataset} issues={issues} at={`${at}/drill/levels/${j}`}
              onChange={(patch) => setDrill({ levels: levels.map((x, k) => (k === j ? Object.fromEntries(Object.entries({ ...x, ...patch }).filter(([, v]) => v !== undefined)) : x)) })}
              onRemove={() => setDrill({ levels: levels.filter((_, k) => k !== j) })} />
          ))}
          <button type="button" className="fl-link" onClick={() => setDrill({ levels: [...levels, { field: names[0] }] })}>+ Add level</button>
          <p className="fl-muted">Then the cases, with these columns:</p>
          <div className="db-columns">
            {fieldsOf(context, widget.dataset).map((f) => (
              <label key={f.name} className="fl-check"><input type="checkbox" checked={columns.includes(f.name)}
                onChange={(e) => { const next = e.target.checked ? [...columns, f.name] : columns.filter((c) => c !== f.name); setDrill({ rows: next.length ? { ...(widget.drill.rows || {}), columns: next } : undefined }); }} /> {f.label}</label>
            ))}
          </div>
          <Errors issues={issues} at={`${at}/drill`} exact /><Errors issues={issues} at={`${at}/drill/rows`} />
        </>}
      </fieldset>

      <label className="fl-field"><span>Width (of 12 columns)</span>
        <input type="number" min="2" max="12" aria-label="Width" value={widget.width || (widget.chart === "table" ? 12 : 6)} onChange={(e) => set({ width: Math.max(2, Math.min(12, Number(e.target.value) || 6)) })} />
      </label>
      <button type="button" className="fl-danger" onClick={() => edit.removeWidget(index)}>Remove this widget</button>
    </div>
  );
}
