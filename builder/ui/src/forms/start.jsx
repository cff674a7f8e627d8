// Mounts the form designer on #form-designer (see app/templates/builder/kind_designer.html).
import { createRoot } from "react-dom/client";
import { makeApi } from "../api.js";
import FormDesigner from "./FormDesigner.jsx";
import { normalise } from "./model.js";

export async function start(root) {
  const api = makeApi(root.dataset.csrf);
  const config = { key: root.dataset.key, api: root.dataset.api, back: root.dataset.back, formsJs: root.dataset.formsJs };
  try {
    const data = await api.get(`${config.api}/builder/forms/${config.key}`);
    const doc = { title: data.title, body: normalise(data.body) };
    const initial = {
      doc,
      savedJson: data.status === "new" ? "" : JSON.stringify(doc),
      meta: { version: data.version, status: data.status, revision: data.revision },
    };
    config.portalUrl = data.portal_url;
    config.previewUrl = data.status === "new" ? null : `/builder/forms/${config.key}/preview`;
    createRoot(root).render(<FormDesigner api={api} config={config} initial={initial} />);
  } catch (err) {
    root.textContent = `The form designer could not load this form: ${err.message}`;
    root.classList.add("fl-failed");
  }
}
