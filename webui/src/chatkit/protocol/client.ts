/**
 * The ChatKit HTTP client: one POST endpoint, `{"type": op, "params": {...}}`
 * bodies, JSON answers for plain ops and `text/event-stream` for streaming ops.
 *
 * Streams carry `data: <json>\n\n` frames and no terminal event: the stream is
 * over when the body ends. Chunks may split a frame (or a multi-byte UTF-8
 * character) anywhere, so bytes go through a streaming TextDecoder and an
 * SSE parser (eventsource-parser) that buffers partial lines.
 */
import { createParser } from "eventsource-parser";
import type { JsonOp, StreamingOp, ThreadStreamEvent } from "./types";

export interface ApiConfig {
  url: string;
  fetch?: typeof fetch;
}

/** An error a person can read; `status` and `code` help callers decide. */
export class ChatKitRequestError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  constructor(message: string, status?: number, code?: string) {
    super(message);
    this.name = "ChatKitRequestError";
    this.status = status;
    this.code = code;
  }
}

export function isAbortError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "name" in error &&
    (error as { name: unknown }).name === "AbortError"
  );
}

async function errorFromResponse(response: Response): Promise<ChatKitRequestError> {
  let message = "";
  let code: string | undefined;
  try {
    const text = await response.text();
    try {
      const body = JSON.parse(text) as unknown;
      if (body && typeof body === "object") {
        const err = (body as { error?: unknown; detail?: unknown }).error ?? (body as { detail?: unknown }).detail;
        if (err && typeof err === "object") {
          const e = err as { message?: unknown; code?: unknown };
          if (typeof e.message === "string") message = e.message;
          if (typeof e.code === "string") code = e.code;
        } else if (typeof err === "string") {
          message = err;
        }
      }
    } catch {
      // Not JSON: a short plain-text body is still better than nothing.
      if (text && text.length < 300 && !text.trimStart().startsWith("<")) message = text.trim();
    }
  } catch {
    // Body unreadable; fall through to the status line.
  }
  if (!message) message = `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}.`;
  return new ChatKitRequestError(message, response.status, code);
}

function networkError(error: unknown): unknown {
  if (isAbortError(error)) return error;
  return new ChatKitRequestError(
    "Could not reach the chat server. Check that it is running, then try again.",
    undefined,
    "network",
  );
}

/** Feeds raw bytes and yields decoded stream events; exposed for tests. */
export class SSEDecoder {
  private readonly decoder = new TextDecoder("utf-8");
  private readonly parser;
  private readonly out: ThreadStreamEvent[] = [];
  private malformed = 0;

  constructor() {
    this.parser = createParser({
      onEvent: (message) => {
        if (!message.data) return;
        try {
          this.out.push(JSON.parse(message.data) as ThreadStreamEvent);
        } catch {
          this.malformed += 1;
        }
      },
    });
  }

  /** Decode a chunk; returns the events completed by it. */
  push(chunk: Uint8Array): ThreadStreamEvent[] {
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
    return this.out.splice(0);
  }

  /** Flush at end of body: a last frame without its blank line still counts. */
  end(): ThreadStreamEvent[] {
    const tail = this.decoder.decode();
    if (tail) this.parser.feed(tail);
    this.parser.feed("\n\n");
    return this.out.splice(0);
  }

  get malformedFrames(): number {
    return this.malformed;
  }
}

export class ChatKitClient {
  constructor(private readonly config: () => ApiConfig) {}

  private get fetcher(): typeof fetch {
    const custom = this.config().fetch;
    return custom ?? ((input, init) => window.fetch(input, init));
  }

  get url(): string {
    return this.config().url;
  }

  /** Resolve a path (e.g. "/api/search") against the API URL's origin. */
  resolve(path: string): string {
    const base = typeof location !== "undefined" ? location.href : "http://localhost/";
    return new URL(path, new URL(this.url, base)).toString();
  }

  async request<T>(op: JsonOp, params: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await this.fetcher(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ type: op, params }),
        signal,
      });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * Run a streaming op, calling `onEvent` for every decoded event in order.
   * Resolves when the body ends; rejects with an AbortError when `signal`
   * aborts (events already delivered stay delivered).
   */
  async stream(
    op: StreamingOp,
    params: Record<string, unknown>,
    onEvent: (event: ThreadStreamEvent) => void,
    signal?: AbortSignal,
    metadata?: Record<string, unknown>,
  ): Promise<void> {
    let response: Response;
    try {
      response = await this.fetcher(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(metadata ? { type: op, params, metadata } : { type: op, params }),
        signal,
      });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    const decoder = new SSEDecoder();
    const contentType = response.headers.get("content-type") ?? "";
    if (!response.body || !contentType.includes("text/event-stream")) {
      // A JSON body on a streaming op is an error report from a proxy or server.
      const text = await response.text();
      if (contentType.includes("event-stream")) {
        decoder.push(new TextEncoder().encode(text)).forEach(onEvent);
        decoder.end().forEach(onEvent);
        return;
      }
      throw new ChatKitRequestError("The server sent an unexpected answer instead of a stream.", response.status);
    }
    const reader = response.body.getReader();
    try {
      for (;;) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          if (isAbortError(error) || signal?.aborted) throw makeAbortError();
          throw new ChatKitRequestError("The connection to the chat server was lost mid-answer.", undefined, "connection_lost");
        }
        if (result.done) break;
        for (const event of decoder.push(result.value)) onEvent(event);
        if (signal?.aborted) throw makeAbortError();
      }
      for (const event of decoder.end()) onEvent(event);
    } finally {
      reader.releaseLock();
    }
  }

  /** Upload a file as multipart field "file" through the same fetch. */
  async upload(url: string, file: File, method: "POST" | "PUT" = "POST", headers: Record<string, string> = {}, signal?: AbortSignal): Promise<unknown> {
    const form = new FormData();
    form.append("file", file, file.name);
    let response: Response;
    try {
      response = await this.fetcher(url, { method, body: form, headers, signal });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    const text = await response.text();
    try {
      return text ? (JSON.parse(text) as unknown) : null;
    } catch {
      return null;
    }
  }

  /** GET a JSON document (Kitdesk extras such as /api/search). */
  async getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await this.fetcher(url, { method: "GET", headers: { Accept: "application/json" }, signal });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as T;
  }

  /** PATCH or DELETE (Kitdesk extras such as /api/organise/folders/…); the JSON answer. */
  async sendJson<T>(method: "PATCH" | "DELETE", url: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetcher(url, {
        method,
        headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as T;
  }

  /** GET a file (Kitdesk's exports) with the name its Content-Disposition gives. */
  async download(url: string, fallbackName: string): Promise<{ blob: Blob; filename: string }> {
    let response: Response;
    try {
      response = await this.fetcher(url, { method: "GET" });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return { blob: await response.blob(), filename: filenameFromDisposition(response.headers.get("content-disposition"), fallbackName) };
  }

  /** POST a JSON body and read a JSON answer (Kitdesk extras such as /api/threads/…/branches). */
  async postJson<T>(url: string, body: unknown, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await this.fetcher(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as T;
  }
}

/** The file name a download should get: RFC 5987's exact UTF-8 name first, then the plain one. */
export function filenameFromDisposition(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const exact = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (exact) {
    try {
      return decodeURIComponent(exact[1]!.trim());
    } catch {
      // A malformed escape: fall back to the plain name.
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(header) ?? /filename\s*=\s*([^;]+)/i.exec(header);
  return plain?.[1]?.trim() || fallback;
}

function makeAbortError(): Error {
  const error = new Error("The request was cancelled.");
  error.name = "AbortError";
  return error;
}
