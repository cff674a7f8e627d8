// Between the flow body (the JSON definition) and what React Flow draws. The body is
// the source of truth; the canvas is derived from it, so the JSON tab, undo and save
// all see exactly one document.

export function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

/** Give every edge an id (the designer needs one to select it); kept when saved. */
export function withEdgeIds(body) {
  const next = clone(body);
  next.nodes = Array.isArray(next.nodes) ? next.nodes : [];
  next.edges = Array.isArray(next.edges) ? next.edges : [];
  const used = new Set(next.edges.map((e) => e && e.id).filter(Boolean));
  let n = 1;
  next.edges.forEach((edge) => {
    if (edge && !edge.id) {
      while (used.has(`e${n}`)) n += 1;
      edge.id = `e${n}`;
      used.add(edge.id);
    }
  });
  next.nodes.forEach((node, i) => {
    if (node && !node.position) node.position = { x: 80 + (i % 4) * 240, y: 80 + Math.floor(i / 4) * 140 };
  });
  return next;
}

export function newId(prefix, taken) {
  const base = prefix.replace(/[^A-Za-z0-9_]/g, "_");
  let i = 1;
  while (taken.has(`${base}_${i}`)) i += 1;
  return `${base}_${i}`;
}

export function edgeLabel(edge) {
  if (edge.label) return edge.label;
  if (edge.outcome) return edge.outcome;
  if (edge.on) return `on ${edge.on}`;
  if (edge.default) return "default";
  if (edge.condition) return "if …";
  return "";
}

/** React Flow nodes and edges for a body, with lint issues attached. */
export function toCanvas(body, issues, selection) {
  const byNode = {};
  const byEdge = {};
  for (const issue of issues) {
    if (issue.node) (byNode[issue.node] ||= []).push(issue);
    if (issue.edge !== null && issue.edge !== undefined) (byEdge[issue.edge] ||= []).push(issue);
  }
  const nodes = body.nodes.map((node) => ({
    id: node.id,
    type: "flowNode",
    position: { x: node.position?.x ?? 0, y: node.position?.y ?? 0 },
    selected: selection?.kind === "node" && selection.id === node.id,
    data: { node, issues: byNode[node.id] || [] },
  }));
  const edges = body.edges.map((edge, index) => {
    const problems = byEdge[index] || [];
    const level = problems.some((p) => p.severity === "error") ? "error" : problems.length ? "warning" : "";
    return {
      id: edge.id,
      source: edge.from,
      target: edge.to,
      label: edgeLabel(edge) || undefined,
      selected: selection?.kind === "edge" && selection.id === edge.id,
      className: level ? `edge-${level}` : undefined,
      markerEnd: { type: "arrowclosed" },
      data: { index, issues: problems },
    };
  });
  return { nodes, edges };
}

/** Variable names the flow declares or writes (declared variables, task and form
 *  outputs, service outputs, decision results): what the body alone tells. */
export function knownVariables(body) {
  const names = new Set(Object.keys(body.variables || {}));
  for (const node of body.nodes) {
    const c = node.config || {};
    if (typeof c.output === "string") names.add(c.output);
    if (c.output && typeof c.output === "object") Object.keys(c.output).forEach((k) => names.add(k));
    if (node.type === "decision" && c.decision_table) names.add(c.output || node.id);
    if (c.message && typeof c.message.output === "string") names.add(c.message.output);
  }
  return [...names].filter(Boolean).sort();
}

/** The pickers' list: the server's ({path, source}, with form fields and table outputs,
 *  from the last lint answer) plus what the body names since, e.g. an output just typed. */
export function variableOptions(served, body) {
  const seen = new Set(served.map((v) => v.path));
  const fresh = knownVariables(body).filter((name) => !seen.has(name)).map((path) => ({ path, source: "this flow" }));
  return [...served, ...fresh].sort((a, b) => a.path.localeCompare(b.path));
}
