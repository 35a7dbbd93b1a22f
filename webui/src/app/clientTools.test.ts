import { describe, expect, it } from "vitest";
import { answerClientTool, CLIENT_TOOL_NAMES, type ClientToolContext } from "./clientTools";

const context: ClientToolContext = { now: new Date("2026-03-04T05:06:07.000Z"), timeZone: "Europe/Paris", language: "fr" };

describe("answerClientTool", () => {
  it("answers get_current_time with the person's time, zone and language", () => {
    const answer = answerClientTool({ name: "get_current_time", params: {} }, context);
    expect(answer).toEqual({
      iso: "2026-03-04T05:06:07.000Z",
      time_zone: "Europe/Paris",
      utc_offset_minutes: -context.now.getTimezoneOffset(),
      language: "fr",
    });
  });

  it("answers an unknown name with a structured error naming it and the tools it has", () => {
    expect(answerClientTool({ name: "get_selection", params: { scope: "document" } }, context)).toEqual({
      error: "Kitdesk has no client tool named get_selection",
      available: ["get_current_time"],
    });
    // Names of Object's own properties are not tools either.
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(answerClientTool({ name, params: {} }, context)).toEqual({
        error: `Kitdesk has no client tool named ${name}`,
        available: [...CLIENT_TOOL_NAMES],
      });
    }
  });
});
