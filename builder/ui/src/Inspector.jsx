// The side panel: the selected node's or edge's main properties. Every change goes
// through onChange(next node or edge), which records one undo step.
import { useEffect, useState } from "react";
import RuleEditor from "./RuleEditor.jsx";
import { Choice, Field, KeyChoice, ListText, Text, VariableList, VariableText, put } from "./fields.jsx";
import { ApproversEditor, RecipientsEditor, RemindersEditor, RetryEditor, TimeoutEditor } from "./moreFields.jsx";
import { KIND_BY_TYPE } from "./palette.js";

function UserTask({ config, set, context }) {
  const assignee = config.assignee || {};
  const who = config.approvers ? "approvers" : assignee.user !== undefined ? "user" : assignee.expression !== undefined ? "expression" : "role";
  const setAssignee = (kind, value) => set("assignee", { ...(assignee.strategy ? { strategy: assignee.strategy } : {}), [kind]: value }, { approvers: undefined });
  const pickKind = (kind) => {
    if (kind !== "approvers") return setAssignee(kind, kind === "role" ? context.roles[0] || "" : "");
    const first = assignee.role || assignee.user ? [assignee.role ? { role: assignee.role } : { user: assignee.user }] : context.roles.slice(0, 1).map((role) => ({ role }));
    return set("approvers", { mode: "all", assignees: first }, { assignee: undefined });
  };
  return (
    <>
      <Text label="Task title" name="title" value={config.title} onChange={(v) => set("title", v)} />
      <Choice label="Assign to" name="assignee_kind" value={who} options={[["role", "a team"], ["user", "a user"], ["expression", "from a variable"], ["approvers", "several approvers"]]}
        onChange={pickKind} />
      {who === "approvers" ? (
        <ApproversEditor approvers={config.approvers} onChange={(v) => set("approvers", v)} />
      ) : who === "role" ? (
        <KeyChoice label="Team" name="assignee_role" value={assignee.role} keys={context.roles} onChange={(v) => setAssignee("role", v)} />
      ) : who === "user" ? (
        <Text label="User e-mail" name="assignee_value" value={assignee.user} onChange={(v) => setAssignee("user", v)} />
      ) : (
        <VariableText label="Variable path" name="assignee_value" hint="holds a team key or an e-mail address" variables={context.variables}
          value={assignee.expression} onChange={(v) => setAssignee("expression", v)} />
      )}
      {who !== "approvers" && (
        <Choice label="Strategy" name="strategy" value={assignee.strategy || "pool"} options={[["pool", "pool: anyone may claim"], ["round_robin", "round robin"], ["least_loaded", "least loaded"]]}
          onChange={(v) => set("assignee", { ...assignee, strategy: v })} />
      )}
      <ListText label="Outcomes" name="outcomes" hint="comma-separated, e.g. approve, reject, need_info" items={config.outcomes}
        onChange={(items) => set("outcomes", items.length ? items : undefined)} />
      <KeyChoice label="Task form" name="form" value={config.form} keys={context.forms} onChange={(v) => set("form", v)} />
      <RemindersEditor reminders={config.reminders} canCountBack={!!(config.timeout || config.due)} onChange={(v) => set("reminders", v)} />
      <Text label="Due after" name="due" placeholder="ISO duration, e.g. P1D or PT16H" value={typeof config.due === "string" ? config.due : ""} onChange={(v) => set("due", v)} />
      <TimeoutEditor timeout={config.timeout} withTasks outcomes={config.outcomes || ["complete"]} onChange={(v) => set("timeout", v)} />
    </>
  );
}

/** Rows of "name ← variable path": a connector's inputs from variables, or variables from
 *  its outputs. Sources are offered from the variables the flow knows (a datalist). */
function MappingEditor({ label, mapping, onChange, targetHint, sourceHint, variables, name }) {
  // Rows live here too, so a half-typed row (no name yet) is not dropped; only named rows
  // reach the body. An outside change (undo, JSON tab) resets them.
  const [rows, setRows] = useState(() => Object.entries(mapping || {}));
  useEffect(() => {
    const shown = JSON.stringify(Object.fromEntries(rows.filter(([k]) => k !== "")));
    if (shown !== JSON.stringify(mapping || {})) setRows(Object.entries(mapping || {}));
  }, [mapping]); // eslint-disable-line react-hooks/exhaustive-deps
  const listId = `vars-${name}`;
  const write = (next) => {
    setRows(next);
    const obj = Object.fromEntries(next.filter(([k]) => k !== ""));
    onChange(Object.keys(obj).length ? obj : undefined);
  };
  return (
    <div className="fl-field" role="group" aria-label={label}>
      <span>{label}</span>
      <VariableList id={listId} variables={variables} />
      {rows.map(([target, source], i) => (
        <div className="fl-map" key={i}>
          <input aria-label={`${label} name`} placeholder={targetHint} value={target}
            onChange={(e) => write(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} />
          <span aria-hidden="true">←</span>
          <input aria-label={`${label} source`} placeholder={sourceHint} list={listId}
            value={typeof source === "string" ? source : JSON.stringify(source)}
            onChange={(e) => write(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} />
          <button type="button" className="fl-icon-btn" aria-label="Remove" onClick={() => write(rows.filter((_, j) => j !== i))}>×</button>
        </div>
      ))}
      <button type="button" className="fl-link" onClick={() => write([...rows, ["", ""]])}>+ Add {label.toLowerCase()}</button>
    </div>
  );
}

function Service({ config, set, context }) {
  const actions = context.connectors[config.connector] || [];
  return (
    <>
      <KeyChoice label="Connector" name="connector" value={config.connector} keys={Object.keys(context.connectors)} onChange={(v) => set("connector", v)} />
      <KeyChoice label="Action" name="action" value={config.action} keys={actions} onChange={(v) => set("action", v)} />
      <MappingEditor label="Input" name="input" mapping={config.input} variables={context.variables} targetHint="action input"
        sourceHint="variable, e.g. order.number" onChange={(v) => set("input", v)} />
      <MappingEditor label="Output" name="output" mapping={config.output} variables={context.variables} targetHint="variable"
        sourceHint="result path, e.g. refund.id" onChange={(v) => set("output", v)} />
      <Choice label="On error" name="on_error" value={config.on_error || "incident"} options={[["incident", "open an incident"], ["edge", "follow the error edge"]]} onChange={(v) => set("on_error", v)} />
      {config.on_error === "edge" && (
        <Text label="Store the error in" name="error_output" placeholder="variable, e.g. refund_error" value={config.error_output} onChange={(v) => set("error_output", v)} />
      )}
      <RetryEditor retry={config.retry} onChange={(v) => set("retry", v)} />
      <TimeoutEditor timeout={config.timeout} onChange={(v) => set("timeout", v)} />
    </>
  );
}

function Decision({ config, set, context }) {
  return (
    <>
      <KeyChoice label="Decision table" name="decision_table" value={config.decision_table} keys={context.tables}
        onChange={(v) => set("decision_table", v, v ? undefined : { input: undefined, output: undefined })} />
      {config.decision_table && (
        <>
          <MappingEditor label="Table input" name="table_input" mapping={config.input} variables={context.variables} targetHint="table input"
            sourceHint="variable, e.g. order.country" onChange={(v) => set("input", v)} />
          <Text label="Result variable" name="output" value={config.output} onChange={(v) => set("output", v)} />
        </>
      )}
      <p className="fl-muted">Each outgoing edge carries a condition; mark one edge as the default.</p>
    </>
  );
}

function Wait({ config, set, context }) {
  return (
    <>
      <Choice label="Wait until" name="until" value={config.until} options={[["duration", "a duration has passed"], ["date", "a date"], ["message", "a message arrives"]]}
        onChange={(v) => set("until", v, { duration: undefined, date: undefined, message: undefined, ...(v === "duration" ? { duration: "P1D" } : v === "message" ? { message: { name: "", correlate: "" } } : { date: "" }) })} />
      {config.until === "duration" && <Text label="Duration" name="duration" value={typeof config.duration === "string" ? config.duration : ""} onChange={(v) => set("duration", v)} />}
      {config.until === "date" && <VariableText label="Date variable" name="date" variables={context.variables} value={config.date} onChange={(v) => set("date", v)} />}
      {config.until === "message" && (
        <>
          <Text label="Message name" name="message_name" value={config.message?.name} onChange={(v) => set("message", { ...config.message, name: v })} />
          <VariableText label="Correlate on variable" name="message_correlate" variables={context.variables} value={config.message?.correlate} onChange={(v) => set("message", { ...config.message, correlate: v })} />
          <Text label="Store its data in" name="message_output" placeholder="variable, e.g. scan" value={config.message?.output} onChange={(v) => set("message", put(config.message, "output", v))} />
        </>
      )}
      <TimeoutEditor timeout={config.timeout} onChange={(v) => set("timeout", v)} />
    </>
  );
}

function Start({ config, set, context }) {
  const trigger = config.trigger || { type: "manual" };
  return (
    <>
      <Choice label="Started by" name="trigger" value={trigger.type} options={["manual", "form", "api", "webhook", "schedule"]} onChange={(v) => set("trigger", { type: v })} />
      {trigger.type === "form" && <KeyChoice label="Form" name="trigger_form" value={trigger.form} keys={context.forms} onChange={(v) => set("trigger", put(trigger, "form", v))} />}
      {trigger.type === "webhook" && <Text label="Message" name="trigger_message" value={trigger.message} onChange={(v) => set("trigger", put(trigger, "message", v))} />}
      {trigger.type === "schedule" && <Text label="Cron" name="trigger_schedule" placeholder="0 6 * * 1" value={trigger.schedule} onChange={(v) => set("trigger", put(trigger, "schedule", v))} />}
      <ListText label="Start variables" name="start_variables" items={Object.keys(context.declared || {})}
        hint="comma-separated names the starter passes (the API, a webhook, a parent flow)"
        onChange={(names) => context.declare(Object.fromEntries(names.map((n) => [n, context.declared?.[n] || {}])))} />
    </>
  );
}

function Simple({ node, config, set, context }) {
  switch (node.type) {
    case "end":
      return <Choice label="Status" name="status" value={config.status || "completed"} options={["completed", "rejected", "cancelled"]} onChange={(v) => set("status", v)} />;
    case "form":
      return (
        <>
          <KeyChoice label="Form" name="form" value={config.form} keys={context.forms} onChange={(v) => set("form", v)} />
          <Choice label="Filled by" name="submitter" value={config.submitter || "customer"} options={["customer", "staff", "starter"]} onChange={(v) => set("submitter", v)} />
          <TimeoutEditor timeout={config.timeout} withTasks onChange={(v) => set("timeout", v)} />
        </>
      );
    case "parallel":
      return <Choice label="Mode" name="mode" value={config.mode} options={[["split", "split into branches"], ["join", "join: wait for all"]]} onChange={(v) => set("mode", v)} />;
    case "subflow":
      return (
        <>
          <KeyChoice label="Flow" name="flow" value={config.flow} keys={context.flows} onChange={(v) => set("flow", v)} />
          <MappingEditor label="Subflow input" name="subflow_input" mapping={config.input} variables={context.variables} targetHint="its variable"
            sourceHint="variable, e.g. item.sku" onChange={(v) => set("input", v)} />
          <MappingEditor label="Subflow output" name="subflow_output" mapping={config.output} variables={context.variables} targetHint="variable"
            sourceHint="its result path, or $ for all" onChange={(v) => set("output", v)} />
          <label className="fl-check">
            <input type="checkbox" name="subflow_wait" checked={config.wait !== false} onChange={(e) => set("wait", e.target.checked ? undefined : false)} />
            Wait for it to end
          </label>
          {config.wait !== false && <TimeoutEditor timeout={config.timeout} onChange={(v) => set("timeout", v)} />}
        </>
      );
    case "notify":
      return (
        <>
          <Choice label="Channel" name="channel" value={config.channel} options={["email", "webhook"]} onChange={(v) => set("channel", v)} />
          <RecipientsEditor to={config.to} onChange={(v) => set("to", v)} />
          <Text label="Subject" name="subject" value={config.template?.subject} onChange={(v) => set("template", put(config.template, "subject", v))} />
          <Field label="Message">
            <textarea name="body" rows={4} value={config.template?.body ?? ""} onChange={(e) => set("template", { ...config.template, body: e.target.value })} />
          </Field>
        </>
      );
    default:
      return null;
  }
}

const PANELS = { user_task: UserTask, service: Service, decision: Decision, wait: Wait, start: Start };

export function NodeInspector({ node, onChange, onDelete, issues, context }) {
  const config = node.config || {};
  const set = (key, value, extra) => {
    let next = put(config, key, value);
    if (extra) for (const [k, v] of Object.entries(extra)) if (k !== key) next = put(next, k, v);
    onChange({ ...node, config: next });
  };
  const Panel = PANELS[node.type] || Simple;
  return (
    <div className="fl-inspector" aria-label="Node properties">
      <h2>{KIND_BY_TYPE[node.type]?.label || node.type} <code>{node.id}</code></h2>
      <IssueList issues={issues} />
      <Text label="Name" name="name" value={node.name} onChange={(v) => onChange(put(node, "name", v))} />
      <Panel node={node} config={config} set={set} context={context} />
      <button type="button" className="fl-danger" onClick={onDelete}>Delete node</button>
    </div>
  );
}

export function EdgeInspector({ edge, source, onChange, onDelete, issues, variables }) {
  const outcomes = source?.type === "user_task" ? source.config?.outcomes || ["complete"] : null;
  const set = (key, value) => onChange(put(edge, key, value));
  return (
    <div className="fl-inspector" aria-label="Edge properties">
      <h2>Edge <code>{edge.from} → {edge.to}</code></h2>
      <IssueList issues={issues} />
      <Text label="Label" name="label" value={edge.label} onChange={(v) => set("label", v)} />
      {outcomes && (
        <Choice label="Outcome" name="outcome" value={edge.outcome || ""} options={[["", "— any other outcome —"], ...outcomes.map((o) => [o, o])]} onChange={(v) => set("outcome", v)} />
      )}
      {["service", "subflow", "wait", "user_task", "form"].includes(source?.type) && (
        <Choice label="Taken on" name="on" value={edge.on || ""} options={[["", "normal completion"], ["error", "error"], ["timeout", "timeout"]]} onChange={(v) => set("on", v)} />
      )}
      {source?.type === "decision" && (
        <>
          <label className="fl-check">
            <input type="checkbox" name="default" checked={!!edge.default} onChange={(e) => onChange(put(put(edge, "default", e.target.checked || undefined), "condition", e.target.checked ? undefined : edge.condition))} />
            Default edge (taken when no condition holds)
          </label>
          {!edge.default && (
            <div className="fl-field" role="group" aria-label="Condition">
              <span>Condition</span>
              <RuleEditor condition={edge.condition} fields={variables} listId="fl-edge-vars" onChange={(c) => set("condition", c)} />
            </div>
          )}
        </>
      )}
      <button type="button" className="fl-danger" onClick={onDelete}>Delete edge</button>
    </div>
  );
}

export function IssueList({ issues, onPick }) {
  if (!issues || issues.length === 0) return null;
  return (
    <ul className="fl-issues">
      {issues.map((issue, i) => (
        <li key={i} className={`fl-issue fl-issue-${issue.severity}`}>
          {onPick ? (
            <button type="button" className="fl-link" onClick={() => onPick(issue)}>
              <strong>{issue.severity}</strong> {issue.message} <code>{issue.pointer || "/"}</code>
            </button>
          ) : (
            <>
              <strong>{issue.severity}</strong> {issue.message} <code>{issue.pointer || "/"}</code>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
