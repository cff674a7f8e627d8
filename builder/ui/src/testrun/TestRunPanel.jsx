// The side panel of a test run: start variables, one card per thing the run waits for
// (with the buttons that answer it), the variables now, and the history.
import { useEffect, useState } from "react";
import { describeStep, namer, when } from "./describe.js";
import { parseJson } from "./useTestRun.js";

function JsonBox({ label, value, onChange, rows = 2 }) {
  return (
    <label className="fl-field tr-json">
      <span>{label}</span>
      <textarea rows={rows} spellCheck={false} value={value} placeholder="{}" onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** A card for one pending item; `answer(makeChoice)` parses the card's JSON box first. */
function PendingCard({ item, name, choose, busy, skeleton }) {
  const [text, setText] = useState("");
  // A task or form request with a form: start from its fields (typed over, not required).
  useEffect(() => {
    let live = true;
    if (item.form && (item.kind === "task" || item.kind === "form")) {
      skeleton(item.form).then((json) => live && json && setText((now) => now || json));
    }
    return () => { live = false; };
  }, [item.form, item.kind, skeleton]);
  const [message, setMessage] = useState("");
  const [problem, setProblem] = useState("");
  const answer = (make) => {
    try {
      setProblem("");
      choose(make(parseJson(text, "The data")));
    } catch (err) {
      setProblem(err.message);
    }
  };
  const where = <strong>{name(item.node)}</strong>;
  let head;
  let box = null;
  let buttons;
  switch (item.kind) {
    case "task":
      head = <>Task {where}{item.approver !== null && item.approver !== undefined ? ` (approver ${item.approver + 1})` : ""} for {item.assignee?.role ? `team ${item.assignee.role}` : item.assignee?.user || "nobody"}{item.form ? <>, form <code>{item.form}</code></> : null}</>;
      box = <JsonBox label="Task form data (JSON, optional)" value={text} onChange={setText} />;
      buttons = item.outcomes.map((outcome) => (
        <button key={outcome} type="button" className="fl-primary" disabled={busy}
          onClick={() => answer((data) => ({ type: "complete_task", task: item.key, outcome, data }))}>{outcome}</button>
      ));
      break;
    case "form":
      head = <>Form {where}: <code>{item.form}</code>, filled by the {item.submitter}</>;
      box = <JsonBox label="Submitted data (JSON)" value={text} onChange={setText} rows={3} />;
      buttons = <button type="button" className="fl-primary" disabled={busy} onClick={() => answer((data) => ({ type: "submit_form", form: item.key, data }))}>Submit form</button>;
      break;
    case "service":
      head = <>Call at {where}: <code>{item.connector}.{item.action}</code> with <code>{JSON.stringify(item.inputs)}</code> — not sent</>;
      box = (
        <>
          <JsonBox label="Answer (JSON output)" value={text} onChange={setText} />
          <label className="fl-field"><span>Error message</span><input value={message} onChange={(e) => setMessage(e.target.value)} placeholder="for an error answer" /></label>
        </>
      );
      buttons = (
        <>
          {item.computable && <button type="button" className="fl-primary" disabled={busy} title="Run the platform function on these inputs" onClick={() => answer(() => ({ type: "answer_service", call: item.key, result: "compute" }))}>Compute</button>}
          <button type="button" className={item.computable ? "" : "fl-primary"} disabled={busy} onClick={() => answer((output) => ({ type: "answer_service", call: item.key, result: "success", output }))}>Success</button>
          <button type="button" disabled={busy} title="A 4xx: follows the error arrow" onClick={() => answer(() => ({ type: "answer_service", call: item.key, result: "error", ...(message ? { message } : {}) }))}>Error</button>
          <button type="button" disabled={busy} title="5xx after every retry: an incident" onClick={() => answer(() => ({ type: "answer_service", call: item.key, result: "unavailable", ...(message ? { message } : {}) }))}>Unavailable</button>
        </>
      );
      break;
    case "subflow":
      head = <>Subflow at {where}: flow <code>{item.flow}</code> — not started</>;
      box = <JsonBox label="Its output (JSON)" value={text} onChange={setText} />;
      buttons = ["completed", "rejected", "cancelled"].map((status) => (
        <button key={status} type="button" className={status === "completed" ? "fl-primary" : ""} disabled={busy}
          onClick={() => answer((output) => ({ type: "end_subflow", subflow: item.key, status, output }))}>{status}</button>
      ));
      break;
    case "message":
      head = <>{where} waits for message <code>{item.name}</code> for <code>{item.correlation}</code></>;
      box = <JsonBox label="Message data (JSON)" value={text} onChange={setText} />;
      buttons = <button type="button" className="fl-primary" disabled={busy} onClick={() => answer((data) => ({ type: "send_message", message: item.key, data }))}>Send message</button>;
      break;
    case "timer":
      head = <>Timer <code>{item.purpose}</code> of {where}, due {when(item.due_at)}</>;
      buttons = <button type="button" disabled={busy} onClick={() => answer(() => ({ type: "fire_timer", timer: item.key }))}>Fire now</button>;
      break;
    case "incident":
      head = <>Stopped: {item.incidents.map((i) => `${name(i.node_id)}: ${i.reason}`).join("; ")}</>;
      buttons = <button type="button" disabled={busy} onClick={() => answer(() => ({ type: "retry_incidents" }))}>Retry</button>;
      break;
    default:
      head = item.kind;
  }
  return (
    <li className={`tr-card tr-card-${item.kind}`} data-testid={`pending-${item.kind}`} data-node={item.node || ""}>
      <div className="tr-card-head">{head}</div>
      {box}
      <div className="tr-buttons">{buttons}</div>
      {problem && <p className="fl-message-error tr-problem" role="alert">{problem}</p>}
    </li>
  );
}

export default function TestRunPanel({ testRun, body, onClose }) {
  const { run, busy, error, start, choose, stepBack, reset, running } = testRun;
  const [variablesText, setVariablesText] = useState("{}");
  // A flow started by a form gets that form's fields as its start variables.
  const startForm = body.nodes.find((n) => n.type === "start")?.config?.trigger?.form;
  useEffect(() => {
    let live = true;
    if (startForm) testRun.skeleton(startForm).then((json) => live && json && setVariablesText((now) => (now === "{}" ? json : now)));
    return () => { live = false; };
  }, [startForm]); // eslint-disable-line react-hooks/exhaustive-deps
  const answer = run.answer;
  const name = namer(running ? run.body : body);
  return (
    <section className="tr-panel" aria-label="Test run">
      <h2>Test run <button type="button" className="fl-link tr-close" onClick={onClose}>Back to editing</button></h2>
      <p className="fl-muted">Runs the flow as drawn on the real engine with test data. Nothing is saved, no task reaches anyone, no connector or e-mail is called: you answer for them.</p>
      {error && <p className="fl-message fl-message-error" role="alert">{error}</p>}
      {!running ? (
        <>
          <JsonBox label="Start variables (JSON)" value={variablesText} onChange={setVariablesText} rows={5} />
          <button type="button" className="fl-primary tr-start" disabled={busy} onClick={() => start(body, variablesText)}>Start test run</button>
        </>
      ) : (
        <>
          <p className="tr-status" data-testid="run-status">
            <span className={`tr-badge tr-badge-${answer.status}`}>{answer.status}</span>
            {answer.active.length > 0 && <> at {answer.active.map(name).join(", ")}</>}
            <span className="fl-muted"> · clock {when(answer.now)}</span>
          </p>
          <div className="tr-buttons">
            <button type="button" disabled={busy || run.choices.length === 0} onClick={stepBack}>Step back</button>
            <button type="button" disabled={busy} onClick={() => start(body, JSON.stringify(run.variables))} title="Start again with the flow as drawn now">Restart</button>
            {!answer.ended && <button type="button" disabled={busy} onClick={() => choose({ type: "cancel" })}>Cancel run</button>}
            <button type="button" disabled={busy} onClick={reset}>Reset</button>
          </div>
          {answer.ended ? (
            <p className="fl-ok" data-testid="run-ended">The run ended: {answer.status}.</p>
          ) : (
            <>
              <h3>Waiting for</h3>
              <ul className="tr-pending">
                {answer.pending.map((item) => <PendingCard key={`${item.key}:${run.choices.length}`} item={item} name={name} choose={choose} busy={busy} skeleton={testRun.skeleton} />)}
              </ul>
            </>
          )}
          <details className="tr-vars">
            <summary>Variables now</summary>
            <pre>{JSON.stringify(answer.variables, null, 2)}</pre>
          </details>
          <h3>History</h3>
          <ol className="tr-history" data-testid="run-history">
            {answer.history.map((step) => {
              const line = describeStep(step, name);
              return (
                <li key={step.step}>
                  <div><strong>{line.title}</strong> <span className="fl-muted">{line.at}</span></div>
                  {line.path.length > 0 && <div className="tr-path">→ {line.path.join(" → ")}</div>}
                  {line.notes.length > 0 && <ul className="tr-notes">{line.notes.map((n, i) => <li key={i}>{n}</li>)}</ul>}
                </li>
              );
            })}
          </ol>
        </>
      )}
    </section>
  );
}

/** Shown where the palette was: what the marks on the canvas mean. */
export function TestRunLegend() {
  return (
    <aside className="fl-palette tr-legend" aria-label="Test run legend">
      <h2>Test run</h2>
      <p className="fl-muted">The canvas is read-only while the test run is on.</p>
      <ul>
        <li><span className="tr-swatch tr-swatch-active" /> a token waits here</li>
        <li><span className="tr-swatch tr-swatch-visited" /> visited</li>
        <li><span className="tr-swatch tr-swatch-incident" /> stopped (incident)</li>
        <li><span className="tr-swatch tr-swatch-edge" /> arrow taken</li>
      </ul>
    </aside>
  );
}
