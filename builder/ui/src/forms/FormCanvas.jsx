// The form canvas: sections holding field cards. Fields come from the palette or move
// between places by HTML5 drag and drop; the arrow buttons do the same from the keyboard.
import { useState } from "react";
import { TYPE_BY_NAME, fieldType, text } from "./model.js";

export const NEW_FIELD = "application/x-formloom-field";
export const MOVE_FIELD = "application/x-formloom-move";

function accepts(e) {
  return e.dataTransfer.types.includes(NEW_FIELD) || e.dataTransfer.types.includes(MOVE_FIELD);
}

function DropTarget({ section, index, onDrop, className, children, ...rest }) {
  const [over, setOver] = useState(false);
  return (
    <div
      {...rest}
      className={`${className}${over ? " fm-drop-over" : ""}`}
      onDragOver={(e) => { if (accepts(e)) { e.preventDefault(); e.stopPropagation(); setOver(true); } }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setOver(false);
        const type = e.dataTransfer.getData(NEW_FIELD);
        const name = e.dataTransfer.getData(MOVE_FIELD);
        onDrop({ type, name, section, index });
      }}
    >
      {children}
    </div>
  );
}

function FieldCard({ body, name, section, index, count, selected, errors, ruled, actions }) {
  const type = fieldType(body, name);
  const required = (body.schema.required || []).includes(name);
  const label = text(body, "en", `${name}.label`) || name;
  return (
    <DropTarget section={section} index={index} onDrop={actions.drop} className="fm-slot">
      <div
        className={`fm-card${selected ? " fm-selected" : ""}${errors.length ? " fm-has-error" : ""}`}
        data-field={name}
        draggable
        onDragStart={(e) => { e.dataTransfer.setData(MOVE_FIELD, name); e.dataTransfer.effectAllowed = "move"; }}
        onClick={() => actions.select(name)}
        role="button"
        tabIndex={0}
        onKeyDown={(e) => { if (e.key === "Enter") actions.select(name); }}
        aria-label={`Field ${label}`}
      >
        <span className="fm-card-icon" aria-hidden="true">{TYPE_BY_NAME[type]?.icon || "?"}</span>
        <span className="fm-card-text">
          <strong>{label}{required && <span className="fm-required" title="required"> *</span>}</strong>
          <small><code>{name}</code> · {TYPE_BY_NAME[type]?.label || type}{ruled ? " · has rules" : ""}</small>
          {errors.map((e, i) => <small key={i} className="fm-card-error" title={e.pointer}>{e.message}</small>)}
        </span>
        <span className="fm-card-actions">
          <button type="button" className="fl-icon-btn" aria-label={`Move ${name} up`} disabled={index === 0} onClick={(e) => { e.stopPropagation(); actions.move(name, section, index - 1); }}>↑</button>
          <button type="button" className="fl-icon-btn" aria-label={`Move ${name} down`} disabled={index === count - 1} onClick={(e) => { e.stopPropagation(); actions.move(name, section, index + 2); }}>↓</button>
          <button type="button" className="fl-icon-btn" aria-label={`Remove ${name}`} onClick={(e) => { e.stopPropagation(); actions.remove(name); }}>×</button>
        </span>
      </div>
    </DropTarget>
  );
}

export default function FormCanvas({ body, selected, errorsByField, ruledFields, actions }) {
  return (
    <div className="fm-canvas" aria-label="Form canvas">
      {body.ui.sections.map((section, si) => (
        <section key={section.id} className="fm-section" data-section={section.id}>
          <header className="fm-section-head">
            <input
              aria-label={`Section ${si + 1} title`}
              value={section.title || ""}
              placeholder="Section title"
              onChange={(e) => actions.sectionTitle(si, e.target.value)}
            />
            <input
              aria-label={`Section ${si + 1} title (zh-CN)`}
              lang="zh-CN"
              value={text(body, "zh-CN", `section.${section.id}.title`)}
              placeholder="标题 (zh-CN)"
              onChange={(e) => actions.sectionTitleZh(section.id, e.target.value)}
            />
            {body.ui.sections.length > 1 && section.fields.length === 0 && (
              <button type="button" className="fl-icon-btn" aria-label="Remove section" onClick={() => actions.removeSection(si)}>×</button>
            )}
          </header>
          {section.fields.map((name, fi) => (
            <FieldCard
              key={name}
              body={body}
              name={name}
              section={si}
              index={fi}
              count={section.fields.length}
              selected={selected === name}
              errors={errorsByField[name] || []}
              ruled={ruledFields.has(name)}
              actions={actions}
            />
          ))}
          <DropTarget section={si} index={section.fields.length} onDrop={actions.drop} className="fm-drop-end" data-drop-section={section.id}>
            {section.fields.length === 0 ? "Drag fields here" : "Drop here to add at the end"}
          </DropTarget>
        </section>
      ))}
      <button type="button" className="fl-link fm-add-section" onClick={actions.addSection}>+ Add section</button>
    </div>
  );
}
