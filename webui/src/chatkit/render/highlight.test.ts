import { describe, expect, it } from "vitest";
import { isLoaded, loadModule } from "./lazy";
import { IncrementalMarkdown, renderFinishedMarkdown } from "./markdown";
import { dom } from "../test/page";

const LABELS = { copyCode: "Copy code", codeLanguageFallback: "text" };
const CODE = "```python\ndef f():\n    return 1\n```";

// highlight.js is not in the first load: code renders plain until it arrives, then highlighted.
describe("highlighting on demand", () => {
  it("shows code plain before highlight.js arrives, then the same text highlighted", async () => {
    expect(isLoaded("highlight")).toBe(false);
    const engine = new IncrementalMarkdown(LABELS);
    const before = dom(engine.renderHtml(CODE));
    expect(before.querySelector("pre code")!.textContent).toBe("def f():\n    return 1");
    expect(before.querySelector(".hljs-keyword")).toBeNull();
    expect(dom(renderFinishedMarkdown(CODE, LABELS)).querySelector(".hljs-keyword")).toBeNull();

    await loadModule("highlight");

    // Neither the streaming engine's block cache nor the finished-message cache keeps the plain render.
    const after = dom(engine.renderHtml(CODE));
    expect(after.querySelector("pre code")!.textContent).toBe("def f():\n    return 1");
    expect(after.querySelector(".hljs-keyword")!.textContent).toBe("def");
    expect(dom(renderFinishedMarkdown(CODE, LABELS)).querySelector(".hljs-keyword")!.textContent).toBe("def");
  });

  it("does not load highlight.js for code without a language", async () => {
    // (runs after the first test: only checks that unknown/absent languages stay plain text)
    const html = renderFinishedMarkdown("```\nplain <b>text</b>\n```", LABELS);
    expect(dom(html).querySelector("pre code")!.innerHTML).toBe("plain &lt;b&gt;text&lt;/b&gt;");
    expect(dom(renderFinishedMarkdown("```nosuchlang\nx = 1\n```", LABELS)).querySelector("[class^=hljs-]")).toBeNull();
  });
});
