/**
 * The languages Kitdesk ships and the one way both the element and the app
 * turn a catalogue into sentences. Messages are ICU MessageFormat
 * (`{name}`, `{n, plural, one {…} other {…}}`) formatted by FormatJS's
 * intl-messageformat, so each language states its own plural forms (Arabic
 * has six) under one key, and every catalogue has exactly English's keys.
 * English is bundled; the other catalogues are separate chunks loaded with
 * dynamic import when a language is chosen, keeping the first load small.
 */
import { IntlMessageFormat } from "intl-messageformat";

export const LANGUAGES = [
  { code: "en", name: "English" },
  { code: "de", name: "Deutsch" },
  { code: "fr", name: "Français" },
  { code: "es", name: "Español" },
  { code: "ja", name: "日本語" },
  { code: "zh-CN", name: "简体中文" },
  { code: "pt-BR", name: "Português (Brasil)" },
  { code: "ar", name: "العربية" },
] as const;

export type LanguageCode = (typeof LANGUAGES)[number]["code"];

export const LANGUAGE_CODES: readonly LanguageCode[] = LANGUAGES.map((l) => l.code);

const RIGHT_TO_LEFT: ReadonlySet<string> = new Set(["ar"]);

export function isRightToLeft(code: string): boolean {
  return RIGHT_TO_LEFT.has(code.split("-")[0]!.toLowerCase());
}

export function isLanguageCode(value: unknown): value is LanguageCode {
  return typeof value === "string" && (LANGUAGE_CODES as readonly string[]).includes(value);
}

/**
 * The shipped language that best fits a list of BCP 47 tags in order of
 * preference (navigator.languages): an exact match first, then the same
 * language in another region ("pt-PT" -> "pt-BR", "zh" -> "zh-CN",
 * "de-AT" -> "de"); English when none fits.
 */
export function matchLanguage(requested: readonly (string | null | undefined)[]): LanguageCode {
  for (const tag of requested) {
    if (!tag) continue;
    const exact = LANGUAGE_CODES.find((code) => code.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const base = tag.split(/[-_]/)[0]!.toLowerCase();
    // Traditional Chinese readers are not served by Simplified: skip rather than guess.
    if (base === "zh" && /hant|tw|hk|mo/i.test(tag)) continue;
    const sameLanguage = LANGUAGE_CODES.find((code) => code.split("-")[0]!.toLowerCase() === base);
    if (sameLanguage) return sameLanguage;
  }
  return "en";
}

/** The languages the system asks for, most preferred first. */
export function systemLanguages(): readonly string[] {
  if (typeof navigator === "undefined") return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

// IntlMessageFormat checks each message's locale with
// Intl.NumberFormat.supportedLocalesOf, whose first call builds ICU's list of
// available locales: 25-45 ms of the first paint, measured in Chromium. Every
// shipped language is in the browser's ICU data, so the locale is taken as given.
IntlMessageFormat.resolveLocale = (locales) => {
  const first = Array.isArray(locales) ? locales[0] : locales;
  try {
    return new Intl.Locale(first ?? "en");
  } catch {
    return new Intl.Locale("en");
  }
};

export type Catalogue<K extends string> = Partial<Record<K, string>>;
export type Vars = Record<string, string | number>;
export type Translator<K extends string> = (key: K, vars?: Vars) => string;

/**
 * A message MessageFormat would print unchanged: no argument or plural braces
 * and no apostrophe (ICU's quoting character). Tags are text here (`ignoreTag`)
 * and `#` means something only inside a plural.
 */
export function isPlainMessage(text: string): boolean {
  return !/[{}']/.test(text);
}

/**
 * `t(key, vars)` for one language: its catalogue, English for any key it lacks
 * (the catalogue test makes that never happen in a shipped language), and the
 * raw English text if a message cannot be formatted.
 */
export function createTranslator<K extends string>(
  locale: string,
  table: Catalogue<K>,
  english: Record<K, string>,
): Translator<K> {
  const compiled = new Map<K, IntlMessageFormat | string | null>();
  const compile = (key: K): IntlMessageFormat | string | null => {
    if (compiled.has(key)) return compiled.get(key)!;
    const own = table[key];
    const text = own ?? english[key];
    if (text !== undefined && isPlainMessage(text)) {
      // Most messages are plain text: no MessageFormat to build (its parse and
      // Intl set-up were most of the i18n cost of the first paint).
      compiled.set(key, text);
      return text;
    }
    let format: IntlMessageFormat | null = null;
    try {
      format = new IntlMessageFormat(own ?? english[key] ?? String(key), own ? locale : "en", undefined, {
        ignoreTag: true,
      });
    } catch {
      format = null;
    }
    compiled.set(key, format);
    return format;
  };
  return (key, vars) => {
    const format = compile(key);
    if (typeof format === "string") return format;
    if (format) {
      try {
        const text = format.format(vars);
        if (typeof text === "string") return text;
      } catch {
        // a missing variable: fall through to the plain English text
      }
    }
    return english[key] ?? String(key);
  };
}

/**
 * A loader for one family of catalogues (the element's, the app's): the
 * module map comes from `import.meta.glob` (lazy: one chunk per language).
 * Loaded tables are kept, so a second load of the same language is instant.
 */
export function catalogueLoader<K extends string>(
  modules: Record<string, () => Promise<{ default: Catalogue<K> }>>,
): { load: (code: string) => Promise<Catalogue<K>>; loaded: (code: string) => Catalogue<K> | undefined } {
  const tables = new Map<string, Catalogue<K>>([["en", {}]]);
  const pending = new Map<string, Promise<Catalogue<K>>>();
  const load = (code: string): Promise<Catalogue<K>> => {
    const known = tables.get(code);
    if (known) return Promise.resolve(known);
    const importer = Object.entries(modules).find(([path]) => path.endsWith(`/${code}.ts`))?.[1];
    if (!importer) return Promise.resolve({});
    let promise = pending.get(code);
    if (!promise) {
      promise = importer().then(
        (module) => {
          tables.set(code, module.default);
          return module.default;
        },
        () => {
          pending.delete(code); // a failed chunk load may succeed next time
          return {};
        },
      );
      pending.set(code, promise);
    }
    return promise;
  };
  return { load, loaded: (code) => tables.get(code) };
}

/** Locale-aware number formatting (sizes, counts), cached per locale and options. */
const numberFormats = new Map<string, Intl.NumberFormat>();
export function formatNumber(value: number, locale: string, options: Intl.NumberFormatOptions = {}): string {
  const id = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(id);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(id, format);
  }
  return format.format(value);
}
