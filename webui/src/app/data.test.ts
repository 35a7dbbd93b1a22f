import { describe, expect, it } from "vitest";
import { filenameFromDisposition, skippedCount } from "./dataApi";
import { baseName } from "./DataSettings";
import { monthLabel } from "./UsageTotals";

describe("Settings > Data helpers", () => {
  it("names a download from RFC 5987's exact name, then the plain one", () => {
    const header = "attachment; filename=\"Cafe .md\"; filename*=UTF-8''Caf%C3%A9%20%E6%97%A5%E6%9C%AC.md";
    expect(filenameFromDisposition(header, "x.md")).toBe("Café 日本.md");
    expect(filenameFromDisposition('attachment; filename="plain.json"', "x.json")).toBe("plain.json");
    expect(filenameFromDisposition("attachment; filename*=UTF-8''%E0%A4%A.md; filename=\"safe.md\"", "x.md")).toBe("safe.md");
    expect(filenameFromDisposition(null, "kitdesk.html")).toBe("kitdesk.html");
  });

  it("adds up what an import skipped, whatever the reasons", () => {
    const result = { threads: 1, messages: 2, already_present: 0, skipped: { image: 2, system: 1 }, summary: "" };
    expect(skippedCount(result)).toBe(3);
    expect(skippedCount({ ...result, skipped: {} })).toBe(0);
  });

  it("names a picked backup by its file name on any platform", () => {
    expect(baseName("/home/ana/Backups/kitdesk-backup-20261201.zip")).toBe("kitdesk-backup-20261201.zip");
    expect(baseName("C:\\Users\\Ana\\Sauvegarde – Café.zip")).toBe("Sauvegarde – Café.zip");
    expect(baseName("backup.zip")).toBe("backup.zip");
  });

  it("writes a usage month the language's way", () => {
    expect(monthLabel("2026-12", "en")).toBe("December 2026");
    expect(monthLabel("2026-01", "de")).toBe("Januar 2026");
    expect(monthLabel("not a month", "en")).toBe("not a month");
  });
});
