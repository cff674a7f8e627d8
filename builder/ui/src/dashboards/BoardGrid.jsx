// The board as a 12-column grid of widget cards, each with its live preview. Drag a
// card by its header onto another to put it before that one (or onto the end slot);
// drag the handle on its right edge, or use the arrow keys on it, to change its width.
import { useRef, useState } from "react";
import WidgetPreview, { ErrorList } from "./WidgetPreview.jsx";
import { errorsUnder } from "./model.js";

const MOVE = "application/x-formloom-widget";
const clampWidth = (w) => Math.max(2, Math.min(12, w));

function ResizeHandle({ widget, gridRef, onWidth, onLive }) {
  const start = useRef(null);
  const width = widget.width || (widget.chart === "table" ? 12 : 6);
  const columns = (dx) => {
    const grid = gridRef.current?.getBoundingClientRect();
    const step = grid ? grid.width / 12 : 80;
    return clampWidth(start.current.width + Math.round(dx / step));
  };
  return (
    <button type="button" className="db-resize" aria-label={`Resize ${widget.title}`}
      title="Drag to change the width (or use ← →)" data-width={width}
      onPointerDown={(e) => { e.preventDefault(); e.currentTarget.setPointerCapture(e.pointerId); start.current = { x: e.clientX, width }; }}
      onPointerMove={(e) => { if (start.current) onLive(columns(e.clientX - start.current.x)); }}
      onPointerUp={(e) => { if (!start.current) return; const w = columns(e.clientX - start.current.x); start.current = null; onLive(null); if (w !== width) onWidth(w); }}
      onPointerCancel={() => { start.current = null; onLive(null); }}
      onKeyDown={(e) => {
        if (e.key === "ArrowLeft" || e.key === "ArrowRight") { e.preventDefault(); onWidth(clampWidth(width + (e.key === "ArrowRight" ? 1 : -1))); }
      }} />
  );
}

function Card({ widget, index, props, gridRef }) {
  const { selected, select, move, setWidth, issues, previewErrors, onPreviewErrors, api, config, doc } = props;
  const [over, setOver] = useState(false);
  const [live, setLive] = useState(null);
  const width = live || widget.width || (widget.chart === "table" ? 12 : 6);
  const errors = [...errorsUnder(issues, `/widgets/${index}`), ...(previewErrors[widget.id] || [])];
  const unique = errors.filter((e, i) => errors.findIndex((o) => o.pointer === e.pointer && (o.reason || o.message) === (e.reason || e.message)) === i);
  const classes = ["db-card", `db-w-${width}`, selected === widget.id ? "db-selected" : "", unique.length ? "db-has-error" : "", over ? "db-drop-over" : ""];
  return (
    <section className={classes.join(" ")} data-widget={widget.id} aria-label={`Widget ${widget.title}`}
      onClick={() => select(widget.id)}
      onDragOver={(e) => { if (e.dataTransfer.types.includes(MOVE)) { e.preventDefault(); setOver(true); } }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => { e.preventDefault(); setOver(false); const from = Number(e.dataTransfer.getData(MOVE)); if (!Number.isNaN(from)) move(from, index); }}>
      <header className="db-card-head" draggable
        onDragStart={(e) => { e.dataTransfer.setData(MOVE, String(index)); e.dataTransfer.effectAllowed = "move"; }}>
        <span className="db-grip" aria-hidden="true">⠿</span>
        <h2>{widget.title}</h2>
        <small className="fl-muted">{widget.chart} · {widget.dataset} · {width}/12</small>
      </header>
      <ErrorList errors={unique} base={`/widgets/${index}`} />
      <WidgetPreview api={api} config={config} title={doc.title} body={doc.body} widget={widget} width={width} onErrors={onPreviewErrors} />
      <ResizeHandle widget={widget} gridRef={gridRef} onWidth={(w) => setWidth(index, w)} onLive={setLive} />
    </section>
  );
}

export default function BoardGrid(props) {
  const { doc, move, addWidget } = props;
  const gridRef = useRef(null);
  const [overEnd, setOverEnd] = useState(false);
  const widgets = doc.body.widgets;
  return (
    <div className="db-canvas">
      <div className="db-grid" ref={gridRef}>
        {widgets.map((w, i) => <Card key={w.id} widget={w} index={i} props={props} gridRef={gridRef} />)}
        <div className={`db-end db-w-12${overEnd ? " db-drop-over" : ""}`}
          onDragOver={(e) => { if (e.dataTransfer.types.includes(MOVE)) { e.preventDefault(); setOverEnd(true); } }}
          onDragLeave={() => setOverEnd(false)}
          onDrop={(e) => { e.preventDefault(); setOverEnd(false); move(Number(e.dataTransfer.getData(MOVE)), widgets.length); }}>
          <button type="button" className="fl-link" onClick={addWidget}>+ Add widget</button>
          <span className="fl-muted"> · drop a widget here to move it last</span>
        </div>
      </div>
    </div>
  );
}
