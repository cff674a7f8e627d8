// The decision-table editor: hit policy, grid, test panel, JSON tab, save / publish.
// Every edit replaces the whole body (undo/redo); errors come back from the server's
// compiler with pointers and are shown on their cell, column or row.
import { useCallback, useEffect, useMemo, useState } from "react";
import { useHistory } from "../history.js";
import { Message, StatusLine, useDraft } from "../shared/useDraft.jsx";
import { placeOf } from "./cells.js";
import TableGrid from "./TableGrid.jsx";
import TestPanel from "./TestPanel.jsx";

const clone = (v) => JSON.parse(JSON.stringify(v));
const POLICIES = [["first", "first: the first matching rule decides"], ["unique", "unique: at most one rule may match"], ["collect", "collect: every matching rule, in order"]];

function freeId(taken, stem) {
  let n = taken.length + 1;
  while (taken.includes(`${stem}${n}`)) n += 1;
  return `${stem}${n}`;
}

function swap(list, i, j) {
  const next = [...list];
  [next[i], next[j]] = [next[j], next[i]];
  return next;
}

export function makeEdits(body, setBody) {
  const change = (fn) => { const b = clone(body); fn(b); setBody(b); };
  return {
    column: (group, i, patch) => change((b) => { b[group][i] = { ...b[group][i], ...patch }; for (const k of Object.keys(patch)) if (patch[k] === undefined) delete b[group][i][k]; }),
    renameColumn: (group, i, id) => change((b) => {
      const old = b[group][i].id;
      b[group][i].id = id;
      const part = group === "inputs" ? "when" : "then";
      for (const rule of b.rules) if (rule[part] && old in rule[part]) { rule[part][id] = rule[part][old]; delete rule[part][old]; }
      if (group === "outputs" && b.default && old in b.default) { b.default[id] = b.default[old]; delete b.default[old]; }
    }),
    moveColumn: (group, i, d) => change((b) => { b[group] = swap(b[group], i, i + d); }),
    removeColumn: (group, i) => change((b) => {
      const [gone] = b[group].splice(i, 1);
      const part = group === "inputs" ? "when" : "then";
      for (const rule of b.rules) if (rule[part]) delete rule[part][gone.id];
      if (group === "outputs" && b.default) delete b.default[gone.id];
    }),
    addInput: () => change((b) => { const id = freeId(b.inputs.map((c) => c.id), "input"); b.inputs.push({ id, var: id, type: "string" }); }),
    addOutput: () => change((b) => { b.outputs.push({ id: freeId(b.outputs.map((c) => c.id), "output"), type: "string" }); }),
    addRule: () => change((b) => {
      const first = b.outputs[0].id;
      b.rules.push({ id: freeId(b.rules.map((r) => r.id), "r"), when: {}, then: { [first]: "" } });
    }),
    rule: (r, patch) => change((b) => { b.rules[r] = { ...b.rules[r], ...patch }; if (patch.annotation === undefined && "annotation" in patch) delete b.rules[r].annotation; }),
    moveRule: (r, d) => change((b) => { b.rules = swap(b.rules, r, r + d); }),
    removeRule: (r) => change((b) => { b.rules.splice(r, 1); }),
    cell: (r, part, id, value) => change((b) => {
      b.rules[r][part] = { ...(b.rules[r][part] || {}) };
      if (value === undefined) delete b.rules[r][part][id];
      else b.rules[r][part][id] = value;
    }),
    setDefault: (on) => change((b) => { if (on) b.default = { [b.outputs[0].id]: "" }; else delete b.default; }),
    defaultCell: (id, value) => change((b) => { b.default = { ...(b.default || {}) }; if (value === undefined) delete b.default[id]; else b.default[id] = value; }),
  };
}

export default function TableDesigner({ api, config, initial }) {
  const history = useHistory(initial.doc);
  const { doc } = history;
  const body = doc.body;
  const [tab, setTab] = useState("grid");
  const [issues, setIssues] = useState([]);
  const [matched, setMatched] = useState([]);
  const [jsonText, setJsonText] = useState("");
  const [jsonError, setJsonError] = useState("");
  const onErrors = useCallback((details) => setIssues(details.map((d) => ({ pointer: d.pointer.replace(/^\/body/, ""), message: d.message || d.reason }))), []);
  const draft = useDraft({ api, base: `${config.api}/builder/tables/${config.key}`, initial, onSaved: onErrors });
  const dirty = useMemo(() => JSON.stringify(doc), [doc]) !== draft.saved;
  const setBody = useCallback((next) => { history.commit({ ...doc, body: next }); setMatched([]); }, [doc, history]);
  const edit = makeEdits(body, setBody);

  // Check the table on every change (debounced), so errors sit on their cells before saving.
  useEffect(() => {
    const timer = setTimeout(async () => {
      try {
        await api.post(`${config.api}/builder/tables/test`, { body, inputs: {} });
        setIssues([]);
      } catch (err) {
        if (err.status === 422) onErrors(err.payload?.error?.details || []);
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [api, config.api, body, onErrors]);

  const errorsAt = useMemo(() => {
    const at = {};
    for (const issue of issues) (at[placeOf(issue.pointer)] ||= []).push(issue);
    return at;
  }, [issues]);
  const tableErrors = [...(errorsAt.table || [])];
  const openJson = () => { setJsonText(JSON.stringify(body, null, 2)); setJsonError(""); setTab("json"); };
  const applyJson = () => {
    try {
      const parsed = JSON.parse(jsonText);
      if (!parsed || !Array.isArray(parsed.inputs) || !Array.isArray(parsed.outputs) || !Array.isArray(parsed.rules)) throw new Error("a table needs inputs, outputs and rules (lists)");
      setBody(parsed);
      setTab("grid");
    } catch (err) {
      setJsonError(err.message);
    }
  };

  return (
    <div className="fl-designer tb-designer">
      <div className="fl-toolbar" role="toolbar" aria-label="Decision table">
        <a href={config.back} className="fl-back">← Definitions</a>
        <input className="fl-title" aria-label="Title" value={doc.title} onChange={(e) => history.commit({ ...doc, title: e.target.value })} />
        <code className="fl-key">{config.key}</code>
        <StatusLine meta={draft.meta} dirty={dirty} />
        <span className="fl-spacer" />
        <button type="button" onClick={history.undo} disabled={!history.canUndo}>Undo</button>
        <button type="button" onClick={history.redo} disabled={!history.canRedo}>Redo</button>
        <button type="button" onClick={() => draft.save(doc)} disabled={draft.busy || !dirty}>Save draft</button>
        <button type="button" className="fl-primary" onClick={() => draft.publish(doc, dirty)} disabled={draft.busy || issues.length > 0 || (!dirty && draft.meta.status !== "draft")}
          title={issues.length ? "Fix the errors first" : "Freeze this table as a new version"}>Publish</button>
      </div>
      <Message message={draft.message} onReload={() => window.location.reload()} />
      <div className="tb-body">
        <div className="fl-main">
          <div className="fl-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === "grid"} onClick={() => setTab("grid")}>Table</button>
            <button type="button" role="tab" aria-selected={tab === "json"} onClick={openJson}>JSON</button>
            <label className="tb-policy">Hit policy{" "}
              <select aria-label="Hit policy" value={body.hit_policy} onChange={(e) => setBody({ ...clone(body), hit_policy: e.target.value })}>
                {POLICIES.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
              </select>
            </label>
          </div>
          {tableErrors.length > 0 && <ul className="fl-issues tb-table-errors">{tableErrors.map((e, i) => <li key={i} className="fl-issue fl-issue-error"><strong>error</strong>{e.message} <code>{e.pointer}</code></li>)}</ul>}
          {tab === "grid" ? <TableGrid body={body} errorsAt={errorsAt} matched={matched} edit={edit} /> : (
            <div className="fl-json">
              <textarea aria-label="Table JSON" value={jsonText} onChange={(e) => setJsonText(e.target.value)} spellCheck={false} />
              {jsonError && <p className="fl-issue fl-issue-error" role="alert">{jsonError}</p>}
              <div className="fl-json-actions"><button type="button" className="fl-primary" onClick={applyJson}>Apply JSON</button><button type="button" onClick={() => setTab("grid")}>Cancel</button></div>
            </div>
          )}
        </div>
        <aside className="fl-side">
          <TestPanel api={api} config={config} body={body} onResult={setMatched} onErrors={onErrors} />
          <div className="fl-lint">
            <h2>Check <span className="fl-count">{issues.length ? `${issues.length} error${issues.length > 1 ? "s" : ""}` : ""}</span></h2>
            {issues.length === 0 ? <p className="fl-ok">No errors: ready to publish.</p> : <p className="fl-muted">Publishing is blocked until the marked errors are fixed.</p>}
          </div>
        </aside>
      </div>
    </div>
  );
}
