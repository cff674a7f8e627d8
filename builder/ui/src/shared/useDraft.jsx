// Save draft / publish with the revision the designer opened, shared by the form and
// table designers (the flow designer's contract: a stale revision is a 409 naming who
// changed it; nothing is overwritten; Reload fetches their version).
import { useCallback, useRef, useState } from "react";

export function useDraft({ api, base, initial, onSaved }) {
  const [meta, setMeta] = useState(initial.meta);
  const [saved, setSaved] = useState(initial.savedJson);
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);
  const revision = useRef(initial.meta.revision);

  const remember = useCallback((answer, json) => {
    revision.current = answer.revision;
    setMeta({ version: answer.version, status: answer.status, revision: answer.revision });
    setSaved(json);
  }, []);

  const report = useCallback((err, what) => {
    const details = err.payload?.error?.details || [];
    setMessage({ level: "error", text: `${what}: ${err.message}`, conflict: err.status === 409, details });
    onSaved?.(details);
  }, [onSaved]);

  const save = useCallback(async (doc) => {
    setBusy(true);
    try {
      const answer = await api.put(`${base}/draft`, { title: doc.title, body: doc.body, revision: revision.current });
      remember(answer, JSON.stringify(doc));
      setMessage({ level: "ok", text: `Draft v${answer.version} saved.` });
      onSaved?.([]);
      return true;
    } catch (err) {
      report(err, "Not saved");
      return false;
    } finally {
      setBusy(false);
    }
  }, [api, base, remember, report, onSaved]);

  const publish = useCallback(async (doc, dirty) => {
    if (dirty && !(await save(doc))) return;
    setBusy(true);
    try {
      const answer = await api.post(`${base}/publish`, { revision: revision.current });
      remember(answer, JSON.stringify(doc));
      setMessage({ level: "ok", text: `Published as v${answer.version}.` });
    } catch (err) {
      report(err, "Not published");
    } finally {
      setBusy(false);
    }
  }, [api, base, remember, report, save]);

  return { meta, saved, message, setMessage, busy, save, publish };
}

export function StatusLine({ meta, dirty }) {
  const where = meta.status === "new" ? "new, not saved yet" : `v${meta.version} ${meta.status}`;
  return <span className="fl-status" data-testid="status">{where}{dirty ? " · unsaved changes" : ""}</span>;
}

export function Message({ message, onReload }) {
  if (!message) return null;
  return (
    <div className={`fl-message fl-message-${message.level}`} role={message.level === "error" ? "alert" : "status"}>
      {message.text}
      {message.conflict && <button type="button" className="fl-link fl-reload" onClick={onReload}> Reload their version</button>}
    </div>
  );
}
