/**
 * Widget form controls (Input, Textarea, Select, DatePicker, Checkbox,
 * RadioGroup, editable Text) as native elements, so keyboard use, focus and
 * validation come from the browser. Each carries its `name` into the
 * enclosing Form's values; an `onChangeAction` fires with the new value in
 * its payload under `value`.
 */
import { useEffect, useRef, useState, type ReactElement } from "react";
import type { ActionOrigin, WidgetActionConfig } from "../state/widgetActions";
import type { AnyNode } from "./style";
import { textStyle } from "./style";
import type { WidgetEnv } from "./Widget";

const INPUT_TYPES = new Set(["number", "email", "text", "password", "tel", "url"]);

const str = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));
const sizeClass = (value: unknown): string => `ck-w-size-${String(value ?? "md").replace(/[^a-z0-9]/g, "")}`;

/** Values of every named control in a form: checkboxes as booleans, radios by their checked option. */
export function formValues(form: HTMLFormElement): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const element of Array.from(form.elements)) {
    if (!(element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement)) continue;
    if (!element.name) continue;
    if (element instanceof HTMLInputElement && element.type === "checkbox") values[element.name] = element.checked;
    else if (element instanceof HTMLInputElement && element.type === "radio") {
      if (element.checked) values[element.name] = element.value;
      else if (!(element.name in values)) values[element.name] = null;
    } else values[element.name] = element.value;
  }
  return values;
}

function changeAction(node: AnyNode, env: WidgetEnv, origin: ActionOrigin): ((value: unknown) => void) | undefined {
  const action = node.onChangeAction as WidgetActionConfig | undefined;
  if (!action) return undefined;
  return (value) => env.onAction({ ...action, payload: { ...(action.payload ?? {}), value } }, origin);
}

/** Select everything on mount (`autoSelect`); autofocus is the browser's. */
function useAutoSelect<T extends HTMLInputElement | HTMLTextAreaElement>(on: boolean) {
  const ref = useRef<T | null>(null);
  useEffect(() => {
    if (on) ref.current?.select();
  }, [on]);
  return ref;
}

export function InputControl({ node, env }: { node: AnyNode; env: WidgetEnv }): ReactElement {
  const ref = useAutoSelect<HTMLInputElement>(Boolean(node.autoSelect));
  const type = INPUT_TYPES.has(String(node.inputType)) ? String(node.inputType) : "text";
  return (
    <input
      ref={ref}
      className={`ck-w-input ck-w-input-${node.variant === "soft" ? "soft" : "outline"} ${sizeClass(node.size)}${node.pill ? " ck-w-pill" : ""}`}
      name={String(node.name ?? "")}
      type={type}
      defaultValue={str(node.defaultValue)}
      placeholder={str(node.placeholder)}
      pattern={str(node.pattern)}
      required={Boolean(node.required)}
      disabled={Boolean(node.disabled) || env.locked}
      autoFocus={Boolean(node.autoFocus)}
      autoComplete={node.allowAutofillExtensions ? undefined : "off"}
      aria-label={String(node.placeholder ?? node.name ?? "")}
    />
  );
}

export function TextareaControl({ node, env }: { node: AnyNode; env: WidgetEnv }): ReactElement {
  const ref = useAutoSelect<HTMLTextAreaElement>(Boolean(node.autoSelect));
  const rows = typeof node.rows === "number" ? node.rows : 3;
  const maxRows = typeof node.maxRows === "number" ? node.maxRows : 12;
  const [height, setHeight] = useState(rows);
  return (
    <textarea
      ref={ref}
      className={`ck-w-input ck-w-input-${node.variant === "soft" ? "soft" : "outline"} ${sizeClass(node.size)}`}
      name={String(node.name ?? "")}
      defaultValue={str(node.defaultValue)}
      placeholder={str(node.placeholder)}
      rows={node.autoResize ? height : rows}
      required={Boolean(node.required)}
      disabled={Boolean(node.disabled) || env.locked}
      autoFocus={Boolean(node.autoFocus)}
      aria-label={String(node.placeholder ?? node.name ?? "")}
      onInput={
        node.autoResize
          ? (event) => setHeight(Math.min(maxRows, Math.max(rows, event.currentTarget.value.split("\n").length)))
          : undefined
      }
    />
  );
}

export function SelectControl({ node, env, origin }: { node: AnyNode; env: WidgetEnv; origin: ActionOrigin }): ReactElement {
  const options = (node.options as { value: string; label: string }[] | undefined) ?? [];
  const onChange = changeAction(node, env, origin);
  const [value, setValue] = useState(str(node.defaultValue) ?? "");
  return (
    <span className={`ck-w-select${node.block ? " ck-w-block" : ""}`}>
      <select
        className={`ck-w-input ${sizeClass(node.size)}${node.pill ? " ck-w-pill" : ""}`}
        name={String(node.name ?? "")}
        value={value}
        disabled={Boolean(node.disabled) || env.locked}
        aria-label={String(node.placeholder ?? node.name ?? "")}
        onChange={(event) => {
          setValue(event.target.value);
          onChange?.(event.target.value);
        }}
      >
        {node.placeholder || node.clearable || !value ? <option value="">{String(node.placeholder ?? "")}</option> : null}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {node.clearable && value ? (
        <button
          type="button"
          className="ck-w-clear"
          aria-label={env.clearLabel}
          disabled={Boolean(node.disabled) || env.locked}
          onClick={() => {
            setValue("");
            onChange?.(null);
          }}
        >
          ×
        </button>
      ) : null}
    </span>
  );
}

/** The calendar date of an ISO datetime ("2026-12-02T10:00:00Z" -> "2026-12-02"); empty when it is not one. */
export function isoDate(value: unknown): string {
  if (typeof value !== "string") return "";
  const match = /^(\d{4}-\d{2}-\d{2})/.exec(value);
  return match ? match[1]! : "";
}

export function DatePickerControl({ node, env, origin }: { node: AnyNode; env: WidgetEnv; origin: ActionOrigin }): ReactElement {
  const onChange = changeAction(node, env, origin);
  const [value, setValue] = useState(isoDate(node.defaultValue));
  const disabled = Boolean(node.disabled) || env.locked;
  return (
    <span className={`ck-w-date${node.block ? " ck-w-block" : ""}`}>
      <input
        type="date"
        className={`ck-w-input ${sizeClass(node.size)}${node.pill ? " ck-w-pill" : ""}`}
        name={String(node.name ?? "")}
        value={value}
        min={isoDate(node.min) || undefined}
        max={isoDate(node.max) || undefined}
        disabled={disabled}
        aria-label={String(node.placeholder ?? node.name ?? "")}
        onChange={(event) => {
          setValue(event.target.value);
          onChange?.(event.target.value || null);
        }}
      />
      {node.clearable && value ? (
        <button
          type="button"
          className="ck-w-clear"
          aria-label={env.clearLabel}
          disabled={disabled}
          onClick={() => {
            setValue("");
            onChange?.(null);
          }}
        >
          ×
        </button>
      ) : null}
    </span>
  );
}

export function CheckboxControl({ node, env, origin }: { node: AnyNode; env: WidgetEnv; origin: ActionOrigin }): ReactElement {
  const onChange = changeAction(node, env, origin);
  return (
    <label className="ck-w-check">
      <input
        type="checkbox"
        name={String(node.name ?? "")}
        defaultChecked={Boolean(node.defaultChecked)}
        disabled={Boolean(node.disabled) || env.locked}
        required={Boolean(node.required)}
        onChange={onChange ? (event) => onChange(event.target.checked) : undefined}
      />
      <span>{String(node.label ?? "")}</span>
    </label>
  );
}

export function RadioGroupControl({ node, env, origin }: { node: AnyNode; env: WidgetEnv; origin: ActionOrigin }): ReactElement {
  const options = (node.options as { value: string; label: string; disabled?: boolean }[] | undefined) ?? [];
  const onChange = changeAction(node, env, origin);
  const name = String(node.name ?? "");
  const groupDisabled = Boolean(node.disabled) || env.locked;
  return (
    <div
      role="radiogroup"
      aria-label={String(node.ariaLabel ?? name)}
      aria-required={node.required ? true : undefined}
      className={`ck-w-radios ck-w-radios-${node.direction === "col" ? "col" : "row"}`}
    >
      {options.map((option) => (
        <label key={option.value} className="ck-w-check">
          <input
            type="radio"
            name={name}
            value={option.value}
            defaultChecked={node.defaultValue === option.value}
            disabled={groupDisabled || Boolean(option.disabled)}
            required={Boolean(node.required)}
            onChange={onChange ? () => onChange(option.value) : undefined}
          />
          <span>{option.label}</span>
        </label>
      ))}
    </div>
  );
}

/** Text with `editable`: an input named like the field, prefilled with the text. */
export function EditableText({ node, env }: { node: AnyNode; env: WidgetEnv }): ReactElement {
  const editable = node.editable as { name: string; autoFocus?: boolean; autoSelect?: boolean; autoComplete?: string; pattern?: string; placeholder?: string; required?: boolean };
  const ref = useAutoSelect<HTMLInputElement>(Boolean(editable.autoSelect));
  return (
    <input
      ref={ref}
      className="ck-w-input ck-w-text-edit"
      style={textStyle(node, env.scheme)}
      name={editable.name}
      defaultValue={String(node.value ?? "")}
      placeholder={editable.placeholder}
      pattern={editable.pattern}
      required={Boolean(editable.required)}
      autoFocus={Boolean(editable.autoFocus)}
      autoComplete={editable.autoComplete ?? "off"}
      disabled={env.locked}
      aria-label={editable.placeholder ?? editable.name}
    />
  );
}
