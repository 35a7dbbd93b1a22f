/**
 * Which tool-call items the thread shows. A server that runs tools itself
 * (Kitdesk's MCP tools) stores each call as a completed `client_tool_call` for
 * the model's history and describes the same work as a `custom` workflow
 * (tool, arguments, result, duration). In such a turn the bare "Ran <name>"
 * lines would repeat the workflow with the tool's internal name, so they are
 * left out; a turn without such a workflow (a real client tool) keeps them.
 */
import type { ThreadItem } from "../protocol/types";

function describesTools(item: ThreadItem): boolean {
  return item.type === "workflow" && item.workflow.type === "custom";
}

export function withoutDescribedToolCalls(items: ThreadItem[]): ThreadItem[] {
  const hidden = new Set<number>();
  let start = 0;
  const closeTurn = (end: number) => {
    const turn = items.slice(start, end);
    if (!turn.some(describesTools)) return;
    turn.forEach((item, offset) => {
      if (item.type === "client_tool_call" && item.status === "completed") hidden.add(start + offset);
    });
  };
  items.forEach((item, index) => {
    if (item.type === "user_message") {
      closeTurn(index);
      start = index + 1;
    }
  });
  closeTurn(items.length);
  // The same array when nothing is hidden, so memoized rows keep their identity.
  return hidden.size === 0 ? items : items.filter((_, index) => !hidden.has(index));
}
