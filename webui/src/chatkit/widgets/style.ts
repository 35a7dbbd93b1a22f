/**
 * Style values for widgets. Widget JSON comes from servers (and so from
 * models): colours, lengths and borders pass strict filters here and become
 * React style objects (CSSOM, allowed under `style-src 'self'`), never CSS text.
 */
import type { CSSProperties } from "react";

export type AnyNode = { type: string; key?: string; id?: string; [k: string]: unknown };

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

export function length(value: unknown): string | undefined {
  if (typeof value === "number") return `${value * 4}px`;
  if (typeof value === "string" && SAFE_LENGTH.test(value)) return /\d$/.test(value) ? `${value}px` : value;
  return undefined;
}

export function spacing(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object") return length(value);
  const s = value as { top?: unknown; right?: unknown; bottom?: unknown; left?: unknown; x?: unknown; y?: unknown };
  const pick = (a: unknown, b: unknown) => length(a ?? b) ?? "0";
  return `${pick(s.top, s.y)} ${pick(s.right, s.x)} ${pick(s.bottom, s.y)} ${pick(s.left, s.x)}`;
}

export function border(value: unknown, scheme: "light" | "dark"): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return `${value}px solid var(--ck-border)`;
  if (typeof value === "object" && "size" in (value as object)) {
    const b = value as { size: number; color?: unknown; style?: string };
    const style = /^(solid|dashed|dotted|double)$/.test(b.style ?? "") ? b.style : "solid";
    return `${Number(b.size) || 1}px ${style} ${widgetColor(b.color, scheme) ?? "var(--ck-border)"}`;
  }
  return undefined;
}

export const ALIGN: Record<string, string> = { start: "flex-start", center: "center", end: "flex-end", baseline: "baseline", stretch: "stretch" };
export const JUSTIFY: Record<string, string> = { ...ALIGN, between: "space-between", around: "space-around", evenly: "space-evenly" };

export function boxStyle(node: AnyNode, scheme: "light" | "dark", direction: "row" | "column"): CSSProperties {
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

export function textStyle(node: AnyNode, scheme: "light" | "dark"): CSSProperties {
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

