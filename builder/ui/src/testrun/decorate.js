// Marks the test run on the canvas: where tokens are (active, or stopped in an incident),
// which steps were visited and which arrows were taken. The arrows into the steps the
// tokens wait at are animated: that is the move the last choice made.

export function decorate(canvas, answer) {
  if (!answer) return canvas;
  const active = new Set(answer.active);
  const stuck = new Set(answer.incidents.map((i) => i.node_id));
  const visited = new Set(answer.visited);
  const taken = new Set(answer.edges_taken);
  const nodes = canvas.nodes.map((n) => {
    const run = stuck.has(n.id) ? "incident" : active.has(n.id) ? "active" : visited.has(n.id) ? "visited" : "idle";
    return { ...n, selected: false, draggable: false, connectable: false, data: { ...n.data, run } };
  });
  const edges = canvas.edges.map((e) => {
    if (!taken.has(e.data.index)) return { ...e, selected: false, className: "edge-idle" };
    return { ...e, selected: false, className: "edge-taken", animated: active.has(e.target) || stuck.has(e.target) };
  });
  return { nodes, edges };
}
