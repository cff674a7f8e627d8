// Entry point: reads where to load from the page (data attributes, no inline script),
// fetches the flow and what it may refer to, then mounts the designer.
import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import "./designer.css";
import "./forms.css";
import Designer from "./Designer.jsx";
import { makeApi } from "./api.js";
import { withEdgeIds } from "./convert.js";
import { autoLayout } from "./layout.js";

async function start(root) {
  const config = { key: root.dataset.key, api: root.dataset.api, back: root.dataset.back };
  const api = makeApi(root.dataset.csrf);
  try {
    const data = await api.get(`${config.api}/builder/flows/${config.key}`);
    let body = withEdgeIds(data.body);
    // A flow written as JSON (e.g. a seed template) has no positions: lay it out once.
    if (!data.body.nodes?.some((n) => n && n.position)) body = autoLayout(body);
    const doc = { title: data.title, body };
    const initial = {
      doc,
      savedJson: data.status === "new" ? "" : JSON.stringify(doc),
      meta: { version: data.version, status: data.status, revision: data.revision },
    };
    createRoot(root).render(<Designer api={api} config={{ ...config, context: data.context }} initial={initial} />);
  } catch (err) {
    root.textContent = `The designer could not load this flow: ${err.message}`;
    root.classList.add("fl-failed");
  }
}

const root = document.getElementById("flow-designer");
if (root) start(root);

// The form designer and the decision-table editor share this bundle; each loads as its
// own chunk, only on its page.
const formRoot = document.getElementById("form-designer");
if (formRoot) import("./forms/start.jsx").then((m) => m.start(formRoot));
const tableRoot = document.getElementById("table-designer");
if (tableRoot) import("./tables/start.jsx").then((m) => m.start(tableRoot));
const dashboardRoot = document.getElementById("dashboard-designer");
if (dashboardRoot) import("./dashboards/start.jsx").then((m) => m.start(dashboardRoot));
