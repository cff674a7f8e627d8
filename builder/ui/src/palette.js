// Every node type the engine knows (DESIGN §4), with the starting config a new node
// gets when dropped on the canvas. Starting configs are complete where a sensible
// default exists; where only the builder can know (which connector, which form) they
// are left for the linter to point at.
export const NODE_KINDS = [
  { type: "start", label: "Start", hint: "Where a case begins", icon: "▶", config: { trigger: { type: "manual" } } },
  { type: "form", label: "Form", hint: "Wait for a form to be submitted", icon: "▤", config: { form: "", submitter: "customer" } },
  {
    type: "user_task", label: "User task", hint: "Work for a person or a role", icon: "☺",
    // The assignee is the first team the designer knows (set when the node is added).
    config: { title: "New task", outcomes: ["approve", "reject"] },
  },
  { type: "decision", label: "Decision", hint: "Choose one path by conditions", icon: "◇", config: {} },
  { type: "parallel", label: "Parallel", hint: "Split into branches or join them", icon: "⇉", config: { mode: "split" } },
  { type: "service", label: "Service call", hint: "Call a connector action", icon: "⚙", config: { connector: "", action: "" } },
  { type: "wait", label: "Wait", hint: "Wait for a time or a message", icon: "◔", config: { until: "duration", duration: "P1D" } },
  {
    type: "notify", label: "Notify", hint: "Send an e-mail or webhook", icon: "✉",
    config: { channel: "email", to: [{ role: "staff" }], template: { subject: "Case update", body: "A case needs your attention." } },
  },
  { type: "subflow", label: "Subflow", hint: "Run another flow and wait", icon: "↳", config: { flow: "" } },
  { type: "end", label: "End", hint: "The case finishes", icon: "■", config: { status: "completed" } },
];

export const KIND_BY_TYPE = Object.fromEntries(NODE_KINDS.map((k) => [k.type, k]));

export const OPERATORS = [
  "==", "!=", "<", "<=", ">", ">=", "in", "not_in", "contains", "starts_with", "ends_with",
  "is_empty", "is_not_empty", "is_null", "is_not_null", "before", "after",
];
export const UNARY = new Set(["is_empty", "is_not_empty", "is_null", "is_not_null"]);
