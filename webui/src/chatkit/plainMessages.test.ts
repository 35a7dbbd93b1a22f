import { IntlMessageFormat } from "intl-messageformat";
import { describe, expect, it } from "vitest";
import { appEn } from "../app/strings";
import { createTranslator, isPlainMessage } from "./i18n";
import { en } from "./locale";

// Every shipped catalogue, the element's and the app's.
const tables = {
  ...import.meta.glob<{ default: Record<string, string> }>("./locales/*.ts", { eager: true }),
  ...import.meta.glob<{ default: Record<string, string> }>("../app/locales/*.ts", { eager: true }),
};

describe("plain messages skip MessageFormat", () => {
  it("prints every plain message in every language exactly as MessageFormat would", () => {
    const catalogues: [string, Record<string, string>][] = [
      ["en", en],
      ["en", appEn],
      ...Object.entries(tables).map(([path, mod]): [string, Record<string, string>] => [
        path.replace(/.*\/(.+)\.ts$/, "$1"),
        mod.default,
      ]),
    ];
    let plain = 0;
    for (const [locale, table] of catalogues) {
      for (const text of Object.values(table)) {
        if (!isPlainMessage(text)) continue;
        plain += 1;
        expect(new IntlMessageFormat(text, locale, undefined, { ignoreTag: true }).format()).toBe(text);
      }
    }
    expect(plain).toBeGreaterThan(100);
  });

  it("still formats messages with arguments, plurals and quotes", () => {
    type Key = "count" | "quoted" | "plain";
    const english: Record<Key, string> = {
      count: "{n, plural, one {# chat} other {# chats}}",
      quoted: "Type '{'name'}' here",
      plain: "Settings <b>",
    };
    const t = createTranslator<Key>("en", {}, english);
    expect(t("count", { n: 2 })).toBe("2 chats");
    expect(t("quoted")).toBe("Type {name} here");
    expect(t("plain", { unused: 1 })).toBe("Settings <b>");
    expect(isPlainMessage(english.quoted)).toBe(false);
  });
});
