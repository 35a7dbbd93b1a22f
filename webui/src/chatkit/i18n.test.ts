import { describe, expect, it } from "vitest";
import { createTranslator, isRightToLeft, matchLanguage } from "./i18n";
import { en, formatBytes, loadLocale, makeTranslator } from "./locale";

describe("matchLanguage", () => {
  it("picks the best shipped language for the system's list", () => {
    expect(matchLanguage(["de-AT", "en"])).toBe("de");
    expect(matchLanguage(["pt-PT"])).toBe("pt-BR");
    expect(matchLanguage(["zh"])).toBe("zh-CN");
    expect(matchLanguage(["zh-Hans-CN"])).toBe("zh-CN");
    expect(matchLanguage(["ar-EG"])).toBe("ar");
    expect(matchLanguage(["nl-NL", "fr-CA"])).toBe("fr");
    expect(matchLanguage(["ja-JP"])).toBe("ja");
  });

  it("does not serve Simplified Chinese to a Traditional reader, and falls back to English", () => {
    expect(matchLanguage(["zh-TW"])).toBe("en");
    expect(matchLanguage(["zh-Hant", "es"])).toBe("es");
    expect(matchLanguage([])).toBe("en");
    expect(matchLanguage(["xx", undefined, ""])).toBe("en");
  });

  it("knows Arabic is right-to-left", () => {
    expect(isRightToLeft("ar")).toBe(true);
    expect(isRightToLeft("ar-EG")).toBe(true);
    expect(isRightToLeft("de")).toBe(false);
  });
});

describe("the element's translator", () => {
  it("speaks English until a catalogue is loaded, then the language itself", async () => {
    expect(makeTranslator("de")("history.today")).toBe("Today");
    await loadLocale("de");
    const t = makeTranslator("de");
    expect(t("history.today")).toBe("Heute");
    expect(t("history.noResults", { query: "Lissabon" })).toBe("Keine Chats passen zu „Lissabon“.");
    expect(t("time.seconds", { n: 1 })).toBe("1 Sekunde");
    expect(t("time.seconds", { n: 12 })).toBe("12 Sekunden");
  });

  it("uses each language's own plural forms", async () => {
    await loadLocale("ar");
    const t = makeTranslator("ar");
    const seconds = (n: number) => t("time.seconds", { n });
    expect(seconds(1)).toBe("ثانية واحدة");
    expect(seconds(2)).toBe("ثانيتين");
    expect(seconds(3)).toMatch(/ثوانٍ$/);
    expect(seconds(11)).toMatch(/ثانية$/);
    expect(makeTranslator("en")("time.seconds", { n: 1 })).toBe("1 second");
  });

  it("writes sizes with the locale's decimal separator", async () => {
    await loadLocale("de");
    expect(formatBytes(1536 * 1024, makeTranslator("de"), "de")).toBe("1,5 MB");
    expect(formatBytes(1536 * 1024, makeTranslator("en"), "en")).toBe("1.5 MB");
    expect(formatBytes(512, makeTranslator("en"), "en")).toBe("512 B");
  });

  it("falls back to English for a missing key or a broken message", () => {
    const t = createTranslator<keyof typeof en>("de", { "history.today": "{broken" }, en);
    expect(t("history.today")).toBe("Today");
    expect(t("history.yesterday")).toBe("Yesterday");
  });
});
