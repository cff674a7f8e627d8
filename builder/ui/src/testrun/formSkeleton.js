// A starting point for the JSON a form would submit: its fields with empty values of the
// right type (the first option for a choice), read from the newest published version.
// The builder edits it instead of remembering every field name.

function emptyOf(schema) {
  if (!schema || typeof schema !== "object") return "";
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "number": case "integer": return 0;
    case "boolean": return false;
    case "array": return [];
    case "object": return schema.properties ? skeletonOf(schema) : {};
    default: return "";
  }
}

/** Empty values for the schema's fields, in `order` first (the form's own order). */
export function skeletonOf(schema, order = []) {
  const properties = schema?.properties || {};
  const names = [...order.filter((n) => n in properties), ...Object.keys(properties).filter((n) => !order.includes(n))];
  const out = {};
  for (const name of names) out[name] = emptyOf(properties[name]);
  return out;
}

function fieldOrder(ui) {
  const names = [];
  for (const section of ui?.sections || []) {
    for (const field of section.fields || []) names.push(typeof field === "string" ? field : field?.id || field?.field);
  }
  return names.filter(Boolean);
}

/** The skeleton of form `key` as JSON text, or "" when it cannot be read. */
export async function formSkeleton(api, apiBase, key) {
  try {
    const detail = await api.get(`${apiBase}/definitions/form/${encodeURIComponent(key)}`);
    const published = (detail.versions || []).filter((v) => v.status === "published").map((v) => v.version);
    if (!published.length) return "";
    const row = await api.get(`${apiBase}/definitions/form/${encodeURIComponent(key)}/versions/${Math.max(...published)}`);
    const skeleton = skeletonOf(row.body?.schema, fieldOrder(row.body?.ui));
    return Object.keys(skeleton).length ? JSON.stringify(skeleton, null, 1) : "";
  } catch {
    return "";
  }
}
