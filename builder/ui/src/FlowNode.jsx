// One node on the canvas: its type, name, a one-line summary of its config, and a
// badge with its lint problems; during a test run, where the token is (data.run).
// Handles: target on the left, source on the right.
import { Handle, Position } from "@xyflow/react";
import { KIND_BY_TYPE } from "./palette.js";

function summary(node) {
  const c = node.config || {};
  switch (node.type) {
    case "user_task": {
      const a = c.assignee || {};
      const who = a.role ? `team ${a.role}` : a.user ? a.user : a.expression ? "by expression" : c.approvers ? "approvers" : "nobody";
      return `${who} · ${(c.outcomes || ["complete"]).join(" / ")}`;
    }
    case "service":
      return c.connector ? `${c.connector}.${c.action || "?"}` : "no connector";
    case "decision":
      return c.decision_table ? `table ${c.decision_table}` : "by edge conditions";
    case "wait":
      return c.until === "message" ? `message ${c.message?.name || "?"}` : c.until === "date" ? `until ${c.date || "?"}` : `for ${typeof c.duration === "string" ? c.duration : "business hours"}`;
    case "start":
      return `trigger: ${c.trigger?.type || "manual"}`;
    case "end":
      return c.status || "completed";
    case "form":
      return c.form ? `form ${c.form}` : "no form";
    case "parallel":
      return c.mode === "join" ? `join ${c.join || "all"}` : "split";
    case "subflow":
      return c.flow ? `flow ${c.flow}` : "no flow";
    case "notify":
      return c.channel || "email";
    default:
      return "";
  }
}

export default function FlowNode({ data, selected }) {
  const { node, issues, run } = data;
  const kind = KIND_BY_TYPE[node.type] || { label: node.type, icon: "?" };
  const errors = issues.filter((i) => i.severity === "error").length;
  const warnings = issues.length - errors;
  // During a test run the marks say where the token is; lint colours would read as alarms.
  const level = run ? "ok" : errors ? "error" : warnings ? "warning" : "ok";
  return (
    <div
      className={`fl-node fl-node-${node.type} fl-node-${level}${selected ? " is-selected" : ""}${run ? ` fl-run-${run}` : ""}`}
      data-node-id={node.id}
      data-run={run || undefined}
      title={issues.map((i) => i.message).join("\n")}
    >
      {node.type !== "start" && <Handle type="target" position={Position.Left} />}
      <div className="fl-node-head">
        <span className="fl-node-icon" aria-hidden="true">{kind.icon}</span>
        <span className="fl-node-type">{kind.label}</span>
        {(run === "active" || run === "incident") && (
          <span className={`fl-token fl-token-${run}`} role="img" aria-label={run === "active" ? "a token waits here" : "stopped here"} />
        )}
        {!run && issues.length > 0 && (
          <span className={`fl-badge fl-badge-${level}`} aria-label={`${errors} errors, ${warnings} warnings`}>
            {errors || warnings}
          </span>
        )}
      </div>
      <div className="fl-node-name">{node.name || node.id}</div>
      <div className="fl-node-sub">{summary(node)}</div>
      {node.type !== "end" && <Handle type="source" position={Position.Right} />}
    </div>
  );
}
