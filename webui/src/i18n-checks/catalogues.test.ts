/**
 * Every shipped language has exactly English's keys, each message parses as
 * ICU MessageFormat, uses the same {placeholders} as English and covers every
 * plural form its language has for whole numbers (Arabic: zero, one, two,
 * few, many, other). Fails the build when a key lacks a translation.
 */
import { parse, TYPE, type MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { describe, expect, it } from "vitest";
import { appEn } from "../app/strings";
import { LANGUAGE_CODES } from "../chatkit/i18n";
import { en as elementEn } from "../chatkit/locale";

type Table = Record<string, string>;
const appTables = import.meta.glob<{ default: Table }>("../app/locales/*.ts", { eager: true });
const elementTables = import.meta.glob<{ default: Table }>("../chatkit/locales/*.ts", { eager: true });

function tableFor(tables: Record<string, { default: Table }>, code: string): Table | undefined {
  return Object.entries(tables).find(([path]) => path.endsWith(`/${code}.ts`))?.[1].default;
}

/** Argument names, and for each plural argument the categories it states. */
function shape(message: string): { args: Set<string>; plurals: Map<string, Set<string>> } {
  const args = new Set<string>();
  const plurals = new Map<string, Set<string>>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const element of elements) {
      if (element.type === TYPE.argument || element.type === TYPE.number || element.type === TYPE.date || element.type === TYPE.time) {
        args.add(element.value);
      } else if (element.type === TYPE.plural || element.type === TYPE.select) {
        args.add(element.value);
        if (element.type === TYPE.plural) plurals.set(element.value, new Set(Object.keys(element.options)));
        for (const option of Object.values(element.options)) walk(option.value);
      } else if (element.type === TYPE.tag) {
        walk(element.children);
      }
    }
  };
  walk(parse(message, { ignoreTag: true }));
  return { args, plurals };
}

/** The plural categories whole numbers 0-1000 fall into in a language (French "many" is only for millions). */
function wholeNumberCategories(locale: string): Set<string> {
  const rules = new Intl.PluralRules(locale);
  const categories = new Set<string>();
  for (let n = 0; n <= 1000; n++) categories.add(rules.select(n));
  return categories;
}

const families = [
  { name: "app", english: appEn as Table, tables: appTables },
  { name: "element", english: elementEn as Table, tables: elementTables },
];

describe.each(families)("the $name catalogues", ({ english, tables }) => {
  it("ship a catalogue for every language and no other", () => {
    const shipped = Object.keys(tables).map((path) => path.split("/").pop()!.replace(/\.ts$/, "")).sort();
    expect(shipped).toEqual(LANGUAGE_CODES.filter((code) => code !== "en").sort());
  });

  it("English parses and every plural has an 'other' form", () => {
    for (const [key, message] of Object.entries(english)) {
      const { plurals } = shape(message);
      for (const [arg, forms] of plurals) expect(forms.has("other"), `${key}: {${arg}} has no 'other'`).toBe(true);
    }
  });

  it.each(LANGUAGE_CODES.filter((code) => code !== "en"))("%s has exactly English's keys and placeholders", (code) => {
    const table = tableFor(tables, code)!;
    expect(table, `no catalogue for ${code}`).toBeDefined();
    expect(Object.keys(table).sort()).toEqual(Object.keys(english).sort());
    const needed = wholeNumberCategories(code);
    for (const [key, englishMessage] of Object.entries(english)) {
      const message = table[key]!;
      expect(message.trim(), `${code} ${key} is empty`).not.toBe("");
      let own: ReturnType<typeof shape>;
      try {
        own = shape(message);
      } catch (error) {
        throw new Error(`${code} ${key} is not valid ICU MessageFormat: ${String(error)}`);
      }
      const want = shape(englishMessage);
      expect([...own.args].sort(), `${code} ${key} placeholders`).toEqual([...want.args].sort());
      for (const [arg, forms] of own.plurals) {
        const missing = [...needed].filter((category) => !forms.has(category));
        expect(missing, `${code} ${key}: {${arg}} lacks plural forms`).toEqual([]);
      }
    }
  });

  it.each(LANGUAGE_CODES.filter((code) => code !== "en"))("%s is translated, not a copy of English", (code) => {
    const table = tableFor(tables, code)!;
    const same = Object.keys(english).filter((key) => table[key] === english[key]);
    // Product names, "OK"-like words and key names may stay the same; most may not.
    expect(same.length / Object.keys(english).length, `${code} copies: ${same.join(", ")}`).toBeLessThan(0.1);
  });
});
