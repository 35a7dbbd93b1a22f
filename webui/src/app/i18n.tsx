/**
 * The app's language: which one (the person's choice, else the system's best
 * match), loading its catalogues (the app's and the element's, each a lazy
 * chunk) before switching so nothing flashes in English, the document's
 * `lang` and `dir`, and `useI18n()` for components. Formatting lives in
 * ../chatkit/i18n.ts, shared with the element, which gets the same language
 * through ChatKit's `locale` option.
 */
import { createContext, Fragment, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import {
  catalogueLoader,
  createTranslator,
  formatNumber,
  isLanguageCode,
  isRightToLeft,
  matchLanguage,
  systemLanguages,
  type Catalogue,
  type LanguageCode,
  type Translator,
  type Vars,
} from "../chatkit/i18n";
import { loadLocale } from "../chatkit/locale";
import { appEn, type AppKey } from "./strings";

export type T = Translator<AppKey>;
export type LanguageSetting = "system" | LanguageCode;

const catalogues = catalogueLoader<AppKey>(import.meta.glob<{ default: Catalogue<AppKey> }>("./locales/*.ts"));

const LANGUAGE_KEY = "kitdesk.language";

/** The saved choice ("system" when none); kept in this browser profile. */
export function storedLanguageSetting(): LanguageSetting {
  try {
    const value = localStorage.getItem(LANGUAGE_KEY);
    return isLanguageCode(value) ? value : "system";
  } catch {
    return "system";
  }
}

function storeLanguageSetting(setting: LanguageSetting): void {
  try {
    if (setting === "system") localStorage.removeItem(LANGUAGE_KEY);
    else localStorage.setItem(LANGUAGE_KEY, setting);
  } catch {
    // Storage unavailable: the choice lasts until the window closes.
  }
}

export function isLanguageSetting(value: unknown): value is LanguageSetting {
  return value === "system" || isLanguageCode(value);
}

export function resolveLanguage(setting: LanguageSetting): LanguageCode {
  return setting === "system" ? matchLanguage(systemLanguages()) : setting;
}

export type I18n = {
  /** The language shown (never "system"). */
  language: LanguageCode;
  /** What the person chose: "system" or a language. */
  setting: LanguageSetting;
  t: T;
  /** A number written the language's way. */
  number: (value: number, options?: Intl.NumberFormatOptions) => string;
  setLanguage: (setting: LanguageSetting) => Promise<void>;
};

/** The English translator, also the one used outside React before a language is set. */
let current: T = createTranslator<AppKey>("en", {}, appEn);

/** For code outside components (API errors): the translator of the language shown. */
export function currentT(): T {
  return current;
}

/** Loads both catalogues of a language; then everything can switch at once. */
export async function prepareLanguage(language: LanguageCode): Promise<T> {
  const [table] = await Promise.all([catalogues.load(language), loadLocale(language)]);
  return createTranslator<AppKey>(language, table, appEn);
}

function applyToDocument(language: LanguageCode): void {
  document.documentElement.lang = language;
  document.documentElement.dir = isRightToLeft(language) ? "rtl" : "ltr";
}

function english(): I18n {
  return {
    language: "en",
    setting: "system",
    t: current,
    number: (value, options) => formatNumber(value, "en", options),
    setLanguage: async () => undefined,
  };
}

const I18nContext = createContext<I18n>(english());

export function useI18n(): I18n {
  return useContext(I18nContext);
}

/**
 * Holds the language for the whole app. `initial` comes from main.tsx, which
 * loads the catalogues before the first render.
 */
export function I18nProvider({
  initial,
  children,
}: {
  initial: { setting: LanguageSetting; language: LanguageCode; t: T };
  children: ReactNode;
}) {
  const [state, setState] = useState(() => {
    current = initial.t;
    applyToDocument(initial.language);
    return initial;
  });

  const setLanguage = useCallback(async (setting: LanguageSetting) => {
    storeLanguageSetting(setting);
    const language = resolveLanguage(setting);
    const t = await prepareLanguage(language);
    current = t;
    applyToDocument(language);
    setState({ setting, language, t });
  }, []);

  const value = useMemo(
    (): I18n => ({
      ...state,
      number: (n, options) => formatNumber(n, state.language, options),
      setLanguage,
    }),
    [state, setLanguage],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** Starts in the saved (or system) language, its catalogues loaded. */
export async function initialLanguage(): Promise<{ setting: LanguageSetting; language: LanguageCode; t: T }> {
  const setting = storedLanguageSetting();
  const language = resolveLanguage(setting);
  return { setting, language, t: await prepareLanguage(language) };
}

/**
 * A translated sentence with elements in it (`{name}` as <strong>): the
 * sentence is formatted with markers in place of the nodes, then split.
 */
export function withNodes(t: T, key: AppKey, nodes: Record<string, ReactNode>, vars: Vars = {}): ReactNode {
  const names = Object.keys(nodes);
  const markers: Vars = {};
  names.forEach((name, i) => (markers[name] = `\u2063${i}\u2063`));
  const text = t(key, { ...vars, ...markers });
  return text.split(/\u2063(\d+)\u2063/).map((part, i) =>
    i % 2 === 1 ? <Fragment key={i}>{nodes[names[Number(part)]!]}</Fragment> : part,
  );
}
