// Side-panel editors for the properties that were once only editable in the JSON tab:
// several approvers (all / any / quorum), several reminders, notify recipients.
import { Choice, ListText, Text } from "./fields.jsx";

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
