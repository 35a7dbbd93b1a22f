/**
 * ChatKit widgets rendered with our own components. Widget JSON comes from the
 * server (and so, indirectly, from models): text is rendered as text, colours
 * and sizes pass a strict value filter, images obey the same origin rules as
 * markdown, and actions go back as threads.custom_action (or to
 * options.widgets.onAction for client-handled actions).
 */
import type { Widgets } from "@openai/chatkit";
import { useState, type CSSProperties, type FormEvent, type ReactElement, type ReactNode } from "react";
import { isAllowedImageSource } from "../render/sanitize";
import { Markdown } from "../ui/Markdown";
import { Icon } from "../ui/icons";

export type WidgetAction = { type: string; payload?: Record<string, unknown>; handler?: string };

export interface WidgetEnv {
  onAction: (action: WidgetAction, formValues?: Record<string, unknown>, itemId?: string) => void;
  imageDomains: readonly string[] | null;
  busy: boolean;
  scheme: "light" | "dark";
  blockedImageLabel: string;
}

type AnyNode = { type: string; key?: string; id?: string; [k: string]: unknown };

const COLOR_TOKENS: Record<string, string> = {
  primary: "var(--ck-text)",
  prose: "var(--ck-text)",
  emphasis: "var(--ck-text)",
  secondary: "var(--ck-muted)",
  tertiary: "var(--ck-faint)",
  success: "var(--ck-success)",
  danger: "var(--ck-danger)",
  warning: "var(--ck-warning)",
  caution: "var(--ck-warning)",
  info: "var(--ck-info)",
  discovery: "var(--ck-accent)",
  "surface": "var(--ck-bg)",
  "surface-secondary": "var(--ck-surface)",
  "surface-tertiary": "var(--ck-surface-2)",
};

const SAFE_COLOR = /^(#[0-9a-f]{3,8}|rgba?\([\d\s.,%/]+\)|hsla?\([\d\s.,%/deg]+\)|[a-z]{3,20})$/i;
const SAFE_LENGTH = /^-?\d+(\.\d+)?(px|rem|em|%|vh|vw)?$/;

export function widgetColor(value: unknown, scheme: "light" | "dark"): string | undefined {
  if (!value) return undefined;
  let v: unknown = value;
  if (typeof v === "object") v = (v as { light?: string; dark?: string })[scheme];
  if (typeof v !== "string") return undefined;
  const token = COLOR_TOKENS[v] ?? COLOR_TOKENS[v.replace(/^(alpha|text)-/, "")];
  if (token) return token;
  return SAFE_COLOR.test(v) ? v : undefined;
}

function length(value: unknown): string | undefined {
  if (typeof value === "number") return `${value * 4}px`;
  if (typeof value === "string" && SAFE_LENGTH.test(value)) return /\d$/.test(value) ? `${value}px` : value;
  return undefined;
}

function spacing(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object") return length(value);
  const s = value as { top?: unknown; right?: unknown; bottom?: unknown; left?: unknown; x?: unknown; y?: unknown };
  const pick = (a: unknown, b: unknown) => length(a ?? b) ?? "0";
  return `${pick(s.top, s.y)} ${pick(s.right, s.x)} ${pick(s.bottom, s.y)} ${pick(s.left, s.x)}`;
}

function border(value: unknown, scheme: "light" | "dark"): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return `${value}px solid var(--ck-border)`;
  if (typeof value === "object" && "size" in (value as object)) {
    const b = value as { size: number; color?: unknown; style?: string };
    const style = /^(solid|dashed|dotted|double)$/.test(b.style ?? "") ? b.style : "solid";
    return `${Number(b.size) || 1}px ${style} ${widgetColor(b.color, scheme) ?? "var(--ck-border)"}`;
  }
  return undefined;
}

const ALIGN: Record<string, string> = { start: "flex-start", center: "center", end: "flex-end", baseline: "baseline", stretch: "stretch" };
const JUSTIFY: Record<string, string> = { ...ALIGN, between: "space-between", around: "space-around", evenly: "space-evenly" };

function boxStyle(node: AnyNode, scheme: "light" | "dark", direction: "row" | "column"): CSSProperties {
  const style: CSSProperties = { display: "flex", flexDirection: direction };
  if (node.align) style.alignItems = ALIGN[String(node.align)];
  if (node.justify) style.justifyContent = JUSTIFY[String(node.justify)];
  if (node.wrap) style.flexWrap = node.wrap as CSSProperties["flexWrap"];
  if (node.flex !== undefined) style.flex = typeof node.flex === "number" ? node.flex : String(node.flex).replace(/[^\d .%a-z]/gi, "");
  const gap = length(node.gap);
  if (gap) style.gap = gap;
  const padding = spacing(node.padding);
  if (padding) style.padding = padding;
  const margin = spacing(node.margin);
  if (margin) style.margin = margin;
  const b = border(node.border, scheme);
  if (b) style.border = b;
  const bg = widgetColor(node.background, scheme);
  if (bg) style.background = bg;
  for (const key of ["height", "width", "minHeight", "minWidth", "maxHeight", "maxWidth"] as const) {
    const v = length(node[key]);
    if (v) style[key] = v;
  }
  if (node.radius) style.borderRadius = node.radius === "full" || node.radius === "100%" ? "999px" : "var(--ck-radius-md)";
  return style;
}

function textStyle(node: AnyNode, scheme: "light" | "dark"): CSSProperties {
  const style: CSSProperties = {};
  const color = widgetColor(node.color, scheme);
  if (color) style.color = color;
  if (node.weight) style.fontWeight = ({ normal: 400, medium: 500, semibold: 600, bold: 700 } as Record<string, number>)[String(node.weight)];
  if (node.textAlign) style.textAlign = node.textAlign as CSSProperties["textAlign"];
  if (node.italic) style.fontStyle = "italic";
  if (node.lineThrough) style.textDecoration = "line-through";
  if (typeof node.maxLines === "number") {
    style.display = "-webkit-box";
    style.WebkitLineClamp = node.maxLines;
    style.WebkitBoxOrient = "vertical";
    style.overflow = "hidden";
  }
  return style;
}

function Children({ nodes, env }: { nodes: unknown; env: WidgetEnv }): ReactElement {
  const list = Array.isArray(nodes) ? nodes : nodes ? [nodes] : [];
  return (
    <>
      {list.map((child, index) => (
        <WidgetNode key={(child as AnyNode)?.key ?? (child as AnyNode)?.id ?? index} node={child as AnyNode} env={env} />
      ))}
    </>
  );
}

function ActionButton({ node, env }: { node: AnyNode; env: WidgetEnv }): ReactElement {
  const action = node.onClickAction as WidgetAction | undefined;
  const variant = String(node.variant ?? (node.style === "secondary" ? "outline" : "solid"));
  const color = String(node.color ?? (node.style === "secondary" ? "secondary" : "primary"));
  return (
    <button
      type={node.submit ? "submit" : "button"}
      className={`ck-w-button ck-w-${variant} ck-w-color-${color.replace(/[^a-z]/g, "")}${node.block ? " ck-w-block" : ""}${node.pill ? " ck-w-pill" : ""} ck-w-size-${String(node.size ?? "md").replace(/[^a-z0-9]/g, "")}`}
      disabled={Boolean(node.disabled) || env.busy}
      onClick={
        node.submit || !action
          ? undefined
          : () => {
              env.onAction(action);
            }
      }
    >
      {node.iconStart ? <Icon name={String(node.iconStart)} size={16} /> : null}
      {node.label ? <span>{String(node.label)}</span> : null}
      {node.iconEnd ? <Icon name={String(node.iconEnd)} size={16} /> : null}
    </button>
  );
}

function FormBox({ node, env, className, children, style, action }: { node: AnyNode; env: WidgetEnv; className: string; children: ReactNode; style?: CSSProperties; action?: WidgetAction }): ReactElement {
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const values: Record<string, unknown> = {};
    new FormData(event.currentTarget).forEach((value, key) => {
      if (typeof value === "string") values[key] = value;
    });
    const chosen = submitter?.dataset.ckAction ? (JSON.parse(submitter.dataset.ckAction) as WidgetAction) : action;
    if (chosen) env.onAction(chosen, values);
  };
  void node;
  return (
    <form className={className} style={style} onSubmit={onSubmit}>
      {children}
    </form>
  );
}

export function WidgetNode({ node, env }: { node: AnyNode; env: WidgetEnv }): ReactElement | null {
  if (!node || typeof node !== "object") return null;
  const scheme = env.scheme;
  switch (node.type) {
    case "Card": {
      const card = node as unknown as Widgets.Card;
      const style: CSSProperties = {};
      const bg = widgetColor(card.background, scheme);
      if (bg) style.background = bg;
      const padding = spacing(card.padding);
      if (padding) style.padding = padding;
      const inner = (
        <>
          {card.status ? <div className="ck-w-status">{card.status.text}</div> : null}
          <div className="ck-w-card-body">
            <Children nodes={card.children} env={env} />
          </div>
          {card.confirm || card.cancel ? (
            <div className="ck-w-card-actions">
              {card.cancel ? (
                <button type="button" className="ck-w-button ck-w-outline ck-w-color-secondary" disabled={env.busy} onClick={() => env.onAction(card.cancel!.action as WidgetAction)}>
                  {card.cancel.label}
                </button>
              ) : null}
              {card.confirm ? (
                <button
                  type={card.asForm ? "submit" : "button"}
                  className="ck-w-button ck-w-solid ck-w-color-primary"
                  disabled={env.busy}
                  onClick={card.asForm ? undefined : () => env.onAction(card.confirm!.action as WidgetAction)}
                >
                  {card.confirm.label}
                </button>
              ) : null}
            </div>
          ) : null}
        </>
      );
      const className = `ck-w-card ck-w-card-${card.size ?? "md"}`;
      return card.asForm ? (
        <FormBox node={node} env={env} className={className} style={style} action={card.confirm?.action as WidgetAction | undefined}>
          {inner}
        </FormBox>
      ) : (
        <div className={className} style={style}>
          {inner}
        </div>
      );
    }
    case "ListView": {
      const list = node as unknown as Widgets.ListView;
      const limit = typeof list.limit === "number" ? list.limit : undefined;
      return <ListView list={list} limit={limit} env={env} />;
    }
    case "Basic":
      return (
        <div style={boxStyle(node, scheme, node.direction === "row" ? "row" : "column")} className="ck-w-basic">
          <Children nodes={node.children} env={env} />
        </div>
      );
    case "Box":
    case "Row":
    case "Col": {
      const direction = node.type === "Row" || node.direction === "row" ? "row" : "column";
      return (
        <div className={`ck-w-${node.type.toLowerCase()}`} style={boxStyle(node, scheme, direction)}>
          <Children nodes={node.children} env={env} />
        </div>
      );
    }
    case "Form":
      return (
        <FormBox node={node} env={env} className="ck-w-form" style={boxStyle(node, scheme, node.direction === "row" ? "row" : "column")} action={node.onSubmitAction as WidgetAction | undefined}>
          <Children nodes={node.children} env={env} />
        </FormBox>
      );
    case "Text":
      return (
        <p className={`ck-w-text ck-w-text-${String(node.size ?? "md").replace(/[^a-z0-9]/g, "")}${node.streaming ? " ck-streaming" : ""}`} style={textStyle(node, scheme)}>
          {String(node.value ?? "")}
        </p>
      );
    case "Title":
      return (
        <div role="heading" aria-level={3} className={`ck-w-title ck-w-title-${String(node.size ?? "md").replace(/[^a-z0-9]/g, "")}`} style={textStyle(node, scheme)}>
          {String(node.value ?? "")}
        </div>
      );
    case "Caption":
      return (
        <div className={`ck-w-caption ck-w-caption-${String(node.size ?? "md").replace(/[^a-z0-9]/g, "")}`} style={textStyle(node, scheme)}>
          {String(node.value ?? "")}
        </div>
      );
    case "Label":
      return (
        <label className="ck-w-label" style={textStyle(node, scheme)}>
          {String(node.value ?? "")}
        </label>
      );
    case "Markdown":
      return <Markdown text={String(node.value ?? "")} streaming={Boolean(node.streaming)} imageDomains={env.imageDomains} className="ck-w-markdown" />;
    case "Badge":
      return (
        <span className={`ck-w-badge ck-w-badge-${String(node.color ?? "secondary").replace(/[^a-z]/g, "")} ck-w-badge-${String(node.variant ?? "soft").replace(/[^a-z]/g, "")}${node.pill ? " ck-w-pill" : ""}`}>
          {String(node.label ?? "")}
        </span>
      );
    case "Icon": {
      const color = widgetColor(node.color, scheme);
      const sizes: Record<string, number> = { xs: 12, sm: 14, md: 16, lg: 20, xl: 24, "2xl": 28, "3xl": 32 };
      return (
        <span className="ck-w-icon" style={color ? { color } : undefined}>
          <Icon name={String(node.name ?? "dot")} size={sizes[String(node.size ?? "md")] ?? 16} />
        </span>
      );
    }
    case "Image": {
      const src = String(node.src ?? "");
      if (!isAllowedImageSource(src, { allowedImageDomains: env.imageDomains })) {
        return <span className="ck-img-blocked">{`[${String(node.alt || env.blockedImageLabel)}]`}</span>;
      }
      const style = boxStyle(node, scheme, "column");
      delete style.display;
      delete style.flexDirection;
      const size = length(node.size);
      if (size) {
        style.width = size;
        style.height = size;
      }
      if (node.aspectRatio) style.aspectRatio = String(node.aspectRatio).replace(/[^\d/ .]/g, "");
      if (node.fit) style.objectFit = node.fit as CSSProperties["objectFit"];
      return <img className={`ck-w-image${node.frame ? " ck-w-frame" : ""}`} src={src} alt={String(node.alt ?? "")} style={style} loading="lazy" />;
    }
    case "Button":
      return node.submit && node.onClickAction ? (
        <button type="submit" className="ck-w-button ck-w-solid ck-w-color-primary" data-ck-action={JSON.stringify(node.onClickAction)} disabled={Boolean(node.disabled) || env.busy}>
          {String(node.label ?? "")}
        </button>
      ) : (
        <ActionButton node={node} env={env} />
      );
    case "Divider": {
      const color = widgetColor(node.color, scheme);
      const space = length(node.spacing);
      return <hr className="ck-w-divider" style={{ ...(color ? { borderColor: color } : {}), ...(space ? { margin: `${space} 0` } : {}) }} />;
    }
    case "Spacer":
      return <div className="ck-w-spacer" style={{ flex: 1, minWidth: length(node.minSize), minHeight: length(node.minSize) }} />;
    case "Input":
      return (
        <input
          className="ck-w-input"
          name={String(node.name ?? "")}
          type={["number", "email", "text", "password", "tel", "url"].includes(String(node.inputType)) ? String(node.inputType) : "text"}
          defaultValue={node.defaultValue === undefined ? undefined : String(node.defaultValue)}
          placeholder={node.placeholder === undefined ? undefined : String(node.placeholder)}
          required={Boolean(node.required)}
          disabled={Boolean(node.disabled)}
          aria-label={String(node.placeholder ?? node.name ?? "")}
        />
      );
    case "Textarea":
      return (
        <textarea
          className="ck-w-input"
          name={String(node.name ?? "")}
          defaultValue={node.defaultValue === undefined ? undefined : String(node.defaultValue)}
          placeholder={node.placeholder === undefined ? undefined : String(node.placeholder)}
          rows={typeof node.rows === "number" ? node.rows : 3}
          required={Boolean(node.required)}
          disabled={Boolean(node.disabled)}
          aria-label={String(node.placeholder ?? node.name ?? "")}
        />
      );
    case "Select": {
      const options = (node.options as { value: string; label: string }[] | undefined) ?? [];
      const action = node.onChangeAction as WidgetAction | undefined;
      return (
        <select
          className="ck-w-input"
          name={String(node.name ?? "")}
          defaultValue={node.defaultValue === undefined ? "" : String(node.defaultValue)}
          disabled={Boolean(node.disabled)}
          aria-label={String(node.placeholder ?? node.name ?? "")}
          onChange={action ? (e) => env.onAction({ ...action, payload: { ...(action.payload ?? {}), value: e.target.value } }) : undefined}
        >
          {node.placeholder ? <option value="">{String(node.placeholder)}</option> : null}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    }
    case "Checkbox":
      return (
        <label className="ck-w-check">
          <input type="checkbox" name={String(node.name ?? "")} defaultChecked={Boolean(node.defaultChecked)} disabled={Boolean(node.disabled)} value="true" />
          <span>{String(node.label ?? "")}</span>
        </label>
      );
    case "Transition":
      return <Children nodes={node.children} env={env} />;
    case "Table":
      return (
        <div className="ck-table">
          <table>
            <tbody>
              {((node.children as AnyNode[] | undefined) ?? []).map((row, r) => (
                <tr key={row.key ?? row.id ?? r}>
                  {((row.children as AnyNode[] | undefined) ?? []).map((cell, c) =>
                    row.header ? (
                      <th key={cell.key ?? cell.id ?? c}>
                        <Children nodes={cell.children} env={env} />
                      </th>
                    ) : (
                      <td key={cell.key ?? cell.id ?? c}>
                        <Children nodes={cell.children} env={env} />
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    default:
      return null;
  }
}

function ListView({ list, limit, env }: { list: Widgets.ListView; limit: number | undefined; env: WidgetEnv }): ReactElement {
  const [expanded, setExpanded] = useState(false);
  const items = list.children ?? [];
  const shown = limit && !expanded ? items.slice(0, limit) : items;
  return (
    <div className="ck-w-list">
      {list.status ? <div className="ck-w-status">{list.status.text}</div> : null}
      <ul>
        {shown.map((item, index) => {
          const action = item.onClickAction as WidgetAction | undefined;
          const style: CSSProperties = { gap: length(item.gap) ?? "8px", alignItems: item.align ? ALIGN[item.align] : "center" };
          const body = <Children nodes={item.children} env={env} />;
          return (
            <li key={item.key ?? item.id ?? index}>
              {action ? (
                <button type="button" className="ck-w-list-item ck-w-clickable" style={style} disabled={env.busy} onClick={() => env.onAction(action)}>
                  {body}
                </button>
              ) : (
                <div className="ck-w-list-item" style={style}>
                  {body}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {limit && items.length > limit ? (
        <button type="button" className="ck-w-more" onClick={() => setExpanded(!expanded)}>
          {expanded ? "−" : `+${items.length - limit}`}
        </button>
      ) : null}
    </div>
  );
}

export function WidgetRoot({ widget, env }: { widget: Widgets.WidgetRoot; env: WidgetEnv }): ReactElement {
  return (
    <div className="ck-widget">
      <WidgetNode node={widget as unknown as AnyNode} env={env} />
    </div>
  );
}
