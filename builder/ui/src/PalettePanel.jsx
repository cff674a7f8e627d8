// The palette: every node type, dragged onto the canvas (HTML5 drag and drop) or clicked.
import { NODE_KINDS } from "./palette.js";

export const DRAG_TYPE = "application/x-formloom-node";

export default function Palette({ onAdd }) {
  return (
    <aside className="fl-palette" aria-label="Node types">
      <h2>Steps</h2>
      <p className="fl-muted">Drag onto the canvas, or click to add.</p>
      {NODE_KINDS.map((kind) => (
        <button
          key={kind.type}
          type="button"
          className={`fl-palette-item fl-node-${kind.type}`}
          data-type={kind.type}
          draggable
          onDragStart={(e) => {
            e.dataTransfer.setData(DRAG_TYPE, kind.type);
            e.dataTransfer.effectAllowed = "move";
          }}
          onClick={() => onAdd(kind.type, null)}
          title={kind.hint}
        >
          <span className="fl-node-icon" aria-hidden="true">{kind.icon}</span>
          <span>
            <strong>{kind.label}</strong>
            <small>{kind.hint}</small>
          </span>
        </button>
      ))}
    </aside>
  );
}
