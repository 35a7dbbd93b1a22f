import { describe, expect, it } from "vitest";
import type { ThreadItem } from "../protocol/types";
import { withoutDescribedToolCalls } from "./toolActivity";

const base = { thread_id: "t", created_at: "2026-01-01T00:00:00Z" };
const user = (id: string): ThreadItem => ({ type: "user_message", id, ...base, content: [{ type: "input_text", text: "q" }], attachments: [], inference_options: {} }) as ThreadItem;
const call = (id: string, status: "pending" | "completed"): ThreadItem =>
  ({ type: "client_tool_call", id, ...base, status, call_id: `c-${id}`, name: "srv__echo", arguments: {}, output: "ok" }) as ThreadItem;
const workflow = (id: string, type: "custom" | "reasoning"): ThreadItem => ({ type: "workflow", id, ...base, workflow: { type, tasks: [] } }) as ThreadItem;

describe("withoutDescribedToolCalls", () => {
  it("leaves out completed calls in a turn whose tool activity is a custom workflow", () => {
    const items = [user("u1"), workflow("w1", "custom"), call("c1", "completed"), call("c2", "completed"), user("u2"), call("c3", "completed")];
    expect(withoutDescribedToolCalls(items).map((item) => item.id)).toEqual(["u1", "w1", "u2", "c3"]);
  });

  it("keeps client tool calls where no workflow describes them, and pending ones", () => {
    const items = [user("u1"), workflow("r1", "reasoning"), call("c1", "completed"), user("u2"), workflow("w1", "custom"), call("c2", "pending")];
    const shown = withoutDescribedToolCalls(items);
    expect(shown).toBe(items);
  });
});
