// The form body as the designer edits it: pure functions from one body to the next.
// A form body is {schema, ui: {sections, widgets}, i18n, rules} (builder/schemas/form.json);
// every field the designer adds gets an explicit widget type, so a radio stays a radio.
export const LOCALES = ["en", "zh-CN"];

// Every field type of runtime/forms/compile.py (JSON_TYPES), with the schema a new one gets.
export const FIELD_TYPES = [
  { type: "text", label: "Text", icon: "T", schema: { type: "string" } },
  { type: "textarea", label: "Long text", icon: "¶", schema: { type: "string" } },
  { type: "number", label: "Number", icon: "#", schema: { type: "number" } },
  { type: "money", label: "Money", icon: "¤", schema: { type: "object", properties: { amount: { type: "string" }, currency: { type: "string" } } } },
  { type: "date", label: "Date", icon: "◷", schema: { type: "string", format: "date" } },
  { type: "select", label: "Dropdown", icon: "▾", schema: { type: "string", enum: ["option_1", "option_2"] } },
  { type: "radio", label: "Radio buttons", icon: "◉", schema: { type: "string", enum: ["option_1", "option_2"] } },
  { type: "multiselect", label: "Multi-select", icon: "☰", schema: { type: "array", items: { type: "string", enum: ["option_1", "option_2"] } } },
  { type: "checkbox", label: "Checkbox", icon: "☑", schema: { type: "boolean" } },
  { type: "email", label: "E-mail", icon: "@", schema: { type: "string", format: "email" } },
  { type: "phone", label: "Phone", icon: "☎", schema: { type: "string" } },
  { type: "country", label: "Country", icon: "◍", schema: { type: "string" } },
  { type: "address", label: "Address", icon: "⌂", schema: { type: "object", properties: { line1: { type: "string" }, city: { type: "string" }, postcode: { type: "string" }, country: { type: "string" } } } },
  { type: "file", label: "File upload", icon: "⇪", schema: { type: "array", maxItems: 3 } },
  { type: "photo", label: "Photos", icon: "▣", schema: { type: "array", maxItems: 3 } },
  { type: "line_items", label: "Line items", icon: "≡", schema: { type: "array", items: { type: "object", properties: { sku: { type: "string" }, qty: { type: "integer", minimum: 1 } } } } },
  { type: "consent", label: "Consent", icon: "✓", schema: { type: "boolean" } },
  { type: "signature", label: "Signature", icon: "✍", schema: { type: "string" } },
  { type: "barcode", label: "Barcode scan", icon: "▥", schema: { type: "string" } },
  { type: "hidden", label: "Hidden value", icon: "◌", schema: { type: "string" } },
];
export const TYPE_BY_NAME = Object.fromEntries(FIELD_TYPES.map((t) => [t.type, t]));
export const CHOICE_TYPES = new Set(["select", "radio", "multiselect"]);
const clone = (value) => JSON.parse(JSON.stringify(value));

// Widgets that store the same JSON type: the "widget" choice in the properties panel.
export function compatibleWidgets(type) {
  const kind = TYPE_BY_NAME[type]?.schema.type;
  if (kind === "object") return [type];
  const choice = CHOICE_TYPES.has(type);
  const rows = type === "line_items";
  return FIELD_TYPES.filter((t) => t.schema.type === kind && CHOICE_TYPES.has(t.type) === choice && (t.type === "line_items") === rows).map((t) => t.type);
}

export function normalise(body) {
  const b = clone(body || {});
  b.schema = b.schema || { type: "object", properties: {} };
  b.schema.properties = b.schema.properties || {};
  b.ui = b.ui || {};
  b.ui.sections = b.ui.sections?.length ? b.ui.sections : [{ id: "main", title: "Details", fields: [] }];
  b.i18n = b.i18n || {};
  return b;
}

export function fieldType(body, name) {
  const widget = body.ui?.widgets?.[name];
  if (widget?.type) return widget.type;
  const s = body.schema.properties[name] || {};
  if (s.type === "boolean") return "checkbox";
  if (s.type === "number" || s.type === "integer") return "number";
  if (s.type === "array") return s.items?.type === "object" ? "line_items" : "multiselect";
  if (s.type === "object") return s.properties?.amount ? "money" : "address";
  if (s.enum) return "select";
  return { email: "email", date: "date" }[s.format] || "text";
}

export function newFieldName(body, type) {
  let n = 1;
  while (body.schema.properties[`${type}_${n}`]) n += 1;
  return `${type}_${n}`;
}

export function addField(body, type, section, index) {
  const b = normalise(body);
  const name = newFieldName(b, type);
  b.schema.properties[name] = clone(TYPE_BY_NAME[type].schema);
  b.ui.widgets = { ...(b.ui.widgets || {}), [name]: { type } };
  const fields = b.ui.sections[section].fields;
  fields.splice(index ?? fields.length, 0, name);
  b.i18n.en = { ...(b.i18n.en || {}), [`${name}.label`]: TYPE_BY_NAME[type].label };
  return { body: b, name };
}

export function moveField(body, name, section, index) {
  const b = normalise(body);
  let target = index;
  b.ui.sections.forEach((s, si) => {
    const at = s.fields.indexOf(name);
    if (at >= 0) {
      s.fields.splice(at, 1);
      if (si === section && at < target) target -= 1;
    }
  });
  b.ui.sections[section].fields.splice(target ?? b.ui.sections[section].fields.length, 0, name);
  return b;
}

export function removeField(body, name) {
  const b = normalise(body);
  delete b.schema.properties[name];
  if (b.ui.widgets) delete b.ui.widgets[name];
  b.schema.required = (b.schema.required || []).filter((r) => r !== name);
  b.ui.sections.forEach((s) => { s.fields = s.fields.filter((f) => f !== name); });
  for (const locale of Object.keys(b.i18n)) {
    for (const k of Object.keys(b.i18n[locale])) if (k.startsWith(`${name}.`)) delete b.i18n[locale][k];
  }
  b.rules = (b.rules || [])
    .map((r) => (r.fields ? { ...r, fields: r.fields.filter((f) => f !== name) } : r))
    .filter((r) => (r.fields ? r.fields.length > 0 : r.field !== name));
  if (!b.rules.length) delete b.rules;
  return b;
}

export function text(body, locale, key) {
  return body.i18n?.[locale]?.[key] ?? "";
}

export function setText(body, locale, key, value) {
  const b = normalise(body);
  const texts = { ...(b.i18n[locale] || {}) };
  if (value) texts[key] = value;
  else delete texts[key];
  b.i18n[locale] = texts;
  return b;
}

// The options of a choice field: values live in the schema's enum, texts in i18n.
export function optionValues(body, name) {
  const s = body.schema.properties[name] || {};
  return (s.type === "array" ? s.items?.enum : s.enum) || [];
}

export function setOptionValues(body, name, values) {
  const b = normalise(body);
  const s = b.schema.properties[name];
  if (s.type === "array") s.items = { ...(s.items || {}), type: "string", enum: values };
  else s.enum = values;
  const widget = b.ui.widgets?.[name];
  if (widget?.options) delete widget.options; // texts come from i18n <field>.option.<value>
  return b;
}

export function addSection(body) {
  const b = normalise(body);
  let n = b.ui.sections.length + 1;
  while (b.ui.sections.some((s) => s.id === `section_${n}`)) n += 1;
  b.ui.sections.push({ id: `section_${n}`, title: `Section ${n}`, fields: [] });
  return b;
}

// Which field (or rule) a compile error's pointer belongs to, for the badge on its card.
export function ownerOf(body, pointer) {
  const parts = pointer.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (parts[0] === "ui" && parts[1] === "sections" && parts[3] === "fields" && parts[4] !== undefined) {
    return { field: body.ui.sections[Number(parts[2])]?.fields?.[Number(parts[4])] };
  }
  if ((parts[0] === "schema" && parts[1] === "properties") || (parts[0] === "ui" && parts[1] === "widgets")) {
    return { field: parts[2] };
  }
  if (parts[0] === "rules") return { rule: Number(parts[1]) };
  return {};
}
