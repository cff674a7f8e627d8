// Plain-language lines for the test run's history: what the user did, which steps the
// token passed, and what the engine would have asked the app to do (nothing of which
// happened: tasks reach nobody, connectors and e-mails are not called).

export function when(iso) {
  if (!iso) return "";
  return iso.replace("T", " ").replace(/:\d\d(\.\d+)?(\+00:00|Z)$/, " UTC");
}

function who(assignee) {
  if (!assignee) return "nobody";
  if (assignee.role) return `team ${assignee.role}`;
  if (assignee.user) return assignee.user;
  if (assignee.manager_of) return `the manager of ${assignee.manager_of}`;
  if (assignee.manager_of_user) return `the manager of ${assignee.manager_of_user}`;
  return JSON.stringify(assignee);
}

export function actionLabel(action, name) {
  switch (action.type) {
    case "start": return "Started";
    case "complete_task": return `Completed task ${name(action.task)}: ${action.outcome}`;
    case "submit_form": return `Submitted form at ${name(action.form)}`;
    case "fire_timer": return `Fired timer ${action.timer.split(":").slice(3).join(":") || ""} of ${name(action.timer)}`;
    case "answer_service": return `Answered the call of ${name(action.call)}: ${action.result}`;
    case "end_subflow": return `Subflow of ${name(action.subflow)} ended: ${action.status || "completed"}`;
    case "send_message": return `Message arrived at ${name(action.message)}`;
    case "retry_incidents": return "Retried the incident";
    case "cancel": return "Cancelled the run";
    default: return action.type;
  }
}

const RECORDS = {
  task_created: (r) => `task for ${who(r.data.assignee)}`,
  task_decided: (r) => `decided: ${r.data.outcome}`,
  timeout: (r) => `timeout: ${r.data.action.replace("_", " ")}`,
  decision_made: (r) => `table ${r.data.table} matched ${r.data.rules.join(", ") || (r.data.default ? "its default" : "nothing")}`,
  service_failed: (r) => `call failed${r.data.message ? `: ${r.data.message}` : ""}`,
  incident_raised: (r) => `incident: ${r.data.reason || r.data.kind}`,
  incident_resolved: () => "incident resolved",
  message_awaited: (r) => `waits for message ${r.data.name || ""}`,
  instance_ended: (r) => `run ended: ${r.data.status}`,
  event_ignored: (r) => `ignored: ${r.data.reason}`,
  timer_ignored: (r) => `timer ignored: ${r.data.reason}`,
};

const EFFECTS = {
  call_connector: (e) => `would call ${e.connector}.${e.action} (not sent)`,
  send_notification: (e) => `would send ${e.channel === "webhook" ? "a webhook" : "an e-mail"} to ${e.recipients.map((r) => r.email || r.user || (r.role && `team ${r.role}`) || "?").join(", ")} (not sent)`,
  schedule_timer: (e) => `timer ${e.purpose} due ${when(e.due_at)}`,
  reassign_task: (e) => `task moved to ${who(e.to)}`,
  remind_task: () => "would remind the assignee",
  start_subflow: (e) => `would start flow ${e.flow}`,
  request_form: (e) => `asks the ${e.submitter} for form ${e.form}`,
};

/** One history step as {title, at, path, notes}. */
export function describeStep(step, name) {
  const path = step.records.filter((r) => r.type === "node_entered").map((r) => name(r.node_id));
  const notes = [];
  for (const record of step.records) {
    const line = RECORDS[record.type];
    if (line) notes.push(`${record.node_id ? `${name(record.node_id)}: ` : ""}${line(record)}`);
  }
  for (const effect of step.effects) {
    const line = EFFECTS[effect.type];
    if (line) notes.push(`${effect.node_id ? `${name(effect.node_id)}: ` : ""}${line(effect)}`);
  }
  if (step.omitted_records) notes.push(`… ${step.omitted_records} more records`);
  return { title: actionLabel(step.action, name), at: when(step.at), path, notes };
}

/** A function from a node id (or a key "test:<node>:<n>…") to the node's name. */
export function namer(body) {
  const names = Object.fromEntries((body?.nodes || []).map((n) => [n.id, n.name || n.id]));
  return (idOrKey) => {
    if (!idOrKey) return "";
    const id = idOrKey.includes(":") ? idOrKey.split(":")[1] : idOrKey;
    return names[id] || id;
  };
}
