// "Test with these inputs": the server evaluates the unsaved table with
// runtime/rules/tables.py and answers which rows matched and the outputs.
import { useState } from "react";
import { testVariables } from "./cells.js";

function Outputs({ outputs }) {
  if (outputs === null || outputs === undefined) return null;
  const list = Array.isArray(outputs) ? outputs : [outputs];
  return list.map((row, i) => (
    <dl className="tb-outputs-list" key={i}>
      {Object.entries(row).map(([k, v]) => (
        <div key={k}><dt>{k}</dt><dd data-output={k}>{v === null ? "—" : typeof v === "string" ? v : JSON.stringify(v)}</dd></div>
      ))}
    </dl>
  ));
}

export default function TestPanel({ api, config, body, onResult, onErrors }) {
  const [values, setValues] = useState({});
  const [result, setResult] = useState(null);
  const [failure, setFailure] = useState("");
  const run = async (e) => {
    e.preventDefault();
    setFailure("");
    try {
      const answer = await api.post(`${config.api}/builder/tables/test`, { body, inputs: testVariables(body.inputs, values) });
      setResult(answer);
      onResult(answer.matched);
      onErrors([]);
    } catch (err) {
      setResult(null);
      onResult([]);
      const details = err.payload?.error?.details || [];
      onErrors(details);
      setFailure(details.length ? "The table has errors (marked in the grid); fix them to test." : err.message);
    }
  };
  return (
    <form className="tb-test" onSubmit={run} aria-label="Test with these inputs">
      <h2>Test with these inputs</h2>
      {body.inputs.map((c) => (
        <label className="fl-field" key={c.id}>
          <span>{c.label || c.id} <code>{c.var || c.id}</code> <small className="fl-muted">{c.type || "any"}</small></span>
          <input aria-label={`Test ${c.id}`} value={values[c.id] ?? ""} onChange={(e) => setValues({ ...values, [c.id]: e.target.value })} placeholder={c.type === "boolean" ? "true / false" : c.type === "date" ? "2026-01-31" : ""} />
        </label>
      ))}
      <button type="submit" className="fl-primary">Run test</button>
      {failure && <p className="fl-issue fl-issue-error" role="alert">{failure}</p>}
      {result && (
        <div className="tb-result" role="status" aria-label="Test result">
          <p>
            {result.problem ? <span className="tb-problem">{result.problem}</span>
              : result.used_default ? "No rule matched: the default applies."
              : `Matched: ${result.matched.join(", ") || "nothing"}`}
          </p>
          <Outputs outputs={result.outputs} />
        </div>
      )}
    </form>
  );
}
