/**
 * The Markdown component across the end of a stream: finishing must not
 * re-render (and replace) the blocks that were already shown.
 */
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { makeTranslator } from "../locale";
import type { ChatController } from "../state/controller";
import { ChatEnvContext, type ChatEnv } from "./context";
import { Markdown } from "./Markdown";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement("div");
const env: ChatEnv = { controller: {} as ChatController, t: makeTranslator("en"), locale: "en", host };
let unmount: () => void = () => undefined;
afterEach(() => unmount());

function mount() {
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root = createRoot(container);
  unmount = () => {
    act(() => root.unmount());
    container.remove();
  };
  const show = (text: string, streaming: boolean) =>
    act(() =>
      root.render(
        <ChatEnvContext.Provider value={env}>
          <Markdown text={text} streaming={streaming} />
        </ChatEnvContext.Provider>,
      ),
    );
  return { container, show };
}

const FIRST = "A first paragraph that was shown while streaming.\n\n";
const CODE = "```python\nprint('hi')\n```\n\n";

describe("Markdown at the end of a stream", () => {
  it("keeps the blocks already shown and finishes only the last one", () => {
    const { container, show } = mount();
    show(FIRST + CODE + "The last para", true);
    const blocks = () => Array.from(container.querySelectorAll(".ck-md-block"));
    const [first, code] = blocks();
    expect(first!.textContent).toContain("A first paragraph");

    show(FIRST + CODE + "The last paragraph.", false);
    const after = blocks();
    expect(after).toHaveLength(3);
    expect(after[0]).toBe(first); // the same DOM node: not rendered again
    expect(after[1]).toBe(code);
    expect(after[2]!.textContent!.trim()).toBe("The last paragraph.");
    expect(container.querySelector(".ck-streaming")).toBeNull();
  });

  it("renders text that arrives finished in one block, as before", () => {
    const { container, show } = mount();
    show(FIRST + CODE + "Done.", false);
    expect(container.querySelectorAll(".ck-md-block")).toHaveLength(1);
    expect(container.querySelector("code")!.textContent).toContain("print('hi')");
  });
});
