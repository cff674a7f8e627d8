// The flow designer: palette, canvas, side panel, lint list, JSON tab, toolbar.
// The flow body is the one source of truth; every edit replaces it and pushes the old
// one on the undo stack. Lint runs (debounced) on every change through the server's
// linter, so the canvas shows exactly what publishing will refuse.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, applyNodeChanges, useReactFlow,
} from "@xyflow/react";
import FlowNode from "./FlowNode.jsx";
import { EdgeInspector, IssueList, NodeInspector } from "./Inspector.jsx";
import { KIND_BY_TYPE } from "./palette.js";
import Palette, { DRAG_TYPE } from "./PalettePanel.jsx";
import { useHistory } from "./history.js";
import { clone, newId, toCanvas, variableOptions, withEdgeIds } from "./convert.js";
import { autoLayout } from "./layout.js";
import { useClipboard } from "./useClipboard.js";
import TestRunPanel, { TestRunLegend } from "./testrun/TestRunPanel.jsx";
import { decorate } from "./testrun/decorate.js";
import { useTestRun } from "./testrun/useTestRun.js";

const NODE_TYPES = { flowNode: FlowNode };
const MINIMAP_COLORS = {
  start: "#1f7a4d", end: "#3d4453", user_task: "#2f5bd3", form: "#5b3fd6", decision: "#b0621b",
  parallel: "#6b7a8f", service: "#0f7d8c", wait: "#9a6200", notify: "#b03a84", subflow: "#4b6b2d",
};

function Canvas({ api, config, initial }) {
  const { context } = config;
  const history = useHistory(initial.doc);
  const { doc } = history;
  const flow = useReactFlow();
  const wrapper = useRef(null);
  const [selection, setSelection] = useState(null);
  const [issues, setIssues] = useState([]);
  const [linting, setLinting] = useState(false);
  const [nodes, setNodes] = useState([]);
  const [tab, setTab] = useState("canvas");
  const [jsonText, setJsonText] = useState("");
  const [jsonError, setJsonError] = useState("");
  const [saved, setSaved] = useState(initial.savedJson);
  const [meta, setMeta] = useState(initial.meta);
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);
  const [testing, setTesting] = useState(false);
  const testRun = useTestRun(api, config.api);
  const lintSeq = useRef(0);
  // The variables the server knows (form fields included); each lint answer refreshes them.
  const [served, setServed] = useState(context.variables || []);
  const revisionNow = useRef(initial.meta.revision);
  useEffect(() => { revisionNow.current = meta.revision; }, [meta.revision]);

  const docJson = useMemo(() => JSON.stringify(doc), [doc]);
  const variables = useMemo(() => variableOptions(served, doc.body), [served, doc.body]);
  const dirty = docJson !== saved;
  const errors = issues.filter((i) => i.severity === "error");
  const warnings = issues.length - errors.length;

  // Lint on every change, newest answer wins.
  useEffect(() => {
    const seq = ++lintSeq.current;
    setLinting(true);
    const timer = setTimeout(async () => {
      try {
        const answer = await api.post(`${config.api}/builder/lint`, { kind: "flow", body: doc.body });
        if (seq === lintSeq.current) {
          setIssues(answer.issues);
          if (answer.variables) setServed(answer.variables);
        }
      } catch (err) {
        if (seq === lintSeq.current) setMessage({ level: "error", text: `Lint failed: ${err.message}` });
      } finally {
        if (seq === lintSeq.current) setLinting(false);
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [api, config.api, doc.body]);

  const runAnswer = testing ? testRun.run.answer : null;
  const canvas = useMemo(() => decorate(toCanvas(doc.body, issues, selection), runAnswer), [doc.body, issues, selection, runAnswer]);
  // Several steps may be selected (Ctrl+click, Shift+drag a box): React Flow keeps those
  // flags in `nodes`; they survive a redraw (lint answers) unless the single selection
  // changed, and a pasted group arrives selected.
  const lastSelection = useRef(selection);
  const selectAfter = useRef(null);
  useEffect(() => {
    const keep = lastSelection.current === selection && !runAnswer;
    lastSelection.current = selection;
    const pasted = selectAfter.current;
    selectAfter.current = null;
    setNodes((previous) => {
      const old = Object.fromEntries(previous.map((n) => [n.id, n]));
      return canvas.nodes.map((n) => {
        const selected = pasted ? pasted.has(n.id) : keep && old[n.id] ? !!old[n.id].selected : n.selected;
        return { ...n, selected, ...(old[n.id]?.measured ? { measured: old[n.id].measured } : {}) };
      });
    });
  }, [canvas.nodes]); // eslint-disable-line react-hooks/exhaustive-deps
  const picked = nodes.filter((n) => n.selected).map((n) => n.id);

  const setBody = useCallback((body) => history.commit({ ...doc, body }), [doc, history]);

  const addNode = useCallback((type, position) => {
    const kind = KIND_BY_TYPE[type];
    const taken = new Set(doc.body.nodes.map((n) => n.id));
    const id = newId(type, taken);
    let at = position;
    if (!at) {
      const box = wrapper.current?.getBoundingClientRect();
      at = flow.screenToFlowPosition({ x: (box?.left ?? 0) + (box?.width ?? 600) / 2, y: (box?.top ?? 0) + (box?.height ?? 400) / 2 });
      // Added by click: move down until the spot is free, so it never hides a step.
      const busy = (p) => doc.body.nodes.some((n) => n.position && Math.abs(n.position.x - p.x) < 210 && Math.abs(n.position.y - p.y) < 90);
      for (let tries = 0; tries < 30 && busy(at); tries += 1) at = { x: at.x, y: at.y + 100 };
    }
    const config = clone(kind.config);
    if (type === "user_task" && context.roles.length) config.assignee = { role: context.roles[0], strategy: "pool" };
    const node = { id, type, name: kind.label, config, position: { x: Math.round(at.x / 20) * 20, y: Math.round(at.y / 20) * 20 } };
    setBody({ ...doc.body, nodes: [...doc.body.nodes, node] });
    setSelection({ kind: "node", id });
  }, [doc, flow, setBody, context]);

  const onDrop = useCallback((event) => {
    event.preventDefault();
    const type = event.dataTransfer.getData(DRAG_TYPE);
    if (!KIND_BY_TYPE[type]) return;
    addNode(type, flow.screenToFlowPosition({ x: event.clientX - 90, y: event.clientY - 30 }));
  }, [addNode, flow]);

  const removeNodes = useCallback((ids) => {
    const gone = new Set(ids);
    setBody({
      ...doc.body,
      nodes: doc.body.nodes.filter((n) => !gone.has(n.id)),
      edges: doc.body.edges.filter((e) => !gone.has(e.from) && !gone.has(e.to)),
    });
    setSelection(null);
  }, [doc, setBody]);

  const removeEdges = useCallback((ids) => {
    const gone = new Set(ids);
    setBody({ ...doc.body, edges: doc.body.edges.filter((e) => !gone.has(e.id)) });
    setSelection(null);
  }, [doc, setBody]);

  const onNodesChange = useCallback((changes) => {
    setNodes((current) => applyNodeChanges(changes.filter((c) => c.type !== "remove"), current));
    const moved = changes.filter((c) => c.type === "position" && c.dragging === false && c.position);
    const finished = changes.filter((c) => c.type === "position" && c.dragging === false);
    if (finished.length) {
      const byId = Object.fromEntries(nodes.map((n) => [n.id, n.position]));
      moved.forEach((c) => (byId[c.id] = c.position));
      const body = clone(doc.body);
      let changed = false;
      body.nodes.forEach((n) => {
        const p = byId[n.id];
        if (p && (Math.round(p.x) !== n.position?.x || Math.round(p.y) !== n.position?.y)) {
          n.position = { x: Math.round(p.x), y: Math.round(p.y) };
          changed = true;
        }
      });
      if (changed) setBody(body);
    }
    const removed = changes.filter((c) => c.type === "remove").map((c) => c.id);
    if (removed.length) removeNodes(removed);
  }, [doc, nodes, removeNodes, setBody]);

  const onEdgesChange = useCallback((changes) => {
    const removed = changes.filter((c) => c.type === "remove").map((c) => c.id);
    if (removed.length) removeEdges(removed);
  }, [removeEdges]);

  const onConnect = useCallback((connection) => {
    if (!connection.source || !connection.target || connection.source === connection.target) return;
    const taken = new Set(doc.body.edges.map((e) => e.id));
    const id = newId("e", taken);
    setBody({ ...doc.body, edges: [...doc.body.edges, { id, from: connection.source, to: connection.target }] });
    setSelection({ kind: "edge", id });
  }, [doc, setBody]);

  const selectedNode = selection?.kind === "node" ? doc.body.nodes.find((n) => n.id === selection.id) : null;
  const selectedEdgeIndex = selection?.kind === "edge" ? doc.body.edges.findIndex((e) => e.id === selection.id) : -1;
  const selectedEdge = selectedEdgeIndex >= 0 ? doc.body.edges[selectedEdgeIndex] : null;

  const replaceNode = (next) => setBody({ ...doc.body, nodes: doc.body.nodes.map((n) => (n.id === next.id ? next : n)) });
  // The flow's declared start variables (body.variables), edited on the start step.
  const declare = (declared) => {
    const { variables: _old, ...rest } = doc.body; // eslint-disable-line no-unused-vars
    setBody(Object.keys(declared).length ? { ...rest, variables: declared } : rest);
  };
  const replaceEdge = (next) => setBody({ ...doc.body, edges: doc.body.edges.map((e) => (e.id === next.id ? next : e)) });

  const pickIssue = (issue) => {
    if (issue.node) setSelection({ kind: "node", id: issue.node });
    else if (issue.edge !== null && doc.body.edges[issue.edge]) setSelection({ kind: "edge", id: doc.body.edges[issue.edge].id });
  };

  const onPasted = useCallback((ids) => {
    if (ids.length === 1) setSelection({ kind: "node", id: ids[0] });
    else selectAfter.current = new Set(ids);
  }, []);
  const { copy: copyIds, paste, hasClip } = useClipboard({ body: doc.body, setBody, onPasted, setMessage });
  const copyIdsNow = picked.length ? picked : selectedNode ? [selectedNode.id] : [];
  const copy = useCallback(() => copyIds(copyIdsNow), [copyIds, copyIdsNow]);

  // Keyboard: undo / redo / copy / paste (not while typing in a field: the browser's own are there).
  useEffect(() => {
    const onKey = (e) => {
      if (testing || !(e.ctrlKey || e.metaKey) || ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName)) return;
      const key = e.key.toLowerCase();
      if (key === "z" && !e.shiftKey) { e.preventDefault(); history.undo(); }
      if ((key === "z" && e.shiftKey) || key === "y") { e.preventDefault(); history.redo(); }
      if (key === "c" && copyIdsNow.length) { e.preventDefault(); copy(); }
      if (key === "v" && hasClip) { e.preventDefault(); paste(); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [history, copy, paste, copyIdsNow, hasClip, testing]);

  const toggleTestRun = () => {
    if (!testing) {
      setTab("canvas");
      setSelection(null);
      // A run of an earlier drawing would mark the wrong arrows: start afresh after edits.
      if (testRun.running && testRun.run.body !== doc.body) testRun.reset();
    }
    setTesting(!testing);
  };

  const openJson = () => { setJsonText(JSON.stringify(doc.body, null, 2)); setJsonError(""); setTab("json"); };
  const applyJson = () => {
    try {
      const parsed = JSON.parse(jsonText);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("the body must be a JSON object");
      setBody(withEdgeIds(parsed));
      setJsonError("");
      setTab("canvas");
    } catch (err) {
      setJsonError(err.message);
    }
  };

  const describeFailure = (err) => {
    const details = err.payload?.error?.details;
    if (Array.isArray(details) && details.length) {
      return `${err.message}: ${details.slice(0, 3).map((d) => `${d.pointer || "/"} ${d.reason}`).join("; ")}${details.length > 3 ? " …" : ""}`;
    }
    return err.message;
  };

  const save = async () => {
    setBusy(true);
    try {
      const row = await api.put(`${config.api}/builder/flows/${config.key}/draft`, { title: doc.title, body: doc.body, revision: meta.revision });
      setSaved(docJson);
      revisionNow.current = row.revision;
      setMeta({ version: row.version, status: row.status, revision: row.revision });
      setMessage({ level: "ok", text: row.status === "draft" ? `Draft v${row.version} saved.` : `Nothing changed since v${row.version}.` });
      return true;
    } catch (err) {
      setMessage({ level: "error", text: `Not saved. ${describeFailure(err)}`, reload: err.status === 409 });
      return false;
    } finally {
      setBusy(false);
    }
  };

  const publish = async () => {
    if (dirty && !(await save())) return;
    setBusy(true);
    try {
      const row = await api.post(`${config.api}/builder/flows/${config.key}/publish`, { revision: revisionNow.current });
      setMeta({ version: row.version, status: row.status, revision: row.revision });
      setMessage({ level: "ok", text: `Published v${row.version}. New cases start on it; running cases stay on their version.` });
    } catch (err) {
      setMessage({ level: "error", text: `Not published. ${describeFailure(err)}`, reload: err.status === 409 });
    } finally {
      setBusy(false);
    }
  };

  const layout = () => { setBody(autoLayout(doc.body)); setTimeout(() => flow.fitView({ padding: 0.2 }), 50); };
  const nothingToPublish = !dirty && meta.status !== "draft";
  const publishBlocked = errors.length > 0 || linting || nothingToPublish;

  return (
    <div className="fl-designer">
      <header className="fl-toolbar">
        {config.back && <a className="fl-back" href={config.back} title="All definitions">‹ Definitions</a>}
        <input className="fl-title" aria-label="Flow title" value={doc.title} onChange={(e) => history.commit({ ...doc, title: e.target.value })} />
        <code className="fl-key">{config.key}</code>
        <span className="fl-status" data-testid="status">
          {meta.status === "draft" ? `draft v${meta.version}` : meta.version ? `v${meta.version} ${meta.status}` : "new"}
          {dirty ? " · unsaved changes" : " · saved"}
        </span>
        <span className="fl-spacer" />
        <button type="button" onClick={history.undo} disabled={testing || !history.canUndo} title="Undo (Ctrl+Z)">Undo</button>
        <button type="button" onClick={history.redo} disabled={testing || !history.canRedo} title="Redo (Ctrl+Shift+Z)">Redo</button>
        <span className="fl-sep" aria-hidden="true" />
        <button type="button" onClick={copy} disabled={testing || !copyIdsNow.length} title="Copy the selected steps and the arrows between them (Ctrl+C)">Copy</button>
        <button type="button" onClick={paste} disabled={testing || !hasClip} title="Paste the copied steps (Ctrl+V)">Paste</button>
        <button type="button" onClick={layout} disabled={testing} title="Arrange the nodes left to right">Auto-layout</button>
        <span className="fl-sep" aria-hidden="true" />
        <button type="button" onClick={save} disabled={busy || !dirty}>Save draft</button>
        <button type="button" className="fl-primary" onClick={publish} disabled={busy || publishBlocked}
          title={errors.length ? "Fix the errors first" : nothingToPublish ? "Nothing changed since the last version" : "Publish a new version"}>Publish</button>
      </header>
      {message && (
        <div className={`fl-message fl-message-${message.level}`} role={message.level === "error" ? "alert" : "status"}>
          {message.text}
          {message.reload && <button type="button" className="fl-link fl-reload" onClick={() => window.location.reload()}>Reload</button>}
        </div>
      )}
      <div className="fl-body">
        {testing ? <TestRunLegend /> : <Palette onAdd={addNode} />}
        <section className="fl-main">
          <nav className="fl-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === "canvas"} onClick={() => setTab("canvas")}>Canvas</button>
            <button type="button" role="tab" aria-selected={tab === "json"} onClick={openJson} disabled={testing}>JSON</button>
            <span className="fl-spacer" />
            <button type="button" className={`fl-run-toggle${testing ? " is-on" : ""}`} aria-pressed={testing} onClick={toggleTestRun}
              title={testing ? "Leave the test run and edit again" : "Run this flow with test data, step by step"}>{testing ? "■ Stop test run" : "▶ Test run"}</button>
          </nav>
          <div className="fl-canvas" ref={wrapper} hidden={tab !== "canvas"} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }} onDrop={onDrop}>
            <ReactFlow
              nodes={nodes}
              edges={canvas.edges}
              nodeTypes={NODE_TYPES}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              onNodeClick={(e, n) => !testing && !(e.ctrlKey || e.metaKey || e.shiftKey) && setSelection({ kind: "node", id: n.id })}
              onEdgeClick={(_, e) => !testing && setSelection({ kind: "edge", id: e.id })}
              onPaneClick={() => setSelection(null)}
              nodesDraggable={!testing}
              nodesConnectable={!testing}
              elementsSelectable={!testing}
              snapToGrid
              snapGrid={[20, 20]}
              fitView
              fitViewOptions={{ padding: 0.3, maxZoom: 1 }}
              deleteKeyCode={testing ? null : ["Delete", "Backspace"]}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={20} />
              <MiniMap pannable zoomable nodeColor={(n) => MINIMAP_COLORS[n.data?.node?.type] || "#9aa5b8"} />
              <Controls />
            </ReactFlow>
          </div>
          {tab === "json" && (
            <div className="fl-json">
              <textarea aria-label="Flow JSON" spellCheck={false} value={jsonText} onChange={(e) => setJsonText(e.target.value)} />
              {jsonError && <p className="fl-message fl-message-error" role="alert">{jsonError}</p>}
              <div className="fl-json-actions">
                <button type="button" className="fl-primary" onClick={applyJson}>Apply JSON</button>
                <button type="button" onClick={() => setTab("canvas")}>Cancel</button>
              </div>
            </div>
          )}
        </section>
        <aside className="fl-side">
          {testing && <TestRunPanel testRun={testRun} body={doc.body} onClose={toggleTestRun} />}
          {!testing && picked.length > 1 && (
            <p className="fl-hint" data-testid="multi-selection">{picked.length} steps selected: <em>Copy</em> (Ctrl+C) takes them with the arrows between them; <em>Delete</em> removes them.</p>
          )}
          {!testing && selectedNode && picked.length < 2 && (
            <NodeInspector key={selectedNode.id} node={selectedNode} context={{ ...config.context, variables, declared: doc.body.variables, declare }} issues={issues.filter((i) => i.node === selectedNode.id)}
              onChange={replaceNode} onDelete={() => removeNodes([selectedNode.id])} />
          )}
          {!testing && selectedEdge && (
            <EdgeInspector key={selectedEdge.id} edge={selectedEdge} source={doc.body.nodes.find((n) => n.id === selectedEdge.from)}
              issues={issues.filter((i) => i.edge === selectedEdgeIndex)} variables={variables} onChange={replaceEdge} onDelete={() => removeEdges([selectedEdge.id])} />
          )}
          {!testing && !selectedNode && !selectedEdge && picked.length < 2 && <p className="fl-muted fl-hint">Select a step or an arrow to edit it. Drag from a step's right handle to another step to connect them.</p>}
          <section className="fl-lint" aria-label="Problems" hidden={testing}>
            <h2>
              Problems <span className="fl-count" data-testid="lint-summary">{linting ? "checking…" : `${errors.length} errors, ${warnings} warnings`}</span>
            </h2>
            {issues.length === 0 && !linting && <p className="fl-ok">No problems: ready to publish.</p>}
            <IssueList issues={issues} onPick={pickIssue} />
          </section>
        </aside>
      </div>
    </div>
  );
}

export default function Designer(props) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}
