/**
 * The Chart widget (chatkit-python `Chart`: bar, line and area series over
 * categorical rows, stacking, d3 curve names) drawn as SVG with d3-shape's
 * path generators. Loaded with a dynamic import the first time a chart shows,
 * so the first-load bundle does not carry it. SVG built by React is inert
 * (no script, no CSS text) and keeps working under the page's CSP; every
 * value is also in a visually hidden table for screen readers.
 */
import {
  area,
  curveBasis,
  curveBasisClosed,
  curveBasisOpen,
  curveBumpX,
  curveBumpY,
  curveLinear,
  curveLinearClosed,
  curveMonotoneX,
  curveMonotoneY,
  curveNatural,
  curveStep,
  curveStepAfter,
  curveStepBefore,
  line,
  type CurveFactory,
} from "d3-shape";
import type { ReactElement } from "react";
import { length, widgetColor, type AnyNode } from "./style";

export interface ChartSeries {
  type: "bar" | "line" | "area";
  dataKey: string;
  label?: string | null;
  stack?: string | null;
  color?: string | { light: string; dark: string } | null;
  curveType?: string | null;
}

type Row = Record<string, string | number>;

const CURVES: Record<string, CurveFactory> = {
  basis: curveBasis,
  basisClosed: curveBasisClosed,
  basisOpen: curveBasisOpen,
  bumpX: curveBumpX,
  bumpY: curveBumpY,
  bump: curveBumpX,
  linear: curveLinear,
  linearClosed: curveLinearClosed,
  natural: curveNatural,
  monotoneX: curveMonotoneX,
  monotoneY: curveMonotoneY,
  monotone: curveMonotoneX,
  step: curveStep,
  stepBefore: curveStepBefore,
  stepAfter: curveStepAfter,
};

/** The chart colour tokens of the spec, in the order series get them by default. */
const PALETTE: Record<string, { light: string; dark: string }> = {
  blue: { light: "#2563eb", dark: "#60a5fa" },
  purple: { light: "#7c3aed", dark: "#a78bfa" },
  orange: { light: "#ea580c", dark: "#fb923c" },
  green: { light: "#16a34a", dark: "#4ade80" },
  red: { light: "#dc2626", dark: "#f87171" },
  yellow: { light: "#ca8a04", dark: "#facc15" },
  pink: { light: "#db2777", dark: "#f472b6" },
};
const ORDER = Object.keys(PALETTE);

/** A series' own colour: chart token, primitive token (`red-500` -> red), CSS colour or {light, dark}; null when it has none usable. */
function ownColor(color: ChartSeries["color"], scheme: "light" | "dark"): string | null {
  const raw = color && typeof color === "object" ? color[scheme] : color;
  if (typeof raw !== "string") return null;
  const token = PALETTE[raw] ?? PALETTE[raw.replace(/-\d+$/, "")];
  if (token) return token[scheme];
  return widgetColor(raw, scheme) ?? null;
}

/** A series colour on its own: its own colour, else the default at its index. */
export function seriesColor(color: ChartSeries["color"], index: number, scheme: "light" | "dark"): string {
  return ownColor(color, scheme) ?? PALETTE[ORDER[index % ORDER.length]!]![scheme];
}

/**
 * The colour of every series of one chart. Series with their own colour keep it;
 * the others take the default colours in order, skipping those already in use, so
 * no two series look alike until the palette runs out (then it starts over).
 */
export function seriesColors(series: readonly Pick<ChartSeries, "color">[], scheme: "light" | "dark"): string[] {
  const own = series.map((s) => ownColor(s.color, scheme));
  const used = new Set(own.filter((c): c is string => c !== null).map((c) => c.toLowerCase()));
  const defaults = ORDER.map((name) => PALETTE[name]![scheme]);
  let next = 0;
  return own.map((color) => {
    if (color !== null) return color;
    const free = defaults.find((candidate) => !used.has(candidate.toLowerCase()));
    const chosen = free ?? defaults[next++ % defaults.length]!;
    used.add(chosen.toLowerCase());
    return chosen;
  });
}

const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : Number(value) || 0);

/** Round step for about five y-axis ticks. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (max === min) max = min + 1;
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  const end = Math.ceil(max / step) * step;
  for (let v = Math.floor(min / step) * step; v <= end + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${value / 1e9}B`;
  if (abs >= 1e6) return `${value / 1e6}M`;
  if (abs >= 1e3) return `${value / 1e3}k`;
  return String(value);
}

const WIDTH = 600;

export default function Chart({ node, scheme }: { node: AnyNode; scheme: "light" | "dark" }): ReactElement {
  const rows = (Array.isArray(node.data) ? node.data : []) as Row[];
  const series = (Array.isArray(node.series) ? node.series : []) as ChartSeries[];
  const axis = typeof node.xAxis === "string" ? { dataKey: node.xAxis } : ((node.xAxis ?? { dataKey: "" }) as { dataKey: string; hide?: boolean; labels?: Record<string, string> });
  const showY = node.showYAxis !== false;
  const showX = !axis.hide;
  const height = typeof node.height === "number" ? Math.max(80, node.height * (node.height < 100 ? 4 : 1)) : 220;
  const left = showY ? 44 : 8;
  const bottom = showX ? 24 : 6;
  const plotW = WIDTH - left - 8;
  const plotH = height - bottom - 8;
  const top = 8;

  // Stacked series add up per row within their stack id; the rest start at 0.
  const stackBase = new Map<string, number[]>();
  const spans = series.map((s) => {
    const values = rows.map((row) => num(row[s.dataKey]));
    if (s.type === "line" || !s.stack) return values.map((v) => [0, v] as const);
    const base = stackBase.get(s.stack) ?? rows.map(() => 0);
    const out = values.map((v, i) => [base[i]!, base[i]! + v] as const);
    stackBase.set(s.stack, out.map((span) => span[1]));
    return out;
  });
  const all = spans.flat().flat();
  const ticks = niceTicks(Math.min(0, ...all), Math.max(0, ...all));
  const yMin = ticks[0]!;
  const yMax = ticks[ticks.length - 1]!;
  const y = (v: number) => top + plotH - ((v - yMin) / (yMax - yMin || 1)) * plotH;

  const band = plotW / Math.max(1, rows.length);
  const center = (i: number) => left + band * (i + 0.5);
  // Bars: one slot per unstacked bar series or per stack id.
  const slots: string[] = [];
  series.forEach((s, i) => {
    if (s.type !== "bar") return;
    const slot = s.stack ? `stack:${s.stack}` : `series:${i}`;
    if (!slots.includes(slot)) slots.push(slot);
  });
  const categoryGap = typeof node.barCategoryGap === "number" ? node.barCategoryGap : Math.min(24, band * 0.25);
  const barGap = typeof node.barGap === "number" ? node.barGap : 4;
  const slotW = Math.max(1, (band - categoryGap - barGap * Math.max(0, slots.length - 1)) / Math.max(1, slots.length));
  const tooltip = node.showTooltip !== false;
  const colors = seriesColors(series, scheme);
  const label = (row: Row) => {
    const key = String(row[axis.dataKey] ?? "");
    return axis.labels?.[key] ?? key;
  };
  const style = { width: length(node.width) ?? "100%", maxWidth: length(node.maxWidth), flex: typeof node.flex === "number" ? node.flex : undefined };

  return (
    <figure className="ck-w-chart" style={style}>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={series.map((s) => s.label ?? s.dataKey).join(", ")} className="ck-w-chart-svg">
        {showY
          ? ticks.map((tick) => (
              <g key={tick} className="ck-w-chart-grid">
                <line x1={left} x2={WIDTH - 8} y1={y(tick)} y2={y(tick)} />
                <text x={left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
                  {formatTick(tick)}
                </text>
              </g>
            ))
          : null}
        {series.map((s, si) => {
          const color = colors[si]!;
          const span = spans[si]!;
          const name = s.label ?? s.dataKey;
          if (s.type === "bar") {
            const slot = slots.indexOf(s.stack ? `stack:${s.stack}` : `series:${si}`);
            return (
              <g key={si} className="ck-w-chart-bars" fill={color}>
                {span.map(([from, to], i) => (
                  <rect
                    key={i}
                    x={left + band * i + categoryGap / 2 + slot * (slotW + barGap)}
                    y={Math.min(y(from), y(to))}
                    width={slotW}
                    height={Math.abs(y(from) - y(to))}
                    rx={2}
                  >
                    {tooltip ? <title>{`${label(rows[i]!)} · ${name}: ${rows[i]![s.dataKey] ?? 0}`}</title> : null}
                  </rect>
                ))}
              </g>
            );
          }
          const curve = CURVES[s.curveType ?? "monotone"] ?? curveMonotoneX;
          const points = span.map(([from, to], i) => ({ x: center(i), from, to }));
          const path =
            s.type === "area"
              ? area<(typeof points)[number]>()
                  .x((p) => p.x)
                  .y0((p) => y(p.from))
                  .y1((p) => y(p.to))
                  .curve(curve)(points)
              : line<(typeof points)[number]>()
                  .x((p) => p.x)
                  .y((p) => y(p.to))
                  .curve(curve)(points);
          return (
            <g key={si} className={`ck-w-chart-${s.type}`}>
              <path d={path ?? ""} fill={s.type === "area" ? color : "none"} fillOpacity={s.type === "area" ? 0.25 : undefined} stroke={color} strokeWidth={2} />
              {tooltip
                ? points.map((p, i) => (
                    <circle key={i} cx={p.x} cy={y(p.to)} r={3} fill={color}>
                      <title>{`${label(rows[i]!)} · ${name}: ${rows[i]![s.dataKey] ?? 0}`}</title>
                    </circle>
                  ))
                : null}
            </g>
          );
        })}
        {showX
          ? rows.map((row, i) => (
              <text key={i} className="ck-w-chart-x" x={center(i)} y={height - 6} textAnchor="middle">
                {label(row)}
              </text>
            ))
          : null}
      </svg>
      {node.showLegend !== false && series.length > 1 ? (
        <figcaption className="ck-w-chart-legend">
          {series.map((s, si) => (
            <span key={si}>
              <i style={{ background: colors[si] }} />
              {s.label ?? s.dataKey}
            </span>
          ))}
        </figcaption>
      ) : null}
      <table className="ck-sr-only">
        <thead>
          <tr>
            <th>{axis.dataKey}</th>
            {series.map((s, si) => (
              <th key={si}>{s.label ?? s.dataKey}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <th>{label(row)}</th>
              {series.map((s, si) => (
                <td key={si}>{String(row[s.dataKey] ?? "")}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
