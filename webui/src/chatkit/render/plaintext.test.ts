import { describe, expect, it } from "vitest";
import { snippetHtml, stripMarkdown } from "./plaintext";

/** The snippet as the sidebar shows it: text, and which words are highlighted. */
function shown(html: string): { text: string; marks: string[] } {
  const div = document.createElement("div");
  div.innerHTML = html;
  return { text: div.textContent ?? "", marks: Array.from(div.querySelectorAll("mark")).map((m) => m.textContent ?? "") };
}

describe("stripMarkdown", () => {
  it("drops emphasis, code and heading markers from titles", () => {
    expect(stripMarkdown("What Is **Kitdesk**? Give")).toBe("What Is Kitdesk? Give");
    expect(stripMarkdown("## Plan for *next* week")).toBe("Plan for next week");
    expect(stripMarkdown("Fixing `parse_query` in __init__")).toBe("Fixing parse_query in init");
    expect(stripMarkdown("~~Old~~ new _idea_")).toBe("Old new idea");
  });

  it("keeps words that only look like markers", () => {
    expect(stripMarkdown("snake_case and 2 * 3 in C#")).toBe("snake_case and 2 * 3 in C#");
    expect(stripMarkdown("a - b > c")).toBe("a - b > c");
  });

  it("turns tables, fences and links into their words", () => {
    expect(stripMarkdown("and a table: | a | b | |---|---| | 1 | 2 | ```python print('hi') ``` A [link](https://x.y).")).toBe(
      "and a table: a b 1 2 print('hi') A link.",
    );
    expect(stripMarkdown("> quoted - item ![cat](http://x/c.png)")).toBe("quoted - item cat");
    expect(stripMarkdown("- first point")).toBe("first point");
  });
});

describe("snippetHtml", () => {
  it("strips markdown but keeps the highlighted words", () => {
    const html = "…and a <mark>table</mark>: | a | b | |---|---| | 1 | 2 | ```python print(&#x27;hi&#x27;) ``` A [link…";
    expect(shown(snippetHtml(html))).toEqual({ text: "…and a table: a b 1 2 print('hi') A [link…", marks: ["table"] });
  });

  it("keeps a highlight inside emphasis and drops one the stripping emptied", () => {
    expect(shown(snippetHtml("What is **<mark>Kitdesk</mark>**?"))).toEqual({ text: "What is Kitdesk?", marks: ["Kitdesk"] });
    expect(snippetHtml("a <mark>```</mark> b")).toBe("a b");
  });

  it("stays text: escaped markup is never turned into elements", () => {
    const html = snippetHtml("&lt;img src=x onerror=alert(1)&gt; <mark>x</mark> <b>bold</b>");
    const div = document.createElement("div");
    div.innerHTML = html;
    expect(div.querySelector("img")).toBeNull();
    expect(div.querySelector("b")).toBeNull();
    expect(shown(html)).toEqual({ text: "<img src=x onerror=alert(1)> x bold", marks: ["x"] });
  });
});
