import { describe, expect, it } from "vitest";
import { createTranslator } from "../chatkit/i18n";
import type { ModelOption } from "./api";
import { toolsForModel, WEB_SEARCH_TOOL } from "./composerTools";
import fr from "./locales/fr";
import type { McpServerView } from "./mcpApi";
import { appEn, type AppKey } from "./strings";

const OPENAI: ModelOption = { id: "openai::gpt-4.1", label: "gpt-4.1", api: "responses", web_search: true, reasoning_effort: true };
const LOCAL: ModelOption = { id: "ollama::qwen3", label: "qwen3", api: "chat_completions", web_search: false, reasoning_effort: false };

const FILES: McpServerView = {
  id: "files",
  name: "Files",
  transport: "stdio",
  command: "npx",
  args: [],
  env: {},
  secret_env: [],
  cwd: null,
  url: "",
  headers: {},
  secret_headers: [],
  enabled: true,
  approval: "ask",
  secrets_set: { env: [], header: [] },
};

describe("the composer's tools menu", () => {
  it("offers Search the web first, kept on between messages, for a model whose provider has hosted web search", () => {
    const tools = toolsForModel(OPENAI, [FILES]);
    expect(tools.map((tool) => [tool.id, tool.label, tool.icon, tool.persistent])).toEqual([
      [WEB_SEARCH_TOOL, "Search the web", "globe", true],
      ["mcp:files", "Only Files", "bolt", true],
    ]);
    // The id the server's turn engine looks for in inference_options.tool_choice.
    expect(WEB_SEARCH_TOOL).toBe("web_search");
  });

  it("leaves it out for a Chat Completions model and while the model is not known", () => {
    expect(toolsForModel(LOCAL, [FILES]).map((tool) => tool.id)).toEqual(["mcp:files"]);
    expect(toolsForModel(undefined, []).map((tool) => tool.id)).toEqual([]);
  });

  it("speaks the app's language", () => {
    const french = createTranslator<AppKey>("fr", fr, appEn);
    const [search] = toolsForModel(OPENAI, [], french);
    expect([search!.label, search!.shortLabel]).toEqual(["Rechercher sur le web", "Recherche web"]);
  });
});
