// The composer's tools menu for the model picked in it: "Search the web" when
// that model's provider has hosted web search (GET /api/models says so), then
// one entry per enabled MCP server. The chosen entry's id reaches the server
// as `inference_options.tool_choice` (desktop/kitdesk/chat/turn.py).

import type { ToolOption } from "@openai/chatkit";
import type { ModelOption } from "./api";
import { currentT, type T } from "./i18n";
import type { McpServerView } from "./mcpApi";

/** The tool choice id that turns on the provider's hosted web search (turn.py WEB_SEARCH_TOOL). */
export const WEB_SEARCH_TOOL = "web_search";

export function webSearchTool(t: T = currentT()): ToolOption {
  return {
    id: WEB_SEARCH_TOOL,
    label: t("tools.webSearch"),
    shortLabel: t("tools.webSearchShort"),
    icon: "globe",
    // Stays on for the next messages until turned off, like a search toggle.
    persistent: true,
  };
}

/** The entries for the composer's current model (undefined while unknown: no web search). */
export function toolsForModel(model: ModelOption | undefined, servers: McpServerView[], t: T = currentT()): ToolOption[] {
  return [...(model?.web_search ? [webSearchTool(t)] : []), ...composerTools(servers, t)];
}

/** The tool choice id the composer sends in `inference_options.tool_choice` (chat/turn.py reads it). */
export const SERVER_CHOICE_PREFIX = "mcp:";

/**
 * The composer's tools menu: nothing chosen offers every enabled server's tools;
 * "Only <server>" limits the chat to that server. A choice stays for the next
 * messages until changed (ChatKit's `persistent`).
 */
export function composerTools(servers: McpServerView[], t: T = currentT()): ToolOption[] {
  return servers
    .filter((s) => s.enabled)
    .map(
      (s): ToolOption => ({
        id: `${SERVER_CHOICE_PREFIX}${s.id}`,
        label: t("mcp.composerOnly", { name: s.name }),
        shortLabel: s.name,
        icon: "bolt",
        persistent: true,
      }),
    );
}
