import { describe, expect, it } from "vitest";
import table from "./promptVariables.cases.json";
import { fillPrompt, variablesOf } from "./promptVariables";

type Case = { text: string; variables: string[]; values: Record<string, string>; filled: string };
const cases = table.cases as unknown as Case[];

describe("prompt variables (the cases the server shares)", () => {
  it("has the whole table", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases.map((c) => [c.text.slice(0, 40), c] as const))("%s", (_, c) => {
    expect(variablesOf(c.text)).toEqual(c.variables);
    expect(fillPrompt(c.text, c.values)).toBe(c.filled);
  });

  it("does not treat inherited names as values", () => {
    expect(fillPrompt("{{constructor}} {{toString}}", {})).toBe("{{constructor}} {{toString}}");
  });
});
