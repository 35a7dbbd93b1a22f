import { describe, expect, it } from "vitest";
import { makeTranslator } from "../locale";
import { activityDates, groupRows } from "./History";

const t = makeTranslator("en");
const NOW = new Date(2026, 10, 26, 12, 0, 0);
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();

describe("history grouping", () => {
  it("groups by Today, Yesterday, Previous 7 and 30 days, then month", () => {
    const rows = [0, 1, 3, 12, 45, 400].map((n) => ({ date: daysAgo(n), n }));
    const groups = groupRows(rows, t, NOW, "en-US");
    expect(groups.map((g) => [g.label, g.rows.map((r) => r.n)])).toEqual([
      ["Today", [0]],
      ["Yesterday", [1]],
      ["Previous 7 days", [3]],
      ["Previous 30 days", [12]],
      ["October", [45]],
      ["October 2025", [400]],
    ]);
  });

  it("names months in each language it is asked for, one after the other", () => {
    const rows = [45, 400].map((n) => ({ date: daysAgo(n), n }));
    const labels = (locale: string) => groupRows(rows, t, NOW, locale).map((g) => g.label);
    expect(labels("de")).toEqual(["Oktober", "Oktober 2025"]);
    expect(labels("en-US")).toEqual(["October", "October 2025"]);
    expect(labels("fr")).toEqual(["octobre", "octobre 2025"]);
  });

  it("dates rows by activity so an old thread touched today sorts under Today", () => {
    const threads = [
      { id: "old-but-active", created_at: daysAgo(40) },
      { id: "new", created_at: daysAgo(0) },
      { id: "week", created_at: daysAgo(5) },
    ];
    const dates = activityDates(threads);
    expect(dates[0]).toBe(daysAgo(0));
    expect(dates[1]).toBe(daysAgo(0));
    expect(dates[2]).toBe(daysAgo(5));
    const groups = groupRows(threads.map((th, i) => ({ id: th.id, date: dates[i]! })), t, NOW, "en-US");
    expect(groups.map((g) => [g.label, g.rows.map((r) => r.id)])).toEqual([
      ["Today", ["old-but-active", "new"]],
      ["Previous 7 days", ["week"]],
    ]);
  });

  it("prefers a real updated_at when the server sends one", () => {
    expect(activityDates([{ id: "a", created_at: daysAgo(9), updated_at: daysAgo(2) }])).toEqual([daysAgo(2)]);
  });
});
