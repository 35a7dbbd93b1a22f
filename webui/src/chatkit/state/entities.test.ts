import { describe, expect, it } from "vitest";
import { contentWithTags, entityOfTag, insertMention, mentionAt, tagsInText, textAndTags } from "./entities";

const ADA = { id: "p_ada", title: "Ada Lovelace", group: "People", interactive: true, data: { team: "math" } };
const BOB = { id: "p_bob", title: "Bob" };

describe("composer entity tags", () => {
  it("finds the @query being typed at the caret, and only there", () => {
    expect(mentionAt("ask @ad", 7)).toEqual({ start: 4, end: 7, query: "ad" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, end: 1, query: "" });
    expect(mentionAt("mail me@home", 12)).toBeNull();
    expect(mentionAt("ask @ada now", 12)).toBeNull();
    expect(mentionAt("(@bo", 4)).toEqual({ start: 1, end: 4, query: "bo" });
  });

  it("finds a /command only where it starts the draft", () => {
    expect(mentionAt("/sum", 4, "/")).toEqual({ start: 0, end: 4, query: "sum" });
    expect(mentionAt("/", 1, "/")).toEqual({ start: 0, end: 1, query: "" });
    expect(mentionAt("/sum rest", 4, "/")).toEqual({ start: 0, end: 4, query: "sum" });
    expect(mentionAt("see /usr", 8, "/")).toBeNull();
    expect(mentionAt("and/or", 6, "/")).toBeNull();
    expect(mentionAt("/two words", 10, "/")).toBeNull();
  });

  it("inserts the chosen entity as @Title and puts the caret after it", () => {
    const mention = mentionAt("ask @ad about it", 7)!;
    expect(insertMention("ask @ad about it", mention, ADA)).toEqual({ text: "ask @Ada Lovelace about it", caret: 18 });
  });

  it("sends tagged text as input_text and input_tag parts; deleted tags are forgotten", () => {
    expect(contentWithTags("ask @Ada Lovelace and @Bob.", [ADA, BOB])).toEqual([
      { type: "input_text", text: "ask " },
      { type: "input_tag", id: "p_ada", text: "Ada Lovelace", data: { team: "math" }, group: "People", interactive: true },
      { type: "input_text", text: " and " },
      { type: "input_tag", id: "p_bob", text: "Bob", interactive: false },
      { type: "input_text", text: "." },
    ]);
    expect(tagsInText("ask Bob", [ADA, BOB])).toEqual([]);
    expect(contentWithTags("plain", [ADA])).toEqual([{ type: "input_text", text: "plain" }]);
  });

  it("round-trips content parts through composer text", () => {
    const content = contentWithTags("hi @Ada Lovelace", [ADA]);
    const { text, tags } = textAndTags(content);
    expect(text).toBe("hi @Ada Lovelace");
    expect(contentWithTags(text, tags)).toEqual(content);
    expect(entityOfTag({ id: "e", text: "E", data: { n: 1 } })).toEqual({ id: "e", title: "E", data: { n: "1" } });
  });
});
