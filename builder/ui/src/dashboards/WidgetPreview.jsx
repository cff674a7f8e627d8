// A widget drawn by the server's report runtime (POST /builder/dashboards/preview): the
// KPI, table and notes come as server-rendered (escaped) HTML, charts as Plotly figure
// JSON drawn with the plotly.js the page loads from the app (no CDN, CSP 'self').
import { useEffect, useRef, useState } from "react";
import { reasonOf } from "./model.js";

function whenPlotly() {
  return new Promise((resolve, reject) => {
    let tries = 0;
    const look = () => {
      if (window.Plotly) resolve(window.Plotly);
      else if ((tries += 1) > 100) reject(new Error("plotly.js did not load"));
      else setTimeout(look, 100);
    };
    look();
  });
}

function Figure({ figure, width }) {
  const node = useRef(null);
  useEffect(() => {
    let gone = false;
    const el = node.current;
    whenPlotly().then((Plotly) => {
      if (gone || !el) return;
      // No mode bar: its hover styling needs inline <style>, which the CSP refuses.
      Plotly.newPlot(el, figure.data || [], { ...(figure.layout || {}), height: 260 }, { displayModeBar: false, responsive: true });
    }).catch(() => { if (el) el.textContent = "The chart library did not load."; });
    return () => { gone = true; if (window.Plotly && el) window.Plotly.purge(el); };
  }, [figure]);
  useEffect(() => { if (window.Plotly && node.current?.data) window.Plotly.Plots.resize(node.current); }, [width]);
  return <div ref={node} className="db-figure" role="img" aria-label="Chart preview" />;
}

// `request` holds what the preview depends on (the widget and the board's filters); a
// change of title, width or position alone does not ask the server again.
export default function WidgetPreview({ api, config, title, body, widget, width, onErrors }) {
  const [state, setState] = useState({ loading: true });
  const key = JSON.stringify({ w: { ...widget, title: undefined, width: undefined, position: undefined }, f: body.filters || [] });
  const latest = useRef({ body, title });
  latest.current = { body, title };
  useEffect(() => {
    let gone = false;
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(async () => {
      try {
        const answer = await api.post(`${config.api}/builder/dashboards/preview`, { title: latest.current.title, body: latest.current.body, widget: widget.id });
        if (!gone) { setState({ answer }); onErrors(widget.id, []); }
      } catch (err) {
        if (gone) return;
        const details = err.payload?.error?.details || [];
        setState({ failure: details.length ? null : err.message });
        onErrors(widget.id, details);
      }
    }, 450);
    return () => { gone = true; clearTimeout(timer); };
  }, [api, config.api, key, widget.id, onErrors]); // eslint-disable-line react-hooks/exhaustive-deps

  const { answer, failure, loading } = state;
  return (
    <div className={`db-preview${loading ? " db-loading" : ""}`} data-testid={`preview-${widget.id}`} aria-busy={loading ? "true" : "false"}>
      {failure && <p className="fl-issue fl-issue-error">Preview failed: {failure}</p>}
      {answer && answer.figure && <Figure figure={answer.figure} width={width} />}
      {/* Rendered by Jinja on the server with autoescaping: labels and values are text. */}
      {answer && answer.html && <div className="db-preview-html" dangerouslySetInnerHTML={{ __html: answer.html }} />}
      {!answer && !failure && !loading && <p className="fl-muted">No preview while this widget has errors.</p>}
      {loading && !answer && <p className="fl-muted">Drawing…</p>}
    </div>
  );
}

export function ErrorList({ errors, base }) {
  if (!errors.length) return null;
  return (
    <ul className="fl-issues db-errors">
      {errors.map((e, i) => <li key={i} className="fl-issue fl-issue-error"><strong>error</strong>{reasonOf(e)} <code>{base ? e.pointer.replace(base, "") || "/" : e.pointer}</code></li>)}
    </ul>
  );
}
