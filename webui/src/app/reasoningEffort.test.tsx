import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import type { ModelOption, ReasoningEffort } from "./api";
import { effortChange, ReasoningEffortList, reasoningModels } from "./ReasoningEffort";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const MODELS: ModelOption[] = [
  { id: "openai::o4-mini", label: "o4-mini", description: "OpenAI", api: "responses", reasoning_effort: true },
  { id: "ollama::qwen3", label: "qwen3", description: "Ollama", api: "chat_completions", reasoning_effort: false },
  { id: "openai::gpt-5", label: "gpt-5", description: "OpenAI", api: "responses", reasoning_effort: true },
  { id: "old::model", label: "model" }, // an older server: no flags, no choice
];

afterEach(() => {
  document.body.innerHTML = "";
});

function render(efforts: Record<string, ReasoningEffort>) {
  const changes: Record<string, ReasoningEffort | null>[] = [];
  const host = document.createElement("div");
  document.body.appendChild(host);
  const root = createRoot(host);
  act(() => root.render(<ReasoningEffortList models={MODELS} efforts={efforts} onChange={(c) => changes.push(c)} />));
  return { host, changes, root };
}

describe("reasoning effort in Settings › Models", () => {
  it("offers a choice only for models whose provider takes one", () => {
    expect(reasoningModels(MODELS).map((m) => m.id)).toEqual(["openai::o4-mini", "openai::gpt-5"]);
    const { host, root } = render({});
    expect(Array.from(host.querySelectorAll("label")).map((l) => l.textContent)).toEqual(["o4-mini (OpenAI)", "gpt-5 (OpenAI)"]);
    act(() => root.unmount());
  });

  it("shows Model default for a model without an entry and the stored level otherwise", () => {
    const { host, root } = render({ "openai::gpt-5": "high" });
    const selects = Array.from(host.querySelectorAll("select"));
    expect(selects.map((s) => s.value)).toEqual(["", "high"]);
    expect(Array.from(selects[0]!.options).map((o) => [o.value, o.textContent])).toEqual([
      ["", "Model default"],
      ["minimal", "Minimal"],
      ["low", "Low"],
      ["medium", "Medium"],
      ["high", "High"],
    ]);
    act(() => root.unmount());
  });

  it("sends one model's change; Model default removes its entry", () => {
    const { host, changes, root } = render({ "openai::gpt-5": "high" });
    const [o4, gpt5] = Array.from(host.querySelectorAll("select"));
    act(() => {
      o4!.value = "low";
      o4!.dispatchEvent(new Event("change", { bubbles: true }));
    });
    act(() => {
      gpt5!.value = "";
      gpt5!.dispatchEvent(new Event("change", { bubbles: true }));
    });
    expect(changes).toEqual([{ "openai::o4-mini": "low" }, { "openai::gpt-5": null }]);
    act(() => root.unmount());
  });

  it("shows nothing when no model takes a choice", () => {
    const host = document.createElement("div");
    const root = createRoot(host);
    act(() => root.render(<ReasoningEffortList models={[MODELS[1]!]} efforts={{}} onChange={() => undefined} />));
    expect(host.innerHTML).toBe("");
    expect(effortChange("p::m", "bogus")).toEqual({ "p::m": null });
    act(() => root.unmount());
  });
});
