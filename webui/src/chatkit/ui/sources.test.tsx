import { describe, expect, it } from "vitest";
import { KitdeskChatKitElement, registerChatKitElement } from "../index";
import type { ThreadItem } from "../protocol/types";
import { fakeFetch, NOW, thread, userItem } from "../test/fixtures";
import { until, useElementPage } from "../test/page";

useElementPage();

const T = "thr_web";

/** A web search answer as the server stores it: url_citation annotations on the text. */
const ANSWER: ThreadItem = {
  type: "assistant_message",
  id: "a1",
  thread_id: T,
  created_at: NOW,
  content: [
    {
      type: "output_text",
      text: "Oslo to Bergen takes about seven hours by train ([vy.no](https://www.vy.no/bergen)).",
      annotations: [
        { type: "annotation", source: { type: "url", title: "Oslo–Bergen line", url: "https://www.vy.no/bergen" }, index: 40 },
        { type: "annotation", source: { type: "url", title: "Bergen Railway", url: "https://en.wikipedia.org/wiki/Bergen_Line" }, index: 60 },
        // The same page cited twice is one source.
        { type: "annotation", source: { type: "url", title: "Oslo–Bergen line", url: "https://www.vy.no/bergen" }, index: 80 },
      ],
    },
  ],
} as ThreadItem;

function mount() {
  registerChatKitElement();
  const { fetch } = fakeFetch((r) =>
    r.type === "threads.list"
      ? { json: { data: [], has_more: false } }
      : { json: { ...thread(T), items: { data: [userItem("u1", T, "How long to Bergen?"), ANSWER], has_more: false } } },
  );
  const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
  document.body.appendChild(el);
  el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, initialThread: T });
  return { el, shadow: el.shadowRoot! };
}

describe("citations of an answer", () => {
  it("render as numbered sources under the answer: number, title, host, each page once", async () => {
    const { shadow } = mount();
    const group = await until(() => shadow.querySelector(".ck-assistant .ck-sources"));
    expect(group.getAttribute("role")).toBe("group");
    expect(group.getAttribute("aria-label")).toBe("Sources");
    const links = Array.from(group.querySelectorAll<HTMLAnchorElement>("a.ck-source"));
    expect(
      links.map((a) => [
        a.querySelector(".ck-source-n")!.textContent,
        a.querySelector(".ck-source-title")!.textContent,
        a.querySelector(".ck-source-host")!.textContent,
        a.getAttribute("href"),
        a.getAttribute("target"),
      ]),
    ).toEqual([
      ["1", "Oslo–Bergen line", "vy.no", "https://www.vy.no/bergen", "_blank"],
      ["2", "Bergen Railway", "en.wikipedia.org", "https://en.wikipedia.org/wiki/Bergen_Line", "_blank"],
    ]);
    // The sources follow the answer's text, not the other way round.
    const answer = shadow.querySelector(".ck-assistant")!;
    expect(answer.lastElementChild).toBe(group);
  });

  it("open like links in the text: the host hears link.open with the address", async () => {
    const { el, shadow } = mount();
    const logged: unknown[] = [];
    el.addEventListener("chatkit.log", (event) => logged.push((event as CustomEvent).detail));
    const link = await until(() => shadow.querySelectorAll<HTMLAnchorElement>("a.ck-source")[1] ?? null);
    link.addEventListener("click", (event) => event.preventDefault()); // no navigation in the test page
    link.click();
    expect(logged).toEqual([{ name: "link.open", data: { href: "https://en.wikipedia.org/wiki/Bergen_Line" } }]);
  });
});
