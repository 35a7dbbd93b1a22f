/**
 * Maps ChatKitOptions.theme onto CSS custom properties. The light and dark
 * palettes are designed separately (not an inversion); the accent colour is
 * checked against the background so links and buttons keep WCAG AA contrast.
 */
import type { ChatKitOptions, ThemeOption } from "@openai/chatkit";

export type Scheme = "light" | "dark";

type RGB = [number, number, number];

export function parseColor(value: string): RGB | null {
  const v = value.trim().toLowerCase();
  let m = /^#([0-9a-f]{3})$/.exec(v);
  if (m) {
    const [r, g, b] = m[1]!.split("").map((c) => parseInt(c + c, 16));
    return [r!, g!, b!];
  }
  m = /^#([0-9a-f]{6})(?:[0-9a-f]{2})?$/.exec(v);
  if (m) {
    const n = parseInt(m[1]!, 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  m = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/.exec(v);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return null;
}

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function luminance([r, g, b]: RGB): number {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrast(a: RGB, b: RGB): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function mix(a: RGB, b: RGB, t: number): RGB {
  return [0, 1, 2].map((i) => Math.round(a[i]! + (b[i]! - a[i]!) * t)) as RGB;
}

function hex([r, g, b]: RGB): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

/** Move `color` towards black or white until it reaches `ratio` against `bg`. */
function ensureContrast(color: RGB, bg: RGB, ratio: number): RGB {
  if (contrast(color, bg) >= ratio) return color;
  const target: RGB = luminance(bg) > 0.5 ? [0, 0, 0] : [255, 255, 255];
  for (let t = 0.05; t <= 1; t += 0.05) {
    const candidate = mix(color, target, t);
    if (contrast(candidate, bg) >= ratio) return candidate;
  }
  return target;
}

function hslToRgb(h: number, s: number, l: number): RGB {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

const LIGHT = {
  bg: "#ffffff",
  sidebar: "#f7f7f8",
  surface: "#f2f2f4",
  surface2: "#e9e9ec",
  border: "#e2e2e6",
  borderStrong: "#c9c9cf",
  text: "#1c1c1f",
  muted: "#5d5e66",
  faint: "#6b6c75",
  codeBg: "#f6f7f9",
  codeHead: "#eceef2",
  accent: "#2563eb",
  danger: "#b42318",
  dangerBg: "#fdf0ef",
  warning: "#8a5300",
  warningBg: "#fff6e5",
  info: "#1d4ed8",
  infoBg: "#eef3ff",
  success: "#137a3a",
  shadow: "0 1px 2px rgba(16,24,40,.06), 0 4px 16px rgba(16,24,40,.06)",
};

const DARK: typeof LIGHT = {
  bg: "#1a1b1e",
  sidebar: "#141517",
  surface: "#2a2b30",
  surface2: "#33353b",
  border: "#2f3136",
  borderStrong: "#45474e",
  text: "#ececf0",
  muted: "#a6a7b0",
  faint: "#91929b",
  codeBg: "#111215",
  codeHead: "#1c1d21",
  accent: "#7aa2ff",
  danger: "#ff8a80",
  dangerBg: "#3a1f1d",
  warning: "#f5c46b",
  warningBg: "#33291a",
  info: "#93b4ff",
  infoBg: "#1d2740",
  success: "#6fd39a",
  shadow: "0 1px 2px rgba(0,0,0,.4), 0 6px 20px rgba(0,0,0,.35)",
};

const RADII = {
  pill: { sm: "999px", md: "18px", lg: "24px", bubble: "20px" },
  round: { sm: "10px", md: "14px", lg: "20px", bubble: "18px" },
  soft: { sm: "6px", md: "10px", lg: "14px", bubble: "14px" },
  sharp: { sm: "2px", md: "4px", lg: "6px", bubble: "6px" },
};

const DENSITY = { compact: 0.75, normal: 1, spacious: 1.25 };

export function themeOption(options: ChatKitOptions | null): ThemeOption {
  const theme = options?.theme;
  if (!theme) return {};
  if (typeof theme === "string") return { colorScheme: theme };
  return theme;
}

/** "system" is accepted too (not in the official type): follow the OS. */
export function requestedScheme(options: ChatKitOptions | null): Scheme | "system" {
  const scheme = themeOption(options).colorScheme as string | undefined;
  if (scheme === "dark" || scheme === "light" || scheme === "system") return scheme;
  return "light";
}

export function themeVariables(options: ChatKitOptions | null, scheme: Scheme): Record<string, string> {
  const theme = themeOption(options);
  const base = { ...(scheme === "dark" ? DARK : LIGHT) };
  const grayscale = theme.color?.grayscale;
  if (grayscale) {
    // Tint the neutrals with the requested hue, keeping each step's lightness.
    const sat = Math.min(0.3, grayscale.tint * 0.03);
    const shade = (grayscale.shade ?? 0) * 0.01;
    const tone = (l: number) => hex(hslToRgb(grayscale.hue, sat, Math.max(0, Math.min(1, l + shade))));
    if (scheme === "dark") {
      Object.assign(base, { bg: tone(0.11), sidebar: tone(0.085), surface: tone(0.18), surface2: tone(0.22), border: tone(0.2), borderStrong: tone(0.29), codeBg: tone(0.07), codeHead: tone(0.12) });
    } else {
      Object.assign(base, { sidebar: tone(0.97), surface: tone(0.95), surface2: tone(0.92), border: tone(0.89), borderStrong: tone(0.8), codeBg: tone(0.97), codeHead: tone(0.93) });
    }
  }
  const surface = theme.color?.surface;
  if (surface) {
    base.bg = surface.background;
    base.text = surface.foreground;
  }
  const bg = parseColor(base.bg) ?? [255, 255, 255];
  let accent = parseColor(theme.color?.accent?.primary ?? "") ?? parseColor(base.accent)!;
  // The accent fills buttons and colours links: keep both readable.
  const link = ensureContrast(accent, bg, 4.5);
  if (scheme === "dark" && theme.color?.accent?.primary) accent = mix(accent, [255, 255, 255], 0.1);
  const onAccent: RGB = contrast([255, 255, 255], accent) >= contrast([17, 17, 17], accent) ? [255, 255, 255] : [17, 17, 17];
  const level = theme.color?.accent?.level ?? 1;
  const softMix = scheme === "dark" ? 0.78 - level * 0.04 : 0.88 - level * 0.03;
  const radius = RADII[theme.radius ?? "round"];
  const density = DENSITY[theme.density ?? "normal"];
  const typography = theme.typography ?? {};
  const vars: Record<string, string> = {
    "--ck-bg": base.bg,
    "--ck-sidebar": base.sidebar,
    "--ck-surface": base.surface,
    "--ck-surface-2": base.surface2,
    "--ck-border": base.border,
    "--ck-border-strong": base.borderStrong,
    "--ck-text": base.text,
    "--ck-muted": base.muted,
    "--ck-faint": base.faint,
    "--ck-code-bg": base.codeBg,
    "--ck-code-head": base.codeHead,
    "--ck-accent": hex(accent),
    "--ck-on-accent": hex(onAccent),
    "--ck-link": hex(link),
    "--ck-accent-soft": hex(mix(accent, bg, softMix)),
    "--ck-focus": hex(ensureContrast(accent, bg, 3)),
    "--ck-danger": base.danger,
    "--ck-danger-bg": base.dangerBg,
    "--ck-warning": base.warning,
    "--ck-warning-bg": base.warningBg,
    "--ck-info": base.info,
    "--ck-info-bg": base.infoBg,
    "--ck-success": base.success,
    "--ck-shadow": base.shadow,
    "--ck-radius-sm": radius.sm,
    "--ck-radius-md": radius.md,
    "--ck-radius-lg": radius.lg,
    "--ck-radius-bubble": radius.bubble,
    "--ck-space": `${density * 4}px`,
    "--ck-font-size": `${typography.baseSize ?? 16}px`,
  };
  if (typography.fontFamily) vars["--ck-font"] = `${typography.fontFamily}, var(--ck-font-system)`;
  if (typography.fontFamilyMono) vars["--ck-mono"] = `${typography.fontFamilyMono}, var(--ck-mono-system)`;
  return vars;
}

const loadedFonts = new Set<string>();

/** Register theme.typography.fontSources with the document (FontFace API; CSP-friendly). */
export function loadFontSources(options: ChatKitOptions | null): void {
  const sources = themeOption(options).typography?.fontSources ?? [];
  if (typeof FontFace === "undefined" || typeof document === "undefined") return;
  for (const source of sources) {
    const key = `${source.family}|${source.src}|${source.weight ?? ""}|${source.style ?? ""}`;
    if (loadedFonts.has(key)) continue;
    loadedFonts.add(key);
    try {
      const face = new FontFace(source.family, `url(${JSON.stringify(source.src)})`, {
        weight: source.weight !== undefined ? String(source.weight) : "normal",
        style: source.style ?? "normal",
        display: source.display ?? "swap",
        ...(source.unicodeRange ? { unicodeRange: source.unicodeRange } : {}),
      });
      document.fonts.add(face);
      void face.load().catch(() => undefined);
    } catch {
      // A bad font source must not break the chat.
    }
  }
}
