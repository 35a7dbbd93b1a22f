/**
 * ChatKit widgets rendered with our own components. Widget JSON comes from the
 * server (and so, indirectly, from models): text is rendered as text, colours
 * and sizes pass a strict value filter, images obey the same origin rules as
 * markdown. Actions go to the controller with the control they came from, so
 * the widget shows the pending state `loadingBehavior` asks for: a spinner on
 * the control ("self") or the whole widget busy ("container").
 */
import type { Widgets } from "@openai/chatkit";
import { lazy, Suspense, useState, type CSSProperties, type FormEvent, type ReactElement, type ReactNode } from "react";
import type { ActionOrigin, PendingWidgetAction, WidgetActionConfig } from "../state/widgetActions";
import { ALIGN, boxStyle, length, spacing, textStyle, widgetColor, type AnyNode } from "./style";
import { CheckboxControl, DatePickerControl, EditableText, formValues, InputControl, RadioGroupControl, SelectControl, TextareaControl } from "./controls";
import { isAllowedImageSource } from "../render/sanitize";
import { Markdown } from "../ui/Markdown";
import { ImageOrAlt } from "../ui/ImageOrAlt";
import { Icon } from "../ui/icons";

/** Charts carry d3-shape: loaded the first time one is shown. */
const Chart = lazy(() => import("./Chart"));

export type WidgetAction = WidgetActionConfig;

export interface WidgetEnv {
  onAction: (action: WidgetActionConfig, origin: ActionOrigin, formValues?: Record<string, unknown>) => void;
  imageDomains: readonly string[] | null;
  /** A response is streaming: actions wait. */
  busy: boolean;
  /** The action of this widget that is still running, if any. */
  pending: PendingWidgetAction | null;
  /** Controls are disabled: busy, or this whole widget is loading. */
  locked: boolean;
  scheme: "light" | "dark";
  blockedImageLabel: string;
  /** Said after an image's alt text when it could not be loaded. */
  imageFailedLabel: string;
  clearLabel: string;
  chartLabel: string;
}

/** The key that names a component in pending state: its id or key, else its place in the tree. */
function componentKey(node: AnyNode, path: string): string {
  return node.id ?? node.key ?? path;
}

function isLoading(env: WidgetEnv, key: string): boolean {
  return env.pending?.scope === "self" && env.pending.key === key;
}

function Children({ nodes, env, path }: { nodes: unknown; env: WidgetEnv; path: string }): ReactElement {
  const list = Array.isArray(nodes) ? nodes : nodes ? [nodes] : [];
  return (
    <>
      {list.map((child, index) => (
        <WidgetNode key={(child as AnyNode)?.key ?? (child as AnyNode)?.id ?? index} node={child as AnyNode} env={env} path={`${path}.${index}`} />
      ))}
    </>
  );
}

function Spinner(): ReactElement {
  return <span className="ck-spinner ck-w-spinner" aria-hidden="true" />;
}

function buttonClass(node: AnyNode): string {
  const variant = String(node.variant ?? (node.style === "secondary" ? "outline" : "solid")).replace(/[^a-z]/g, "");
  const color = String(node.color ?? (node.style === "secondary" ? "secondary" : "primary")).replace(/[^a-z]/g, "");
  const size = String(node.size ?? "md").replace(/[^a-z0-9]/g, "");
  return `ck-w-button ck-w-${variant} ck-w-color-${color}${node.block ? " ck-w-block" : ""}${node.pill ? " ck-w-pill" : ""}${node.uniform ? " ck-w-uniform" : ""} ck-w-size-${size}`;
}

const ICON_SIZES: Record<string, number> = { xs: 12, sm: 14, md: 16, lg: 20, xl: 24, "2xl": 28, "3xl": 32 };

function ActionButton({ node, env, path }: { node: AnyNode; env: WidgetEnv; path: string }): ReactElement {
  const action = node.onClickAction as WidgetActionConfig | undefined;
  const key = componentKey(node, path);
  const loading = isLoading(env, key);
  const iconSize = ICON_SIZES[String(node.iconSize ?? "md")] ?? 16;
  const submit = Boolean(node.submit);
  return (
    <button
      type={submit ? "submit" : "button"}
      className={buttonClass(node)}
      data-ck-key={submit ? key : undefined}
      data-ck-action={submit && action ? JSON.stringify(action) : undefined}
      disabled={Boolean(node.disabled) || env.locked}
      aria-busy={loading || undefined}
      onClick={submit || !action ? undefined : () => env.onAction(action, { key, selfLoading: true })}
    >
      {loading ? <Spinner /> : node.iconStart ? <Icon name={String(node.iconStart)} size={iconSize} /> : null}
      {node.label ? <span>{String(node.label)}</span> : null}
      {node.iconEnd ? <Icon name={String(node.iconEnd)} size={iconSize} /> : null}
    </button>
  );
}

function FormBox({ env, className, children, style, action, formKey }: { env: WidgetEnv; className: string; children: ReactNode; style?: CSSProperties; action?: WidgetActionConfig; formKey: string }): ReactElement {
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const chosen = submitter?.dataset.ckAction ? (JSON.parse(submitter.dataset.ckAction) as WidgetActionConfig) : action;
    const key = submitter?.dataset.ckKey ?? formKey;
    if (chosen) env.onAction(chosen, { key, selfLoading: Boolean(submitter) }, formValues(event.currentTarget));
  };
  return (
    <form className={className} style={style} onSubmit={onSubmit} noValidate={false}>
      {children}
    </form>
  );
}

function CardView({ node, env, path }: { node: AnyNode; env: WidgetEnv; path: string }): ReactElement {
  const card = node as unknown as Widgets.Card;
  const [collapsed, setCollapsed] = useState(Boolean(card.collapsed));
  const style: CSSProperties = {};
  const bg = widgetColor(card.background, env.scheme);
  if (bg) style.background = bg;
  const padding = spacing(card.padding);
  if (padding) style.padding = padding;
  const confirmKey = `${path}.confirm`;
  const cancelKey = `${path}.cancel`;
  const inner = (
    <>
      {card.status ? (
        <button type="button" className="ck-w-status" aria-expanded={!collapsed} onClick={() => setCollapsed(!collapsed)}>
          {"icon" in card.status && card.status.icon ? <Icon name={card.status.icon} size={14} /> : null}
          <span>{card.status.text}</span>
        </button>
      ) : null}
      {collapsed ? null : (
        <div className="ck-w-card-body">
          <Children nodes={card.children} env={env} path={path} />
        </div>
      )}
      {!collapsed && (card.confirm || card.cancel) ? (
        <div className="ck-w-card-actions">
          {card.cancel ? (
            <button
              type="button"
              className="ck-w-button ck-w-outline ck-w-color-secondary"
              disabled={env.locked}
              aria-busy={isLoading(env, cancelKey) || undefined}
              onClick={() => env.onAction(card.cancel!.action as WidgetActionConfig, { key: cancelKey, selfLoading: true })}
            >
              {isLoading(env, cancelKey) ? <Spinner /> : null}
              {card.cancel.label}
            </button>
          ) : null}
          {card.confirm ? (
            <button
              type={card.asForm ? "submit" : "button"}
              className="ck-w-button ck-w-solid ck-w-color-primary"
              disabled={env.locked}
              data-ck-key={confirmKey}
              aria-busy={isLoading(env, confirmKey) || undefined}
              onClick={card.asForm ? undefined : () => env.onAction(card.confirm!.action as WidgetActionConfig, { key: confirmKey, selfLoading: true })}
            >
              {isLoading(env, confirmKey) ? <Spinner /> : null}
              {card.confirm.label}
            </button>
          ) : null}
        </div>
      ) : null}
    </>
  );
  const className = `ck-w-card ck-w-card-${String(card.size ?? "md").replace(/[^a-z]/g, "")}`;
  return card.asForm ? (
    <FormBox env={env} className={className} style={style} action={card.confirm?.action as WidgetActionConfig | undefined} formKey={confirmKey}>
      {inner}
    </FormBox>
  ) : (
    <div className={className} style={style}>
      {inner}
    </div>
  );
}

function TableView({ node, env, path }: { node: AnyNode; env: WidgetEnv; path: string }): ReactElement {
  const rows = (node.children as AnyNode[] | undefined) ?? [];
  return (
    <div className="ck-table">
      <table>
        <tbody>
          {rows.map((row, r) => (
            <tr key={row.key ?? row.id ?? r}>
              {((row.children as AnyNode[] | undefined) ?? []).map((cell, c) => {
                const style: CSSProperties = {};
                if (cell.align) style.textAlign = ({ start: "left", center: "center", end: "right" } as const)[String(cell.align) as "start"] ?? undefined;
                if (cell.vAlign) style.verticalAlign = ({ start: "top", center: "middle", end: "bottom" } as const)[String(cell.vAlign) as "start"] ?? undefined;
                const width = length(cell.width);
                if (width) style.width = width;
                const padding = spacing(cell.padding);
                if (padding) style.padding = padding;
                const key = cell.key ?? cell.id ?? c;
                const props = {
                  style,
                  colSpan: typeof cell.colSpan === "number" ? cell.colSpan : undefined,
                  rowSpan: typeof cell.rowSpan === "number" ? cell.rowSpan : undefined,
                };
                const content = <Children nodes={cell.children} env={env} path={`${path}.${r}.${c}`} />;
                // The key apart: React warns when a key arrives inside spread props.
                return row.header ? (
                  <th key={key} {...props}>
                    {content}
                  </th>
                ) : (
                  <td key={key} {...props}>
                    {content}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function WidgetNode({ node, env, path }: { node: AnyNode; env: WidgetEnv; path: string }): ReactElement | null {
  if (!node || typeof node !== "object") return null;
  const scheme = env.scheme;
  switch (node.type) {
    case "Card":
      return <CardView node={node} env={env} path={path} />;
    case "ListView": {
      const list = node as unknown as Widgets.ListView;
      const limit = typeof list.limit === "number" ? list.limit : undefined;
      return <ListView list={list} limit={limit} env={env} path={path} />;
    }
    case "Basic":
      return (
        <div style={boxStyle(node, scheme, node.direction === "row" ? "row" : "column")} className="ck-w-basic">
          <Children nodes={node.children} env={env} path={path} />
        </div>
      );
    case "Box":
    case "Row":
    case "Col": {
      const direction = node.type === "Row" || node.direction === "row" ? "row" : "column";
      return (
        <div className={`ck-w-${node.type.toLowerCase()}`} style={boxStyle(node, scheme, direction)}>
          <Children nodes={node.children} env={env} path={path} />
        </div>
      );
    }
    case "Form":
      return (
        <FormBox env={env} className="ck-w-form" style={boxStyle(node, scheme, node.direction === "row" ? "row" : "column")} action={node.onSubmitAction as WidgetActionConfig | undefined} formKey={componentKey(node, path)}>
          <Children nodes={node.children} env={env} path={path} />
        </FormBox>
      );
    case "Text":
      if (node.editable && typeof node.editable === "object") return <EditableText node={node} env={env} />;
      return (
        <p className={`ck-w-text ck-w-text-${String(node.size ?? "md").replace(/[^a-z0-9]/g, "")}${node.streaming ? " ck-streaming" : ""}${node.truncate ? " ck-w-truncate" : ""}`} style={{ ...textStyle(node, scheme), width: length(node.width) }}>
          {String(node.value ?? "")}
        </p>
      );
    case "Title":
      return (
        <div role="heading" aria-level={3} className={`ck-w-title ck-w-title-${String(node.size ?? "md").replace(/[^a-z0-9]/g, "")}${node.truncate ? " ck-w-truncate" : ""}`} style={textStyle(node, scheme)}>
          {String(node.value ?? "")}
        </div>
      );
    case "Caption":
      return (
        <div className={`ck-w-caption ck-w-caption-${String(node.size ?? "md").replace(/[^a-z0-9]/g, "")}${node.truncate ? " ck-w-truncate" : ""}`} style={textStyle(node, scheme)}>
          {String(node.value ?? "")}
        </div>
      );
    case "Label":
      return (
        <label className={`ck-w-label ck-w-text-${String(node.size ?? "md").replace(/[^a-z0-9]/g, "")}`} style={textStyle(node, scheme)} data-field={node.fieldName === undefined ? undefined : String(node.fieldName)}>
          {String(node.value ?? "")}
        </label>
      );
    case "Markdown":
      return <Markdown text={String(node.value ?? "")} streaming={Boolean(node.streaming)} imageDomains={env.imageDomains} className="ck-w-markdown" />;
    case "Badge":
      return (
        <span className={`ck-w-badge ck-w-badge-${String(node.color ?? "secondary").replace(/[^a-z]/g, "")} ck-w-badge-${String(node.variant ?? "soft").replace(/[^a-z]/g, "")} ck-w-badge-size-${String(node.size ?? "md").replace(/[^a-z]/g, "")}${node.pill ? " ck-w-pill" : ""}`}>
          {String(node.label ?? "")}
        </span>
      );
    case "Icon": {
      const color = widgetColor(node.color, scheme);
      return (
        <span className="ck-w-icon" style={color ? { color } : undefined}>
          <Icon name={String(node.name ?? "dot")} size={ICON_SIZES[String(node.size ?? "md")] ?? 16} />
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
      if (typeof node.position === "string" && /^[a-z ]+$/.test(node.position)) style.objectPosition = node.position;
      return (
        <ImageOrAlt
          className={`ck-w-image${node.frame ? " ck-w-frame" : ""}${node.flush ? " ck-w-flush" : ""}`}
          src={src}
          alt={String(node.alt ?? "")}
          failedLabel={env.imageFailedLabel}
          style={style}
        />
      );
    }
    case "Button":
      return <ActionButton node={node} env={env} path={componentKey(node, path)} />;
    case "Divider": {
      const color = widgetColor(node.color, scheme);
      const space = length(node.spacing);
      const size = length(typeof node.size === "number" ? `${node.size}px` : node.size);
      return (
        <hr
          className={`ck-w-divider${node.flush ? " ck-w-flush" : ""}`}
          style={{ ...(color ? { borderColor: color } : {}), ...(space ? { margin: `${space} 0` } : {}), ...(size ? { borderTopWidth: size } : {}) }}
        />
      );
    }
    case "Spacer":
      return <div className="ck-w-spacer" style={{ flex: 1, minWidth: length(node.minSize), minHeight: length(node.minSize) }} />;
    case "Input":
      return <InputControl node={node} env={env} />;
    case "Textarea":
      return <TextareaControl node={node} env={env} />;
    case "Select":
      return <SelectControl node={node} env={env} origin={{ key: componentKey(node, path), selfLoading: false }} />;
    case "DatePicker":
      return <DatePickerControl node={node} env={env} origin={{ key: componentKey(node, path), selfLoading: false }} />;
    case "Checkbox":
      return <CheckboxControl node={node} env={env} origin={{ key: componentKey(node, path), selfLoading: false }} />;
    case "RadioGroup":
      return <RadioGroupControl node={node} env={env} origin={{ key: componentKey(node, path), selfLoading: false }} />;
    case "Transition":
      return <Children nodes={node.children} env={env} path={path} />;
    case "Table":
      return <TableView node={node} env={env} path={path} />;
    case "Chart":
      return (
        <Suspense fallback={<div className="ck-w-chart ck-w-chart-loading" role="status" aria-label={env.chartLabel} />}>
          <Chart node={node} scheme={scheme} />
        </Suspense>
      );
    default:
      return null;
  }
}

function ListView({ list, limit, env, path }: { list: Widgets.ListView; limit: number | undefined; env: WidgetEnv; path: string }): ReactElement {
  const [expanded, setExpanded] = useState(false);
  const items = list.children ?? [];
  const shown = limit && !expanded ? items.slice(0, limit) : items;
  return (
    <div className="ck-w-list">
      {list.status ? <div className="ck-w-status">{list.status.text}</div> : null}
      <ul>
        {shown.map((item, index) => {
          const action = item.onClickAction as WidgetActionConfig | undefined;
          const key = componentKey(item as unknown as AnyNode, `${path}.${index}`);
          const style: CSSProperties = { gap: length(item.gap) ?? "8px", alignItems: item.align ? ALIGN[item.align] : "center" };
          const body = <Children nodes={item.children} env={env} path={`${path}.${index}`} />;
          return (
            <li key={item.key ?? item.id ?? index}>
              {action ? (
                <button
                  type="button"
                  className="ck-w-list-item ck-w-clickable"
                  style={style}
                  disabled={env.locked}
                  aria-busy={isLoading(env, key) || undefined}
                  onClick={() => env.onAction(action, { key, selfLoading: true })}
                >
                  {body}
                  {isLoading(env, key) ? <Spinner /> : null}
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
  const container = env.pending?.scope === "container";
  return (
    <div className={`ck-widget${container ? " ck-w-loading" : ""}`} aria-busy={container || undefined}>
      <WidgetNode node={widget as unknown as AnyNode} env={env} path="w" />
      {container ? (
        <div className="ck-w-overlay" role="status">
          <Spinner />
        </div>
      ) : null}
    </div>
  );
}
