/**
 * Wire-format fixtures shaped like chatkit-python 1.6 output, and a fake
 * fetch that answers from a script: JSON bodies or SSE bytes delivered in
 * chunks cut wherever the test says (even inside a UTF-8 character).
 */
import type { ThreadItem, ThreadStreamEvent } from "../protocol/types";

export const NOW = "2026-11-26T08:00:00";

export function thread(id: string, title: string | null = null) {
  return { id, title, created_at: NOW, status: { type: "active" as const }, items: { data: [], has_more: false } };
}

export function userItem(id: string, threadId: string, text: string): ThreadItem {
  return {
    type: "user_message",
    id,
    thread_id: threadId,
    created_at: NOW,
    content: [{ type: "input_text", text }],
    attachments: [],
    inference_options: {},
  };
}

export function assistantItem(id: string, threadId: string, text = ""): ThreadItem {
  return {
    type: "assistant_message",
    id,
    thread_id: threadId,
    created_at: NOW,
    content: text ? [{ type: "output_text", text, annotations: [] }] : [],
  };
}

/** The events a real server sends for one streamed answer. */
export function answerEvents(threadId: string, itemId: string, deltas: string[]): ThreadStreamEvent[] {
  const text = deltas.join("");
  return [
    { type: "stream_options", stream_options: { allow_cancel: true } },
    { type: "thread.item.added", item: assistantItem(itemId, threadId) },
    {
      type: "thread.item.updated",
      item_id: itemId,
      update: { type: "assistant_message.content_part.added", content_index: 0, content: { type: "output_text", text: "", annotations: [] } },
    },
    ...deltas.map(
      (delta): ThreadStreamEvent => ({
        type: "thread.item.updated",
        item_id: itemId,
        update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta },
      }),
    ),
    {
      type: "thread.item.updated",
      item_id: itemId,
      update: { type: "assistant_message.content_part.done", content_index: 0, content: { type: "output_text", text, annotations: [] } },
    },
    { type: "thread.item.done", item: assistantItem(itemId, threadId, text) },
  ];
}

export function sseBytes(events: unknown[]): Uint8Array {
  return new TextEncoder().encode(events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join(""));
}

/** Split bytes into chunks of the given sizes (cycled). */
export function chunk(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  let i = 0;
  while (offset < bytes.length) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    out.push(bytes.slice(offset, offset + size));
    offset += size;
    i += 1;
  }
  return out;
}

export interface RecordedRequest {
  url: string;
  type?: string;
  params?: Record<string, unknown>;
  method: string;
  body: unknown;
}

type Reply =
  | { json: unknown; status?: number }
  | { sse: Uint8Array[]; hangAfter?: boolean; status?: number };

/**
 * A fetch that records requests and answers from a handler. SSE replies are
 * real ReadableStreams; `hangAfter` keeps the stream open until aborted.
 * `unrecorded` answers side requests a test is not about (it returns null for
 * the others), without recording them.
 */
export function fakeFetch(handler: (request: RecordedRequest) => Reply, unrecorded?: (request: RecordedRequest) => Reply | null) {
  const requests: RecordedRequest[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    let body: unknown = init?.body;
    let type: string | undefined;
    let params: Record<string, unknown> | undefined;
    if (typeof init?.body === "string") {
      body = JSON.parse(init.body);
      type = (body as { type?: string }).type;
      params = (body as { params?: Record<string, unknown> }).params;
    }
    const request: RecordedRequest = { url, type, params, method: init?.method ?? "GET", body };
    const aside = unrecorded?.(request) ?? null;
    if (!aside) requests.push(request);
    const reply = aside ?? handler(request);
    const signal = init?.signal;
    if (signal?.aborted) throw new DOMException("aborted", "AbortError");
    if ("json" in reply) {
      return new Response(JSON.stringify(reply.json), {
        status: reply.status ?? 200,
        headers: { "content-type": "application/json" },
      });
    }
    const chunks = [...reply.sse];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        signal?.addEventListener("abort", () => {
          try {
            controller.error(new DOMException("aborted", "AbortError"));
          } catch {
            // already closed
          }
        });
      },
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        const next = chunks.shift();
        if (next) {
          controller.enqueue(next);
          return;
        }
        if (reply.hangAfter) {
          await new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve()));
          return;
        }
        controller.close();
      },
    });
    return new Response(stream, { status: reply.status ?? 200, headers: { "content-type": "text/event-stream" } });
  };
  return { fetch: fetchImpl as typeof fetch, requests };
}

/**
 * jsdom does no layout, so every box measures 0x0 and the virtual list sees
 * an empty viewport. Give the scroll viewport and rows plausible sizes.
 */
export function installLayoutShim(): () => void {
  const proto = HTMLElement.prototype;
  const saved = (["clientHeight", "clientWidth", "offsetHeight", "offsetWidth"] as const).map(
    (name) => [name, Object.getOwnPropertyDescriptor(proto, name)] as const,
  );
  const size = (el: HTMLElement, axis: "h" | "w"): number => {
    const cls = el.getAttribute("class") ?? "";
    if (cls.includes("ck-scroll")) return axis === "h" ? 900 : 720;
    if (cls.includes("ck-row")) return axis === "h" ? 80 : 720;
    return 0;
  };
  Object.defineProperty(proto, "clientHeight", { configurable: true, get(this: HTMLElement) { return size(this, "h"); } });
  Object.defineProperty(proto, "offsetHeight", { configurable: true, get(this: HTMLElement) { return size(this, "h"); } });
  Object.defineProperty(proto, "clientWidth", { configurable: true, get(this: HTMLElement) { return size(this, "w"); } });
  Object.defineProperty(proto, "offsetWidth", { configurable: true, get(this: HTMLElement) { return size(this, "w"); } });
  return () => {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(proto, name, descriptor);
      else delete (proto as unknown as Record<string, unknown>)[name];
    }
  };
}

/** Kitdesk's branches and usage APIs answering "nothing here", for tests about something else. */
export function quietKitdeskApis(request: RecordedRequest): Reply | null {
  if (request.method !== "GET") return null;
  const path = new URL(request.url).pathname;
  if (/\/api\/threads\/[^/]+\/branches$/.test(path)) return { json: { forks: [] } };
  if (/\/api\/usage\/threads\/[^/]+$/.test(path)) return { json: { total: { input_tokens: 0, output_tokens: 0, reasoning_tokens: 0 }, answers: {} } };
  return null;
}
