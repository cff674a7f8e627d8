// Mounts the dashboard designer on #dashboard-designer (app/templates/builder/dashboard_designer.html).
import { createRoot } from "react-dom/client";
import { makeApi } from "../api.js";
import DashboardDesigner from "./DashboardDesigner.jsx";
import "./dashboards.css";

export async function start(root) {
  const api = makeApi(root.dataset.csrf);
  const config = { key: root.dataset.key, api: root.dataset.api, back: root.dataset.back, view: root.dataset.view };
  try {
    const data = await api.get(`${config.api}/builder/dashboards/${config.key}`);
    const doc = { title: data.title, body: data.body };
    const initial = {
      doc,
      savedJson: data.status === "new" ? "" : JSON.stringify(doc),
      meta: { version: data.version, status: data.status, revision: data.revision },
    };
    createRoot(root).render(<DashboardDesigner api={api} config={{ ...config, context: data.context }} initial={initial} />);
  } catch (err) {
    root.textContent = `The dashboard designer could not load this board: ${err.message}`;
    root.classList.add("fl-failed");
  }
}
