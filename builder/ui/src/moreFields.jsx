// Side-panel editors for the properties that were once only editable in the JSON tab:
// several approvers (all / any / quorum, their outcome names), several reminders,
// notify recipients, a step's timeout and a service's retry policy.
import { useEffect, useState } from "react";
import { Choice, ListText, Text, put } from "./fields.jsx";

/** A team key, or an e-mail address for one user. */
function assigneeText(a) {
  return a.role || a.user || (a.expression ? `=${a.expression}` : "");
}

function assigneeFrom(text) {
  if (text.startsWith("=")) return { expression: text.slice(1) };
  return text.includes("@") ? { user: text } : { role: text };
}

export function ApproversEditor({ approvers, onChange }) {
  const a = approvers || { mode: "all", assignees: [] };
  const set = (patch) => {
    const next = { ...a, ...patch };
    if (next.mode !== "quorum") delete next.count;
    onChange(next);
  };
  return (
    <>
      <Choice label="Decided when" name="approvers_mode" value={a.mode}
        options={[["all", "all approve (one reject rejects)"], ["any", "any one approves"], ["quorum", "enough approve (a quorum)"]]}
        onChange={(mode) => set({ mode, ...(mode === "quorum" && !a.count ? { count: Math.min(2, a.assignees.length || 1) } : {}) })} />
      {a.mode === "quorum" && (
        <Text label="Approvals needed" name="approvers_count" value={a.count ?? ""} placeholder="2"
          onChange={(v) => set({ count: /^\d+$/.test(v) ? Number(v) : undefined })} />
      )}
      <ListText label="Approvers" name="approvers_list" items={a.assignees} toText={assigneeText} fromText={assigneeFrom}
        hint="comma-separated: teams, e-mail addresses, or =variable; each gets a task"
        onChange={(assignees) => set({ assignees })} />
      <div className="fl-pair">
        <Text label="Outcome that approves" name="approvers_approve" placeholder="approve" value={a.approve}
          onChange={(v) => onChange(put(a, "approve", v.trim()))} />
        <Text label="Outcome that rejects" name="approvers_reject" placeholder="reject" value={a.reject}
          onChange={(v) => onChange(put(a, "reject", v.trim()))} />
      </div>
      <p className="fl-muted">Any other outcome (e.g. need_info) decides at once. List every outcome under Outcomes.</p>
    </>
  );
}

const BUSINESS = /^(\d+(?:\.\d+)?)\s*(?:bh|business hours?)$/i;

/** "P1D" / "PT16H" as they are; "16 business hours" is {business_hours: 16}. */
function durationText(d) {
  if (typeof d === "string") return d;
  if (d && typeof d === "object" && "business_hours" in d) return `${d.business_hours} business hours`;
  return "";
}

function durationFrom(text, old) {
  const match = BUSINESS.exec(text.trim());
  if (match) return { ...(old && typeof old === "object" ? old : {}), business_hours: Number(match[1]) };
  return text.trim();
}

export function RemindersEditor({ reminders, onChange, canCountBack }) {
  const rows = Array.isArray(reminders) ? reminders : [];
  const write = (next) => onChange(next.length ? next : undefined);
  const anchorOf = (r) => ("before" in r ? "before" : "after");
  return (
    <div className="fl-field" role="group" aria-label="Reminders">
      <span>Reminders</span>
      {rows.map((r, i) => {
        const anchor = anchorOf(r);
        const setRow = (nextAnchor, value) => {
          const { after, before, ...rest } = r; // eslint-disable-line no-unused-vars
          write(rows.map((row, j) => (j === i ? { ...rest, [nextAnchor]: value } : row)));
        };
        return (
          <div className="fl-map" key={i}>
            <select aria-label={`Reminder ${i + 1} anchor`} value={anchor} onChange={(e) => setRow(e.target.value, r[anchor])}>
              <option value="after">after start</option>
              <option value="before" disabled={!canCountBack && anchor !== "before"}>before deadline</option>
            </select>
            <input aria-label={`Reminder ${i + 1} duration`} placeholder="PT16H or 8 business hours" value={durationText(r[anchor])}
              onChange={(e) => setRow(anchor, durationFrom(e.target.value, r[anchor]))} />
            <button type="button" className="fl-icon-btn" aria-label={`Remove reminder ${i + 1}`} onClick={() => write(rows.filter((_, j) => j !== i))}>×</button>
          </div>
        );
      })}
      <button type="button" className="fl-link" onClick={() => write([...rows, { after: "P1D" }])}>+ Add reminder</button>
    </div>
  );
}

/** Recipients: an address (with @), a variable path holding addresses, team:<key>, user:<e-mail>. */
function recipientText(r) {
  if (typeof r === "string") return r;
  if (r.role) return `team:${r.role}`;
  if (r.user) return `user:${r.user}`;
  return r.email || "";
}

function recipientFrom(text) {
  if (text.startsWith("team:")) return { role: text.slice(5) };
  if (text.startsWith("user:")) return { user: text.slice(5) };
  return text;
}

export function RecipientsEditor({ to, onChange }) {
  return (
    <ListText label="To" name="notify_to" items={Array.isArray(to) ? to : []} toText={recipientText} fromText={recipientFrom}
      hint="comma-separated: addresses, team:<team>, user:<e-mail>, or a variable holding addresses"
      onChange={(items) => onChange(items.length ? items : undefined)} />
  );
}

const TASK_ACTIONS = [["escalate", "escalate to someone"], ["reassign", "reassign to someone"], ["auto_complete", "complete it automatically"],
  ["cancel", "cancel the case"], ["follow_edge", "follow the timeout arrow"]];
const PLAIN_ACTIONS = [["follow_edge", "follow the timeout arrow"], ["cancel", "cancel the case"], ["auto_complete", "carry on as if done"]];

/** A step's timeout. Steps with tasks (user task, form) may escalate or reassign; the
 *  others (service, wait, subflow) may only carry on, cancel or follow a timeout arrow. */
export function TimeoutEditor({ timeout, onChange, withTasks, outcomes }) {
  const set = (patch) => {
    const next = { ...timeout, ...patch };
    Object.keys(next).forEach((k) => (next[k] === "" || next[k] === undefined) && delete next[k]);
    if (!["escalate", "reassign"].includes(next.action)) delete next.to;
    if (next.action !== "auto_complete") delete next.outcome;
    onChange(next);
  };
  const start = withTasks ? { after: "P2D", action: "escalate", to: "manager" } : { after: "P30D", action: "follow_edge" };
  return (
    <fieldset className="fl-group">
      <legend>
        <label><input type="checkbox" name="has_timeout" checked={!!timeout} onChange={(e) => onChange(e.target.checked ? start : undefined)} /> Timeout</label>
      </legend>
      {timeout && (
        <>
          <Text label="After" name="timeout_after" placeholder="P2D, PT4H or 24 business hours" value={durationText(timeout.after)}
            onChange={(v) => set({ after: durationFrom(v, timeout.after) })} />
          <Choice label="Then" name="timeout_action" value={timeout.action} options={withTasks ? TASK_ACTIONS : PLAIN_ACTIONS} onChange={(v) => set({ action: v })} />
          {["escalate", "reassign"].includes(timeout.action) && (
            <Text label="To" name="timeout_to" hint="a team, a user with @, or manager" value={timeout.to} onChange={(v) => set({ to: v })} />
          )}
          {timeout.action === "auto_complete" && outcomes && (
            <Choice label="With outcome" name="timeout_outcome" value={timeout.outcome} options={["", ...outcomes]} onChange={(v) => set({ outcome: v })} />
          )}
          {timeout.action === "follow_edge" && <p className="fl-muted">Draw an arrow from this step and set it to be taken on timeout.</p>}
        </>
      )}
    </fieldset>
  );
}

function numberFrom(text) {
  const trimmed = String(text).trim();
  return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : undefined;
}

/** A number typed as text: "0." stays on screen while typing "0.5". */
function NumberText({ value, onChange, ...props }) {
  const [text, setText] = useState(value ?? "");
  useEffect(() => {
    if (numberFrom(text) !== value) setText(value ?? "");
  }, [value]); // eslint-disable-line react-hooks/exhaustive-deps
  return <Text {...props} value={text} onChange={(v) => { setText(v); onChange(numberFrom(v)); }} />;
}

const attempts = (n) => (n === undefined ? undefined : Math.min(10, Math.max(1, Math.round(n))));

/** A service's retries on server errors and time-outs; empty fields keep the connector's own policy. */
export function RetryEditor({ retry, onChange }) {
  const r = retry || {};
  const set = (key, value) => {
    const next = put(r, key, value);
    onChange(Object.keys(next).length ? next : undefined);
  };
  return (
    <fieldset className="fl-group" aria-label="Retries">
      <legend>Retries</legend>
      <p className="fl-muted">Up to 10 attempts on server errors and time-outs (5xx, 408, 429); other 4xx are never retried. Empty: the connector&apos;s own policy.</p>
      <div className="fl-pair">
        <NumberText label="Attempts" name="retry_max_attempts" placeholder="3" value={r.max_attempts}
          onChange={(n) => set("max_attempts", attempts(n))} />
        <Choice label="Backoff" name="retry_backoff" value={r.backoff || ""} options={[["", "connector's"], ["exponential", "exponential"], ["fixed", "fixed"]]}
          onChange={(v) => set("backoff", v)} />
      </div>
      <div className="fl-pair">
        <NumberText label="First wait (s)" name="retry_initial_seconds" placeholder="0.5" value={r.initial_seconds}
          onChange={(n) => set("initial_seconds", n > 0 ? Math.min(n, 60) : undefined)} />
        <NumberText label="Longest wait (s)" name="retry_max_seconds" placeholder="30" value={r.max_seconds}
          onChange={(n) => set("max_seconds", n > 0 ? Math.min(n, 300) : undefined)} />
      </div>
    </fieldset>
  );
}
