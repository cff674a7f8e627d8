// Undo / redo over whole documents: each edit replaces the flow body, so a step back is
// the previous body (cheap: bodies are small and unchanged parts are shared).
import { useCallback, useState } from "react";

const HISTORY_LIMIT = 200;

export function useHistory(initial) {
  const [state, setState] = useState({ past: [], present: initial, future: [] });
  const commit = useCallback((next) => {
    setState((s) => (next === s.present ? s : { past: [...s.past, s.present].slice(-HISTORY_LIMIT), present: next, future: [] }));
  }, []);
  const reset = useCallback((value) => setState({ past: [], present: value, future: [] }), []);
  const undo = useCallback(() => setState((s) => (s.past.length ? { past: s.past.slice(0, -1), present: s.past[s.past.length - 1], future: [s.present, ...s.future] } : s)), []);
  const redo = useCallback(() => setState((s) => (s.future.length ? { past: [...s.past, s.present], present: s.future[0], future: s.future.slice(1) } : s)), []);
  return { doc: state.present, canUndo: state.past.length > 0, canRedo: state.future.length > 0, commit, reset, undo, redo };
}
