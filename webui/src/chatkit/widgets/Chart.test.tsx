import { describe, expect, it } from "vitest";
import { KitdeskChatKitElement, registerChatKitElement } from "../index";
import type { WidgetItem } from "../protocol/types";
import { fakeFetch, NOW, thread } from "../test/fixtures";
import { until, useElementPage } from "../test/page";
import { niceTicks, seriesColor, seriesColors } from "./Chart";

useElementPage();

const T = "thr_chart";
const CHART: WidgetItem = {
  type: "widget",
  id: "wd_chart",
  thread_id: T,
  created_at: NOW,
  widget: {
    type: "Card",
    children: [
      {
        type: "Chart",
        data: [
          { month: "jan", sales: 10, refunds: 2, target: 12 },
          { month: "feb", sales: 30, refunds: 5, target: 25 },
          { month: "mar", sales: 20, refunds: 1, target: 28 },
        ],
        series: [
          { type: "bar", dataKey: "sales", label: "Sales", stack: "s", color: "green" },
          { type: "bar", dataKey: "refunds", label: "Refunds", stack: "s", color: { light: "#ff0000", dark: "#00ff00" } },
          { type: "line", dataKey: "target", label: "Target", curveType: "step" },
          { type: "area", dataKey: "refunds", label: "Area" },
        ],
        xAxis: { dataKey: "month", labels: { jan: "January" } },
      },
    ],
  } as unknown as WidgetItem["widget"],
};

describe("Chart widget", () => {
  it("lazy-loads and draws stacked bars, a step line, an area, axis labels, a legend and a data table", async () => {
    registerChatKitElement();
    const { fetch } = fakeFetch((r) => {
      if (r.type === "threads.list") return { json: { data: [], has_more: false } };
      return { json: { ...thread(T, "Chart"), items: { data: [CHART], has_more: false } } };
    });
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    document.body.appendChild(el);
    el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, initialThread: T, theme: "dark" });
    const shadow = el.shadowRoot!;
    const svg = await until(() => shadow.querySelector(".ck-w-chart svg"));
    const bars = Array.from(svg.querySelectorAll(".ck-w-chart-bars"));
    expect(bars.map((g) => g.getAttribute("fill"))).toEqual(["#4ade80", "#00ff00"]);
    const sales = Array.from(bars[0]!.querySelectorAll("rect"));
    const refunds = Array.from(bars[1]!.querySelectorAll("rect"));
    expect(sales).toHaveLength(3);
    // Stacked: each refunds bar sits right on top of the sales bar of its month, in the same slot.
    sales.forEach((bar, i) => {
      const top = Number(bar.getAttribute("y"));
      const refund = refunds[i]!;
      expect(Number(refund.getAttribute("y")) + Number(refund.getAttribute("height"))).toBeCloseTo(top, 6);
      expect(refund.getAttribute("x")).toBe(bar.getAttribute("x"));
    });
    // February's sales bar is three times January's.
    expect(Number(sales[1]!.getAttribute("height")) / Number(sales[0]!.getAttribute("height"))).toBeCloseTo(3, 6);
    expect(sales[0]!.querySelector("title")!.textContent).toBe("January · Sales: 10");
    const line = svg.querySelector(".ck-w-chart-line path")!.getAttribute("d")!;
    expect(line).toMatch(/^M/);
    expect(line).not.toContain("C"); // a step curve has no béziers
    expect(svg.querySelector(".ck-w-chart-area path")!.getAttribute("d")).toMatch(/Z$/);
    expect(Array.from(svg.querySelectorAll(".ck-w-chart-x")).map((t) => t.textContent)).toEqual(["January", "feb", "mar"]);
    expect(Array.from(shadow.querySelectorAll(".ck-w-chart-legend span")).map((s) => s.textContent)).toEqual(["Sales", "Refunds", "Target", "Area"]);
    const table = shadow.querySelector(".ck-w-chart table")!;
    expect(Array.from(table.querySelectorAll("tbody tr")[1]!.children).map((c) => c.textContent)).toEqual(["feb", "30", "5", "25", "5"]);
  });

  it("gives a series without a colour one that no other series of the chart has", async () => {
    // The test server's chart: Sales and Visits have no colour, Costs asks for orange,
    // the third default colour; Visits (third) must not be drawn in orange too.
    registerChatKitElement();
    const chart: WidgetItem = {
      ...CHART,
      widget: {
        type: "Card",
        children: [
          {
            type: "Chart",
            data: [
              { month: "Jan", sales: 12, costs: 8, visits: 30 },
              { month: "Feb", sales: 18, costs: 9, visits: 42 },
            ],
            series: [
              { type: "bar", label: "Sales", dataKey: "sales" },
              { type: "line", label: "Costs", dataKey: "costs", color: "orange" },
              { type: "area", label: "Visits", dataKey: "visits" },
              { type: "line", label: "Again", dataKey: "costs", color: "blue-500" },
              { type: "line", label: "Fifth", dataKey: "sales" },
            ],
            xAxis: "month",
          },
        ],
      } as unknown as WidgetItem["widget"],
    };
    const { fetch } = fakeFetch((r) => {
      if (r.type === "threads.list") return { json: { data: [], has_more: false } };
      return { json: { ...thread(T, "Chart"), items: { data: [chart], has_more: false } } };
    });
    const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
    document.body.appendChild(el);
    el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, initialThread: T, theme: "light" });
    const shadow = el.shadowRoot!;
    const svg = await until(() => shadow.querySelector(".ck-w-chart svg"));
    const drawn = [
      svg.querySelector(".ck-w-chart-bars")!.getAttribute("fill"),
      ...Array.from(svg.querySelectorAll(".ck-w-chart-line path, .ck-w-chart-area path")).map((path) => path.getAttribute("stroke")),
    ];
    // Bars first, then lines and the area in document order: Costs, Visits, Again, Fifth.
    expect(drawn).toHaveLength(5);
    expect(new Set(drawn).size).toBe(5);
    const legend = Array.from(shadow.querySelectorAll<HTMLElement>(".ck-w-chart-legend i")).map((swatch) => swatch.style.background);
    expect(new Set(legend).size).toBe(5);
    // Explicit colours are kept; the defaults skip the tokens they use.
    const costs = svg.querySelectorAll(".ck-w-chart-line path")[0]!.getAttribute("stroke");
    expect(costs).toBe("#ea580c");
    expect(drawn).not.toContain(null);
  });

  it("picks round y ticks and safe series colours", () => {
    expect(niceTicks(0, 33)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(-5, 5)).toEqual([-6, -4, -2, 0, 2, 4, 6]);
    expect(seriesColor("red-500", 0, "light")).toBe("#dc2626");
    expect(seriesColor("url(x)", 1, "light")).toBe("#7c3aed");
    expect(seriesColor(null, 7, "dark")).toBe("#60a5fa");
    // Seven defaults: distinct while they last, then they start over.
    const many = seriesColors(Array.from({ length: 9 }, () => ({ color: null })), "light");
    expect(new Set(many.slice(0, 7)).size).toBe(7);
    expect(many.slice(7)).toEqual(many.slice(0, 2));
    expect(seriesColors([{ color: null }, { color: "blue" }], "dark")).toEqual(["#a78bfa", "#60a5fa"]);
  });
});
