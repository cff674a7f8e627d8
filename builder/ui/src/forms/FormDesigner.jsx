// The form designer: palette, canvas of sections, rules, JSON tab, properties panel and
// a live preview. The body is the one source of truth (undo/redo over whole bodies);
// compile errors come from the server's form runtime with pointers, shown on the field.
import { useCallback, useEffect, useMemo, useState } from "react";
import { useHistory } from "../history.js";
import { Message, StatusLine, useDraft } from "../shared/useDraft.jsx";
import FieldPanel from "./FieldPanel.jsx";
import FormCanvas, { NEW_FIELD } from "./FormCanvas.jsx";
import FormPreview from "./FormPreview.jsx";
import FormRules from "./FormRules.jsx";
import {
  FIELD_TYPES, addField, addSection, moveField, normalise, ownerOf, removeField, setText,
} from "./model.js";

function Palette({ onAdd }) {
  return (
    <aside className="fl-palette" aria-label="Field types">
      <h2>Fields</h2>
      <p className="fl-muted">Drag onto a section, or click to add.</p>
      {FIELD_TYPES.map((t) => (
        <button key={t.type} type="button" className="fl-palette-item fm-palette-item" data-type={t.type} draggable
          onDragStart={(e) => { e.dataTransfer.setData(NEW_FIELD, t.type); e.dataTransfer.effectAllowed = "copy"; }}
          onClick={() => onAdd(t.type)}>
          <span className="fl-node-icon" aria-hidden="true">{t.icon}</span>
          <span><strong>{t.label}</strong></span>
        </button>
      ))}
    </aside>
  );
}

export default function FormDesigner({ api, config, initial }) {
  const history = useHistory(initial.doc);
  const { doc } = history;
  const body = doc.body;
  const [selected, setSelected] = useState(null);
  const [tab, setTab] = useState("design");
  const [issues, setIssues] = useState([]);
  const [jsonText, setJsonText] = useState("");
  const [jsonError, setJsonError] = useState("");
  const draft = useDraft({ api, base: `${config.api}/builder/forms/${config.key}`, initial,
    onSaved: useCallback((details) => { if (details.length) setIssues(details.map((d) => ({ ...d, pointer: d.pointer.replace(/^\/body/, "") }))); }, []) });
  const docJson = useMemo(() => JSON.stringify(doc), [doc]);
  const dirty = docJson !== draft.saved;
  const setBody = useCallback((next) => history.commit({ ...doc, body: next }), [doc, history]);
  const onErrors = useCallback((details) => setIssues(details.map((d) => ({ pointer: d.pointer, message: d.message || d.reason }))), []);

  const fields = useMemo(() => body.ui.sections.flatMap((s) => s.fields), [body]);
  const { errorsByField, errorsByRule, other } = useMemo(() => {
    const byField = {}, byRule = {}, rest = [];
    for (const issue of issues) {
      const owner = ownerOf(body, issue.pointer);
      if (owner.field) (byField[owner.field] ||= []).push(issue);
      else if (owner.rule !== undefined) (byRule[owner.rule] ||= []).push(issue);
      else rest.push(issue);
    }
    return { errorsByField: byField, errorsByRule: byRule, other: rest };
  }, [issues, body]);
  const ruledFields = useMemo(() => new Set((body.rules || []).flatMap((r) => r.fields || [r.field])), [body]);

  const actions = {
    select: setSelected,
    drop: ({ type, name, section, index }) => {
      if (type) {
        const added = addField(body, type, section, index);
        setBody(added.body);
        setSelected(added.name);
      } else if (name) setBody(moveField(body, name, section, index));
    },
    move: (name, section, index) => setBody(moveField(body, name, section, Math.max(0, index))),
    remove: (name) => { setBody(removeField(body, name)); if (selected === name) setSelected(null); },
    addSection: () => setBody(addSection(body)),
    removeSection: (i) => { const b = normalise(body); b.ui.sections.splice(i, 1); setBody(b); },
    sectionTitle: (i, title) => { const b = normalise(body); b.ui.sections[i].title = title; setBody(b); },
    sectionTitleZh: (id, title) => setBody(setText(body, "zh-CN", `section.${id}.title`, title)),
  };
  const addToLast = (type) => actions.drop({ type, section: body.ui.sections.length - 1 });

  useEffect(() => {
    const onKey = (e) => {
      if (!(e.ctrlKey || e.metaKey) || ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName)) return;
      if (e.key === "z") { e.preventDefault(); (e.shiftKey ? history.redo : history.undo)(); }
      if (e.key === "y") { e.preventDefault(); history.redo(); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [history]);

  const openJson = () => { setJsonText(JSON.stringify(body, null, 2)); setJsonError(""); setTab("json"); };
  const applyJson = () => {
    try {
      const parsed = JSON.parse(jsonText);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("the body must be a JSON object");
      setBody(normalise(parsed));
      setJsonError("");
      setTab("design");
    } catch (err) {
      setJsonError(err.message);
    }
  };
  const errorCount = issues.length;

  return (
    <div className="fl-designer fm-designer">
      <div className="fl-toolbar" role="toolbar" aria-label="Form">
        <a href={config.back} className="fl-back">← Definitions</a>
        <input className="fl-title" aria-label="Title" value={doc.title} onChange={(e) => history.commit({ ...doc, title: e.target.value })} />
        <code className="fl-key">{config.key}</code>
        <StatusLine meta={draft.meta} dirty={dirty} />
        <span className="fl-spacer" />
        <button type="button" onClick={history.undo} disabled={!history.canUndo}>Undo</button>
        <button type="button" onClick={history.redo} disabled={!history.canRedo}>Redo</button>
        {config.portalUrl && <a className="fm-fill" href={config.portalUrl} target="_blank" rel="noopener">Fill as customer ↗</a>}
        <button type="button" onClick={() => draft.save(doc)} disabled={draft.busy || !dirty}>Save draft</button>
        <button type="button" className="fl-primary" onClick={() => draft.publish(doc, dirty)} disabled={draft.busy || errorCount > 0 || (!dirty && draft.meta.status !== "draft")}
          title={errorCount ? "Fix the errors first" : "Freeze this form as a new version"}>Publish</button>
      </div>
      <Message message={draft.message} onReload={() => window.location.reload()} />
      <div className="fm-body">
        <Palette onAdd={addToLast} />
        <div className="fl-main">
          <div className="fl-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === "design"} onClick={() => setTab("design")}>Design</button>
            <button type="button" role="tab" aria-selected={tab === "rules"} onClick={() => setTab("rules")}>Rules ({(body.rules || []).length})</button>
            <button type="button" role="tab" aria-selected={tab === "json"} onClick={openJson}>JSON</button>
          </div>
          {tab === "design" && <FormCanvas body={body} selected={selected} errorsByField={errorsByField} ruledFields={ruledFields} actions={actions} />}
          {tab === "rules" && <FormRules body={body} fields={fields} errorsByRule={errorsByRule} onChange={setBody} />}
          {tab === "json" && (
            <div className="fl-json">
              <textarea aria-label="Form JSON" value={jsonText} onChange={(e) => setJsonText(e.target.value)} spellCheck={false} />
              {jsonError && <p className="fl-issue fl-issue-error" role="alert">{jsonError}</p>}
              <div className="fl-json-actions"><button type="button" className="fl-primary" onClick={applyJson}>Apply JSON</button><button type="button" onClick={() => setTab("design")}>Cancel</button></div>
            </div>
          )}
          {other.length > 0 && (
            <ul className="fl-issues fm-other-issues" aria-label="Form errors">
              {other.map((e, i) => <li key={i} className="fl-issue fl-issue-error"><strong>error</strong>{e.message} <code>{e.pointer}</code></li>)}
            </ul>
          )}
        </div>
        <FormPreview api={api} config={config} body={body} onErrors={onErrors} />
        <aside className="fl-side">
          {selected && body.schema.properties[selected] ? (
            <FieldPanel body={body} name={selected} errors={errorsByField[selected] || []} onChange={setBody} />
          ) : (
            <p className="fl-hint fl-muted">Select a field to edit its texts, validation and options.</p>
          )}
          <div className="fl-lint">
            <h2>Check <span className="fl-count">{errorCount ? `${errorCount} error${errorCount > 1 ? "s" : ""}` : ""}</span></h2>
            {errorCount === 0 ? <p className="fl-ok">No errors: ready to publish.</p> : <p className="fl-muted">Publishing is blocked until the marked errors are fixed.</p>}
          </div>
        </aside>
      </div>
    </div>
  );
}
