// Copy / paste of one or several steps. The arrows between copied steps come along; arrows
// to steps outside the copy do not (the pasted group is not connected to the flow). The
// copies keep their settings, get new ids and sit a little lower right of the originals;
// pasting again offsets again.
import { useCallback, useRef, useState } from "react";
import { clone, newId } from "./convert.js";

const OFFSET = 40;

export function useClipboard({ body, setBody, onPasted, setMessage }) {
  const clipboard = useRef(null);
  const [hasClip, setHasClip] = useState(false);

  const copy = useCallback((ids) => {
    const picked = new Set(ids);
    const nodes = body.nodes.filter((n) => picked.has(n.id)).map(clone);
    if (!nodes.length) return;
    const edges = body.edges.filter((e) => picked.has(e.from) && picked.has(e.to)).map(clone);
    clipboard.current = { nodes, edges };
    setHasClip(true);
    const what = nodes.length === 1 ? (nodes[0].name || nodes[0].id) : `${nodes.length} steps${edges.length ? ` and ${edges.length} arrow${edges.length > 1 ? "s" : ""} between them` : ""}`;
    setMessage({ level: "ok", text: `Copied ${what}. Paste with Ctrl+V.` });
  }, [body, setMessage]);

  const paste = useCallback(() => {
    const source = clipboard.current;
    if (!source) return;
    const nodeIds = new Set(body.nodes.map((n) => n.id));
    const edgeIds = new Set(body.edges.map((e) => e.id));
    const renamed = {};
    const nodes = source.nodes.map((n) => {
      const id = newId(n.type, nodeIds);
      nodeIds.add(id);
      renamed[n.id] = id;
      const at = n.position || { x: 0, y: 0 };
      return { ...clone(n), id, name: `${n.name || n.id} (copy)`, position: { x: at.x + OFFSET, y: at.y + OFFSET } };
    });
    const edges = source.edges.map((e) => {
      const id = newId("e", edgeIds);
      edgeIds.add(id);
      return { ...clone(e), id, from: renamed[e.from], to: renamed[e.to] };
    });
    // The next paste lands lower right again, under the original names.
    clipboard.current = { nodes: nodes.map((n, i) => clone({ ...n, name: source.nodes[i].name })), edges: edges.map(clone) };
    setBody({ ...body, nodes: [...body.nodes, ...nodes], edges: [...body.edges, ...edges] });
    onPasted(nodes.map((n) => n.id));
  }, [body, setBody, onPasted]);

  return { copy, paste, hasClip };
}
