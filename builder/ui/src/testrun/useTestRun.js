// The test run's state in the browser. The server keeps nothing: every request sends the
// flow body (as it was when the run started), the start variables and every choice so
// far, and the server replays them on the real engine (builder/simulator.py). A step
// back is the same request with one choice fewer.
import { useCallback, useRef, useState } from "react";
import { formSkeleton } from "./formSkeleton.js";

const IDLE = { body: null, variables: null, startedAt: null, choices: [], answer: null };

export function parseJson(text, what) {
  const trimmed = (text || "").trim();
  if (!trimmed) return {};
  let value;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    throw new Error(`${what} is not JSON: ${err.message}`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error(`${what} must be a JSON object`);
  return value;
}

function describe(err) {
  const details = err.payload?.error?.details;
  if (Array.isArray(details) && details.length) {
    return details.slice(0, 3).map((d) => `${d.pointer || "/"}: ${d.reason}`).join("; ");
  }
  return err.message;
}

export function useTestRun(api, apiBase) {
  const [run, setRun] = useState(IDLE);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const send = useCallback(async (next) => {
    setBusy(true);
    setError("");
    try {
      const answer = await api.post(`${apiBase}/builder/test-run`, {
        body: next.body,
        variables: next.variables,
        choices: next.choices,
        ...(next.startedAt ? { started_at: next.startedAt } : {}),
      });
      setRun({ ...next, startedAt: answer.started_at, answer });
      return true;
    } catch (err) {
      setError(describe(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, [api, apiBase]);

  const start = useCallback((body, variablesText) => {
    let variables;
    try {
      variables = parseJson(variablesText, "The start variables");
    } catch (err) {
      setError(err.message);
      return Promise.resolve(false);
    }
    return send({ body, variables, startedAt: null, choices: [] });
  }, [send]);

  const choose = useCallback((choice) => send({ ...run, choices: [...run.choices, choice] }), [run, send]);
  const stepBack = useCallback(() => send({ ...run, choices: run.choices.slice(0, -1) }), [run, send]);
  const reset = useCallback(() => { setRun(IDLE); setError(""); }, []);

  // Form skeletons, once per form key while the page is open.
  const skeletons = useRef({});
  const skeleton = useCallback((key) => {
    if (!(key in skeletons.current)) skeletons.current[key] = formSkeleton(api, apiBase, key);
    return skeletons.current[key];
  }, [api, apiBase]);

  return { run, busy, error, setError, start, choose, stepBack, reset, skeleton, running: run.answer !== null };
}
