import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadModule } from "./lazy";
import {
  FINISHED_LIMIT,
  IncrementalMarkdown,
  finishedCacheUse,
  isPlainProse,
  renderFinishedMarkdown,
  renderMarkdown,
  resetFinishedCache,
} from "./markdown";
import { assertInert, dom } from "../test/page";

const LABELS = { copyCode: "Copy", codeLanguageFallback: "text" };


// highlight.js loads on demand (highlight.test.ts covers the render before it arrives).
beforeAll(() => loadModule("highlight"));

describe("markdown rendering of hostile model output", () => {
  const MARKDOWN_ATTACKS = [
    "Hello <script>alert(1)</script> world",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](https://tracker.example/p.gif)",
    '![img](x" onerror="alert(1))',
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=https://evil.example></iframe>",
    "```html\n<script>alert(1)</script>\n```",
    "```\"><img src=x onerror=alert(1)>\ncode\n```",
    "<a href='javascript:alert(1)'>raw link</a>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<https://ok.example>",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
  ];

  it.each(MARKDOWN_ATTACKS)("renders %j inert", (text) => {
    const html = renderMarkdown(text, LABELS);
    assertInert(html);
  });

  it("shows raw HTML from the model as text", () => {
    const root = dom(renderMarkdown("Hello <b onclick=x>bold</b>", LABELS));
    expect(root.querySelector("b")).toBeNull();
    expect(root.textContent).toContain("<b onclick=x>bold</b>");
  });
});

describe("markdown rendering", () => {
  it("renders GFM tables, task lists and fenced code with a language label and copy button", () => {
    const text = "| h1 | h2 |\n|----|----|\n| a | b |\n\n- [x] done\n- [ ] todo\n\n```python\ndef f():\n    return 1\n```";
    const root = dom(renderMarkdown(text, LABELS));
    expect(Array.from(root.querySelectorAll("th")).map((th) => th.textContent)).toEqual(["h1", "h2"]);
    expect(root.querySelectorAll('input[type="checkbox"][disabled]')).toHaveLength(2);
    const code = root.querySelector(".ck-code")!;
    expect(code.querySelector(".ck-code-lang")!.textContent).toBe("python");
    expect(code.querySelector("button[data-ck-copy]")!.textContent).toBe("Copy");
    expect(code.querySelector("pre code")!.textContent).toBe("def f():\n    return 1");
    expect(code.querySelector(".hljs-keyword")!.textContent).toBe("def");
  });

  it("labels unknown languages and leaves their code unhighlighted but escaped", () => {
    const root = dom(renderMarkdown("```\n<b>x</b>\n```", LABELS));
    expect(root.querySelector(".ck-code-lang")!.textContent).toBe("text");
    expect(root.querySelector("pre code")!.textContent).toBe("<b>x</b>");
    expect(root.querySelector("pre b")).toBeNull();
  });

  it("renders incrementally to exactly what a one-shot render gives, for every prefix", () => {
    const text = [
      "# Title",
      "",
      "Some *emphasis* and `code` and a [link](https://example.com).",
      "",
      "1. first",
      "2. second",
      "",
      "   continued",
      "",
      "```ts",
      "const x: number = 1;",
      "```",
      "",
      "| a | b |",
      "|---|---|",
      "| 1 | 2 |",
      "",
      "> quote",
      "",
      "Final paragraph with émoji 🎉 and [ref][r].",
      "",
      "[r]: https://example.org",
    ].join("\n");
    const streaming = new IncrementalMarkdown(LABELS);
    // Every 5th prefix (jsdom's DOM is slow) plus the complete text.
    const ends = [...Array.from({ length: Math.floor(text.length / 5) }, (_, k) => (k + 1) * 5), text.length];
    for (const end of ends) {
      const prefix = text.slice(0, end);
      expect(streaming.renderHtml(prefix), `prefix ${end}`).toBe(new IncrementalMarkdown(LABELS).renderHtml(prefix));
    }
  }, 30_000);

  it("shows a long code block plain while it grows and highlighted once done", () => {
    const long = "```python\n" + "x = 1\n".repeat(800);
    const md = new IncrementalMarkdown(LABELS);
    const growing = dom(md.render(long, true).map((b) => b.html).join(""));
    expect(growing.querySelector(".hljs-number")).toBeNull();
    expect(growing.querySelector("pre code")!.textContent).toBe("x = 1\n".repeat(800).trimEnd());
    const done = dom(md.render(long + "```\n\nAfter.", true).map((b) => b.html).join(""));
    expect(done.querySelector(".hljs-number")).not.toBeNull();
  });

  it("reuses unchanged blocks while the last one grows", () => {
    const md = new IncrementalMarkdown(LABELS);
    const first = md.render("Para one.\n\nPara tw");
    const second = md.render("Para one.\n\nPara two is longer");
    expect(second[0]!.html).toBe(first[0]!.html);
    expect(second[1]!.html).toBe("<p>Para two is longer</p>\n");
    expect(second.map((b) => b.key)).toEqual(first.map((b) => b.key));
  });
});

describe("the finished-message cache over a long thread", () => {
  afterEach(() => resetFinishedCache());

  it("stays within its character budget after many long answers", () => {
    // The real budget is 2 million characters; a small one shows the same bound quickly.
    const budget = 60_000;
    resetFinishedCache(FINISHED_LIMIT, budget);
    const paragraph = "A long answer keeps going with **more** words. ".repeat(40);
    let last = "";
    let lastText = "";
    for (let turn = 0; turn < 120; turn += 1) {
      lastText = `## Answer ${turn}\n\n${paragraph}${turn}`;
      last = renderFinishedMarkdown(lastText, LABELS);
    }
    const use = finishedCacheUse();
    expect(use.chars).toBeLessThanOrEqual(budget);
    expect(use.chars).toBeGreaterThan(budget / 2);
    expect(use.entries).toBeLessThan(120); // the characters bound it, not the count
    expect(renderFinishedMarkdown(lastText, LABELS)).toBe(last); // the latest is still kept
  });
});

describe("one line of plain prose", () => {
  const PLAIN = [
    "Answers can be wrong. Check anything important.",
    "Les réponses peuvent être fausses. Vérifiez tout ce qui est important.",
    "قد تكون الإجابات خاطئة. تحقّق من كل ما هو مهم.",
    "回答が誤っている場合があります。重要な情報は確認してください。",
    "It's \"quoted\" (and in brackets), 50% off; well!",
    "  padded on both sides  ",
  ];
  // Each of these is Markdown (or HTML, an address, maths) that marked turns into markup.
  const MARKUP = [
    "some *emphasis*",
    "some _emphasis_",
    "a `code` span",
    "a [link](https://example.com)",
    "an <b>element</b>",
    "an &amp; entity",
    "an \\* escape",
    "# heading",
    "- a list item",
    "+ a list item",
    "1. an ordered item",
    "2) an ordered item",
    "> a quote",
    "    indented code",
    "---",
    "=== underline",
    "a | table | row",
    "~~struck~~",
    "maths $x^2$",
    "see https://example.com",
    "see www.example.com",
    "mail me@example.com",
    "two\nlines",
  ];

  it.each(PLAIN)("renders %j to the DOM marked would, without marked", (text) => {
    expect(isPlainProse(text)).toBe(true);
    const direct = dom(renderFinishedMarkdown(text, LABELS));
    const viaMarked = dom(new IncrementalMarkdown(LABELS).renderWhole(text));
    expect(direct.innerHTML.trim()).toBe(viaMarked.innerHTML.trim());
  });

  it.each(MARKUP)("leaves %j to marked", (text) => {
    expect(isPlainProse(text)).toBe(false);
  });
});
