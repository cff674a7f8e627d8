// Mounts the decision-table editor on #table-designer (app/templates/builder/kind_designer.html).
import { createRoot } from "react-dom/client";
import { makeApi } from "../api.js";
import TableDesigner from "./TableDesigner.jsx";

export async function start(root) {
  const api = makeApi(root.dataset.csrf);
  const config = { key: root.dataset.key, api: root.dataset.api, back: root.dataset.back };
  try {
    const data = await api.get(`${config.api}/builder/tables/${config.key}`);
    const doc = { title: data.title, body: data.body };
    const initial = {
      doc,
      savedJson: data.status === "new" ? "" : JSON.stringify(doc),
      meta: { version: data.version, status: data.status, revision: data.revision },
    };
    createRoot(root).render(<TableDesigner api={api} config={config} initial={initial} />);
  } catch (err) {
    root.textContent = `The decision-table editor could not load this table: ${err.message}`;
    root.classList.add("fl-failed");
  }
}
