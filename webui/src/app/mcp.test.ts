import { describe, expect, it } from "vitest";
import { composerTools } from "./composerTools";
import { formatPairs, parsePairs, type McpServerView } from "./mcpApi";
import { createTranslator } from "../chatkit/i18n";
import { appEn, type AppKey } from "./strings";
import de from "./locales/de";

function server(id: string, enabled: boolean): McpServerView {
  return {
    id,
    name: id.toUpperCase(),
    transport: "stdio",
    command: "npx",
    args: [],
    env: {},
    secret_env: [],
    cwd: null,
    url: "",
    headers: {},
    secret_headers: [],
    enabled,
    approval: "ask",
    secrets_set: { env: [], header: [] },
  };
}

describe("MCP settings helpers", () => {
  it("reads NAME=value and Name: value lines, keeping '=' inside values", () => {
    expect(parsePairs(" A=1\n\nB = x=y \nC", "=")).toEqual({ A: "1", B: "x=y", C: "" });
    expect(parsePairs("Authorization: Bearer a:b", ":")).toEqual({ Authorization: "Bearer a:b" });
    expect(formatPairs({ A: "1", B: "2" }, "=")).toBe("A=1\nB=2");
    expect(formatPairs({ "X-Key": "v" }, ":")).toBe("X-Key: v");
  });

  it("offers one composer entry per enabled server", () => {
    expect(composerTools([server("off", false)])).toEqual([]);
    const tools = composerTools([server("fs", true), server("off", false)]);
    expect(tools.map((t) => [t.id, t.label])).toEqual([["mcp:fs", "Only FS"]]);
    expect(tools.every((t) => t.persistent)).toBe(true);
  });

  it("labels the composer entries in the app's language", () => {
    const german = createTranslator<AppKey>("de", de, appEn);
    expect(composerTools([server("fs", true)], german).map((t) => t.label)).toEqual(["Nur FS"]);
  });
});
