import { beforeAll, describe, expect, it } from "vitest";
import { loadModule } from "./lazy";
import { IncrementalMarkdown, renderMarkdown } from "./markdown";
import { inlineDollarLength } from "./math";
import { filterKatexStyle, sanitizeHtml } from "./sanitize";
import { assertInert, dom } from "../test/page";

const LABELS = { copyCode: "Copy", codeLanguageFallback: "text" };

/** The TeX source of every formula KaTeX rendered, with display or inline. */
function formulas(html: string): { tex: string; display: boolean }[] {
  return Array.from(dom(html).querySelectorAll(".katex")).map((el) => ({
    tex: el.querySelector('annotation[encoding="application/x-tex"]')?.textContent ?? "",
    display: el.parentElement?.classList.contains("katex-display") ?? false,
  }));
}

beforeAll(async () => {
  await loadModule("katex");
});

describe("maths delimiters", () => {
  it.each([
    ["inline dollars", "Euler: $e^{i\\pi}+1=0$ holds.", [{ tex: "e^{i\\pi}+1=0", display: false }]],
    ["inline parentheses", "Area \\(\\pi r^2\\) of a disc.", [{ tex: "\\pi r^2", display: false }]],
    ["display dollars", "$$\n\\int_0^1 x\\,dx = \\frac12\n$$", [{ tex: "\\int_0^1 x\\,dx = \\frac12", display: true }]],
    ["display brackets", "\\[\na^2+b^2=c^2\n\\]", [{ tex: "a^2+b^2=c^2", display: true }]],
    ["display dollars inside a paragraph", "so $$x=1$$ then", [{ tex: "x=1", display: true }]],
    ["display brackets inside a paragraph", "so \\[y=2\\] then", [{ tex: "y=2", display: true }]],
    ["two formulas", "$a$ and $b$", [{ tex: "a", display: false }, { tex: "b", display: false }]],
    ["escaped dollar inside maths", "$\\$5 + x$", [{ tex: "\\$5 + x", display: false }]],
  ])("renders %s", (_name, text, expected) => {
    expect(formulas(renderMarkdown(text, LABELS))).toEqual(expected);
  });

  it.each([
    "It costs $5 and $10 at most.",
    "The price is $3.50, or $4.",
    "From $5-$10 per month.",
    "Between $5,$10.",
    "A lone $ sign and another $ sign.",
    "Spaces around $ x $ are not maths.",
    "Escaped \\$x\\$ dollars.",
    "In code `$x$` and `\\(y\\)` stay code.",
    "```\n$$x$$\n\\[y\\]\n$z$\n```",
    "    $$indented code$$",
    "US$5 and US$10.",
    "$x\n\n$ across a blank line",
  ])("leaves %j as text", (text) => {
    const html = renderMarkdown(text, LABELS);
    expect(dom(html).querySelector(".katex")).toBeNull();
  });

  it("keeps the dollar signs of prices visible", () => {
    expect(dom(renderMarkdown("It costs $5 and $10.", LABELS)).textContent?.trim()).toBe("It costs $5 and $10.");
    expect(dom(renderMarkdown("Escaped \\$x\\$ dollars.", LABELS)).textContent?.trim()).toBe("Escaped $x$ dollars.");
  });

  it("follows Pandoc's rule for a $…$ span", () => {
    expect(inlineDollarLength("$x$ rest")).toBe(3);
    expect(inlineDollarLength("$5 and $10")).toBe(0);
    expect(inlineDollarLength("$x$5")).toBe(0);
    expect(inlineDollarLength("$x$", "a")).toBe(0);
    expect(inlineDollarLength("$x$", "\\")).toBe(0);
    expect(inlineDollarLength("$ x$")).toBe(0);
    expect(inlineDollarLength("$a\\$b$")).toBe(6);
  });

  it("shows a formula KaTeX cannot parse as its source, never throwing", () => {
    const html = renderMarkdown("Bad: $\\frac{1}{$ and $\\unknowncommand$.", LABELS);
    const root = dom(html);
    expect(root.textContent).toContain("\\unknowncommand");
    assertKatexOnlyInert(html);
  });

  it("refuses trusted commands (\\href, \\url, \\htmlStyle)", () => {
    const html = renderMarkdown("$\\href{javascript:alert(1)}{x}$ $\\url{https://e.example}$ $\\htmlStyle{color:red}{y}$", LABELS);
    const root = dom(html);
    expect(root.querySelector("a")).toBeNull();
    expect(root.querySelector("[style*='red']")).toBeNull();
  });

  it("shows maths as source while its block streams, rendered once the block is complete", () => {
    const engine = new IncrementalMarkdown(LABELS);
    const live = engine.render("Energy: $E=mc^2$ and", true);
    expect(dom(live[0]!.html).querySelector(".katex")).toBeNull();
    expect(dom(live[0]!.html).querySelector(".ck-math-source")?.textContent).toBe("$E=mc^2$");
    const next = engine.render("Energy: $E=mc^2$ and more.\n\nNext paragraph", true);
    expect(formulas(next[0]!.html)).toEqual([{ tex: "E=mc^2", display: false }]);
    const done = engine.render("Energy: $E=mc^2$ and more.\n\nNext paragraph", false);
    expect(done[0]!.html).toBe(next[0]!.html);
  });
});

/** KaTeX output may keep MathML, SVG paths and styles; nothing in it may run or load. */
function assertKatexOnlyInert(html: string): void {
  for (const el of Array.from(dom(html).querySelectorAll("*"))) {
    for (const attr of Array.from(el.attributes)) {
      expect(attr.name.startsWith("on"), `${el.tagName}[${attr.name}]`).toBe(false);
      expect(attr.value).not.toMatch(/javascript:|url\(|expression\(/i);
    }
    expect(["script", "iframe", "object", "embed", "style", "a", "img", "foreignobject", "use", "image"]).not.toContain(
      el.tagName.toLowerCase(),
    );
  }
}

describe("the sanitizer and KaTeX", () => {
  const KATEX = [
    "x^2+y_1",
    "\\frac{a}{b}",
    "\\sqrt{x^2+1}",
    "\\sum_{i=0}^n i^2",
    "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
    "\\overrightarrow{AB}",
    "\\color{red}{x}",
    "\\colorbox{yellow}{A}",
    "\\cancel{x}",
  ];

  it.each(KATEX)("keeps KaTeX's output for %s intact", async (tex) => {
    const katex = await loadModule("katex");
    const raw = katex.renderToString(tex, { throwOnError: false, output: "htmlAndMathml", displayMode: true });
    const kept = sanitizeHtml(raw);
    const before = dom(raw);
    const after = dom(kept);
    // Same elements, same classes, same layout styles (the sanitizer changed nothing KaTeX needs).
    const shape = (root: HTMLElement) =>
      Array.from(root.querySelectorAll("*")).map((el) => `${el.tagName}.${el.getAttribute("class") ?? ""}`);
    expect(shape(after)).toEqual(shape(before));
    const styles = (root: HTMLElement) =>
      Array.from(root.querySelectorAll("[style]")).map((el) => el.getAttribute("style")!.replace(/\s|;$/g, ""));
    expect(styles(after)).toEqual(styles(before).map((s) => s.replace(/;$/, "")));
    expect(after.querySelector("math annotation")?.textContent).toBe(tex);
    assertKatexOnlyInert(kept);
  });

  it.each([
    '<span class="katex"><span onclick="alert(1)" style="color:red">x</span><script>alert(1)</script></span>',
    '<span class="katex"><svg onload="alert(1)"><path d="M0 0"/><script>alert(1)</script></svg></span>',
    '<span class="katex"><math><mi href="javascript:alert(1)" xlink:href="javascript:alert(1)">x</mi></math></span>',
    '<span class="katex"><span style="background:url(https://evil.example/x.png);position:fixed;top:0">x</span></span>',
    '<span class="katex"><span style="width:expression(alert(1))">x</span></span>',
    '<span class="katex"><svg><foreignObject><img src=x onerror=alert(1)></foreignObject><use href="#x"/></svg></span>',
  ])("strips scripts, handlers and dangerous styles inside KaTeX markup: %s", (html) => {
    assertKatexOnlyInert(sanitizeHtml(html));
  });

  it("removes MathML, SVG and KaTeX's attributes and styles outside KaTeX output", () => {
    const html = sanitizeHtml(
      '<math><mi>x</mi></math><svg><path d="M0 0"/></svg><span style="color:red" class="mord" width="9" aria-hidden="true">y</span>',
    );
    assertInert(html);
    expect(dom(html).textContent).toBe("xy");
    expect(dom(html).querySelector("span")?.attributes.length).toBe(0);
  });

  it("filters KaTeX style declarations to plain lengths and colours", () => {
    expect(filterKatexStyle("height:0.6444em;vertical-align:-0.25em")).toBe("height:0.6444em;vertical-align:-0.25em");
    expect(filterKatexStyle("position:relative;top:-3.063em")).toBe("position:relative;top:-3.063em");
    expect(filterKatexStyle("position:fixed;z-index:9;color:red")).toBe("color:red");
    expect(filterKatexStyle("background-color:url(x);background-image:url(x)")).toBe("");
  });
});
