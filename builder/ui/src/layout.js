// Auto-layout: dagre ranks the graph left to right; positions are written back into
// the body (they are builder-only data, the engine ignores them).
import dagre from "@dagrejs/dagre";
import { clone } from "./convert.js";

const WIDTH = 200;
const HEIGHT = 72;

export function autoLayout(body) {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: 50, ranksep: 80, marginx: 40, marginy: 40 });
  graph.setDefaultEdgeLabel(() => ({}));
  body.nodes.forEach((node) => graph.setNode(node.id, { width: WIDTH, height: HEIGHT }));
  body.edges.forEach((edge) => {
    if (graph.hasNode(edge.from) && graph.hasNode(edge.to)) graph.setEdge(edge.from, edge.to);
  });
  dagre.layout(graph);
  const next = clone(body);
  next.nodes.forEach((node) => {
    const placed = graph.node(node.id);
    if (placed) node.position = { x: Math.round(placed.x - WIDTH / 2), y: Math.round(placed.y - HEIGHT / 2) };
  });
  return next;
}
