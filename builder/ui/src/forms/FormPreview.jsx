// Live preview: the server renders the unsaved body with the real form runtime (the same
// templates customers get) in the chosen locale. The HTML is built by Jinja with
// autoescaping, so user-designed texts arrive escaped; its scripts never run (innerHTML) and
// the preview form submits nowhere.
import { useEffect, useRef, useState } from "react";
import { LOCALES } from "./model.js";

export default function FormPreview({ api, config, body, onErrors }) {
  const [locale, setLocale] = useState("en");
  const [html, setHtml] = useState("");
  const [state, setState] = useState("loading");
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      try {
        const answer = await api.post(`${config.api}/builder/forms/preview`, { body, locale });
        if (mine !== seq.current) return;
        setHtml(answer.html);
        setState("ok");
        onErrors([]);
      } catch (err) {
        if (mine !== seq.current) return;
        setState(err.status === 422 ? "invalid" : "failed");
        onErrors(err.payload?.error?.details || [{ pointer: "", message: err.message }]);
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [api, config.api, body, locale, onErrors]);
  // The customers' script (static/js/forms.js) binds every new [data-fl-form] root when it
  // runs; running it again after each render makes rules and live checks work here too.
  useEffect(() => {
    if (!html || !config.formsJs) return undefined;
    const script = document.createElement("script");
    script.src = config.formsJs;
    document.body.appendChild(script);
    return () => script.remove();
  }, [html, config.formsJs]);
  return (
    <aside className="fm-preview" aria-label="Preview">
      <div className="fm-preview-head">
        <h2>Preview</h2>
        <div className="fm-locales" role="tablist" aria-label="Preview language">
          {LOCALES.map((l) => (
            <button key={l} type="button" role="tab" aria-selected={l === locale} onClick={() => setLocale(l)}>{l === "en" ? "English" : "中文"}</button>
          ))}
        </div>
      </div>
      {state === "invalid" && <p className="fl-issue fl-issue-error">The form has errors (marked on its fields); the preview shows the last version that compiled.</p>}
      {state === "failed" && <p className="fl-issue fl-issue-error">The preview could not be rendered.</p>}
      <form className="fm-preview-form" lang={locale} data-testid="preview" onSubmit={(e) => e.preventDefault()} dangerouslySetInnerHTML={{ __html: html }} />
      {config.previewUrl && (
        <p className="fl-muted">Saved draft: <a href={`${config.previewUrl}?locale=${locale}`} target="_blank" rel="noopener">try a test submission</a></p>
      )}
    </aside>
  );
}
