// The dashboard designer: a grid of widgets with live previews (drag to reorder, drag
// the edge to resize), a side panel for the selected widget or the board, a JSON tab,
// undo / redo, and save / publish with the revision it opened (409 naming who).
// Every change is checked by the server (POST /builder/dashboards/check); errors carry
// JSON pointers and sit on their widget and control; Publish waits until there are none.
import { useCallback, useEffect, useMemo, useState } from "react";
import { useHistory } from "../history.js";
import { Message, StatusLine, useDraft } from "../shared/useDraft.jsx";
import BoardGrid from "./BoardGrid.jsx";
import BoardPanel from "./BoardPanel.jsx";
import WidgetPanel from "./WidgetPanel.jsx";
import { clone, moveWidget, newWidget, reasonOf } from "./model.js";

const strip = (details) => details.map((d) => ({ pointer: d.pointer.replace(/^\/body/, ""), reason: reasonOf(d) }));

export default function DashboardDesigner({ api, config, initial }) {
  const history = useHistory(initial.doc);
  const { doc } = history;
  const body = doc.body;
  const context = config.context;
  const [tab, setTab] = useState("board");
  const [side, setSide] = useState("widget");
  const [selected, setSelected] = useState(body.widgets[0]?.id || null);
  const [issues, setIssues] = useState([]);
  const [previewErrors, setPreviewErrors] = useState({});
  const [jsonText, setJsonText] = useState("");
  const [jsonError, setJsonError] = useState("");
  const onSaved = useCallback((details) => { if (details.length) setIssues(strip(details)); }, []);
  const draft = useDraft({ api, base: `${config.api}/builder/dashboards/${config.key}`, initial, onSaved });
  const dirty = useMemo(() => JSON.stringify(doc), [doc]) !== draft.saved;
  const setBody = useCallback((next) => history.commit({ ...doc, body: next }), [doc, history]);
  const onPreviewErrors = useCallback((id, details) => setPreviewErrors((all) => ({ ...all, [id]: strip(details) })), []);

  useEffect(() => {
    const timer = setTimeout(async () => {
      try {
        const answer = await api.post(`${config.api}/builder/dashboards/check`, { body });
        setIssues(answer.errors.map((e) => ({ pointer: e.pointer, reason: e.reason })));
      } catch (err) {
        setIssues([{ pointer: "", reason: `could not check the board: ${err.message}` }]);
      }
    }, 350);
    return () => clearTimeout(timer);
  }, [api, config.api, body]);

  const edit = {
    widget: (i, patch) => {
      const widgets = clone(body.widgets);
      widgets[i] = Object.fromEntries(Object.entries({ ...widgets[i], ...patch }).filter(([, v]) => v !== undefined));
      setBody({ ...body, widgets });
    },
    removeWidget: (i) => {
      const widgets = body.widgets.filter((_, k) => k !== i);
      setBody({ ...body, widgets });
      setSelected(widgets[Math.max(0, i - 1)]?.id || null);
    },
  };
  const addWidget = () => {
    const widget = newWidget(body, context);
    setBody({ ...body, widgets: [...body.widgets, widget] });
    setSelected(widget.id);
    setSide("widget");
  };
  const move = (from, to) => setBody({ ...body, widgets: moveWidget(body.widgets, from, to) });
  const setWidth = (i, width) => edit.widget(i, { width });
  const select = (id) => { setSelected(id); setSide("widget"); };

  const index = body.widgets.findIndex((w) => w.id === selected);
  const boardIssues = issues.filter((e) => !e.pointer.startsWith("/widgets/"));
  // Errors only the preview found (the check already lists the rest), for widgets still there.
  const runErrors = body.widgets.flatMap((w) => (previewErrors[w.id] || []).filter((e) => !issues.some((o) => o.pointer === e.pointer && o.reason === e.reason)));
  const count = issues.length + runErrors.length;
  const openJson = () => { setJsonText(JSON.stringify(body, null, 2)); setJsonError(""); setTab("json"); };
  const applyJson = () => {
    try {
      const parsed = JSON.parse(jsonText);
      if (!parsed || !Array.isArray(parsed.widgets)) throw new Error("a board needs a list of widgets");
      setBody(parsed);
      setTab("board");
    } catch (err) {
      setJsonError(err.message);
    }
  };
  useEffect(() => {
    const onKey = (e) => {
      if (!(e.ctrlKey || e.metaKey) || ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName)) return;
      if (e.key.toLowerCase() === "z" && !e.shiftKey) { e.preventDefault(); history.undo(); }
      if (e.key.toLowerCase() === "y" || (e.key.toLowerCase() === "z" && e.shiftKey)) { e.preventDefault(); history.redo(); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [history]);

  return (
    <div className="fl-designer db-designer">
      <div className="fl-toolbar" role="toolbar" aria-label="Dashboard">
        <a href={config.back} className="fl-back">← Definitions</a>
        <input className="fl-title" aria-label="Title" value={doc.title} onChange={(e) => history.commit({ ...doc, title: e.target.value })} />
        <code className="fl-key">{config.key}</code>
        <StatusLine meta={draft.meta} dirty={dirty} />
        {draft.meta.status === "published" && !dirty && config.view && <a className="fl-back" href={config.view}>Open the board ↗</a>}
        <span className="fl-spacer" />
        <button type="button" onClick={addWidget}>+ Widget</button>
        <button type="button" onClick={history.undo} disabled={!history.canUndo}>Undo</button>
        <button type="button" onClick={history.redo} disabled={!history.canRedo}>Redo</button>
        <button type="button" onClick={() => draft.save(doc)} disabled={draft.busy || !dirty}>Save draft</button>
        <button type="button" className="fl-primary" onClick={() => draft.publish(doc, dirty)} disabled={draft.busy || count > 0 || (!dirty && draft.meta.status !== "draft")}
          title={count ? "Fix the errors first" : "Freeze this board as a new version"}>Publish</button>
      </div>
      <Message message={draft.message} onReload={() => window.location.reload()} />
      <div className="db-body">
        <div className="fl-main">
          <div className="fl-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === "board"} onClick={() => setTab("board")}>Board</button>
            <button type="button" role="tab" aria-selected={tab === "json"} onClick={openJson}>JSON</button>
          </div>
          {tab === "board" ? (
            <BoardGrid doc={doc} api={api} config={config} issues={issues} previewErrors={previewErrors} onPreviewErrors={onPreviewErrors}
              selected={selected} select={select} move={move} setWidth={setWidth} addWidget={addWidget} />
          ) : (
            <div className="fl-json">
              <textarea aria-label="Board JSON" value={jsonText} onChange={(e) => setJsonText(e.target.value)} spellCheck={false} />
              {jsonError && <p className="fl-issue fl-issue-error" role="alert">{jsonError}</p>}
              <div className="fl-json-actions"><button type="button" className="fl-primary" onClick={applyJson}>Apply JSON</button><button type="button" onClick={() => setTab("board")}>Cancel</button></div>
            </div>
          )}
        </div>
        <aside className="fl-side">
          <div className="fl-tabs db-side-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={side === "widget"} onClick={() => setSide("widget")}>Widget</button>
            <button type="button" role="tab" aria-selected={side === "board"} onClick={() => setSide("board")}>Board settings{boardIssues.length ? ` (${boardIssues.length})` : ""}</button>
          </div>
          {side === "widget" && (index >= 0
            ? <WidgetPanel key={selected} widget={body.widgets[index]} index={index} context={context} issues={issues} edit={edit} />
            : <p className="fl-hint fl-muted">Click a widget to edit it, or add one.</p>)}
          {side === "board" && <BoardPanel body={body} context={context} issues={issues} setBody={setBody} />}
          <div className="fl-lint">
            <h2>Check <span className="fl-count">{count ? `${count} error${count > 1 ? "s" : ""}` : ""}</span></h2>
            {count === 0 ? <p className="fl-ok">No errors: ready to publish.</p> : <p className="fl-muted">Publishing is blocked until the marked errors are fixed.</p>}
            {boardIssues.length > 0 && <ul className="fl-issues">{boardIssues.map((e, i) => <li key={i} className="fl-issue fl-issue-error"><strong>error</strong>{e.reason} <code>{e.pointer || "/"}</code></li>)}</ul>}
          </div>
        </aside>
      </div>
    </div>
  );
}
