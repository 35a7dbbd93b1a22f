import { afterEach, describe, expect, it, vi } from "vitest";
import {
  appFetch,
  describeConnection,
  describeKey,
  errorFromResponse,
  fetchInLanguage,
  onReachability,
  type ProviderView,
} from "./api";
import { reconnectDelay } from "./backoff";
import { matchShortcut } from "./shortcuts";
import { resolveScheme } from "./theme";
import { explainTestFailure, withFieldLabels } from "./wording";
import { currentT } from "./i18n";

const t = currentT();

const key = (key: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "altKey" | "shiftKey", boolean>> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe("matchShortcut", () => {
  it("maps the primary modifier per platform", () => {
    expect(matchShortcut(key("n", { ctrlKey: true }), false, false)).toBe("newChat");
    expect(matchShortcut(key("n", { metaKey: true }), false, true)).toBe("newChat");
    expect(matchShortcut(key("n", { ctrlKey: true }), false, true)).toBeNull();
    expect(matchShortcut(key("k", { ctrlKey: true }), true, false)).toBe("search");
    expect(matchShortcut(key(",", { ctrlKey: true }), true, false)).toBe("settings");
    expect(matchShortcut(key("/", { ctrlKey: true }), true, false)).toBe("help");
  });

  it("leaves bare keys to text fields", () => {
    expect(matchShortcut(key("/"), false, false)).toBe("focusComposer");
    expect(matchShortcut(key("/"), true, false)).toBeNull();
    expect(matchShortcut(key("?", { shiftKey: true }), false, false)).toBe("help");
    expect(matchShortcut(key("?", { shiftKey: true }), true, false)).toBeNull();
    expect(matchShortcut(key("Escape"), true, false)).toBe("stop");
    expect(matchShortcut(key("a"), false, false)).toBeNull();
    expect(matchShortcut(key("N", { altKey: true, shiftKey: true }), false, false)).toBeNull();
  });

  it("opens a new window with the primary modifier and Shift", () => {
    expect(matchShortcut(key("N", { ctrlKey: true, shiftKey: true }), true, false)).toBe("newWindow");
    expect(matchShortcut(key("N", { metaKey: true, shiftKey: true }), false, true)).toBe("newWindow");
    expect(matchShortcut(key("N", { ctrlKey: true, shiftKey: true }), false, true)).toBeNull();
  });
});

describe("helpers", () => {
  it("backs off 1, 2, 4, 8 then 15 seconds", () => {
    expect([0, 1, 2, 3, 4, 9].map(reconnectDelay)).toEqual([1, 2, 4, 8, 15, 15]);
  });

  it("words connection results for a person", () => {
    expect(describeConnection({ ok: true, message: "", model_count: 23 }, t)).toBe("Connected: 23 models");
    expect(describeConnection({ ok: true, message: "", model_count: 1 }, t)).toBe("Connected: 1 model");
    expect(describeConnection({ ok: false, message: "Key rejected by the provider", model_count: null }, t)).toBe(
      "Key rejected by the provider",
    );
  });

  it("words key status", () => {
    const base: ProviderView = {
      id: "p",
      name: "P",
      kind: "openai",
      base_url: "https://x",
      enabled: true,
      default_model: null,
      api_version: null,
      read_only: false,
      is_default: false,
      headers: [],
      headers_set: [],
      key: { has_key: false, source: "none" },
    };
    expect(describeKey(base, t)).toBe("No key");
    expect(describeKey({ ...base, key: { has_key: true, source: "keyring" } }, t)).toBe("Key stored in the system keyring");
    expect(describeKey({ ...base, key: { has_key: true, source: "environment" } }, t)).toBe("Using OPENAI_API_KEY");
  });

  it("reads the API's error body", async () => {
    const body = JSON.stringify({ error: { code: "bad_url", message: "The base URL must start with http://" } });
    const error = await errorFromResponse(new Response(body, { status: 422 }));
    expect(error.code).toBe("bad_url");
    expect(error.message).toBe("The base URL must start with http://");
    const plain = await errorFromResponse(new Response("oops", { status: 502, statusText: "Bad Gateway" }));
    expect(plain.message).toBe("The server answered 502 Bad Gateway.");
  });

  it("resolves the system theme", () => {
    expect(resolveScheme("system", true)).toBe("dark");
    expect(resolveScheme("system", false)).toBe("light");
    expect(resolveScheme("light", true)).toBe("light");
  });
});

describe("wording", () => {
  it("names fields by their form labels", () => {
    expect(withFieldLabels("base_url: the base URL must start with http:// or https://")).toBe(
      "Base URL must start with http:// or https://",
    );
    expect(withFieldLabels("name: must not be empty; api_version: must be text.")).toBe(
      "Name must not be empty; API version must be text.",
    );
    expect(withFieldLabels("providers.1.base_url: replace YOUR-RESOURCE with the name of your resource.")).toBe(
      "Base URL: replace YOUR-RESOURCE with the name of your resource.",
    );
    expect(withFieldLabels("default_provider: there is no provider “x”.")).toBe(
      "Default provider: there is no provider “x”.",
    );
    // Unknown names and plain sentences stay as they are.
    expect(withFieldLabels("colour: must be blue")).toBe("colour: must be blue");
    expect(withFieldLabels("The request body is not valid JSON.")).toBe("The request body is not valid JSON.");
  });

  it("reads the API's error body with labels", async () => {
    const body = JSON.stringify({ error: { code: "invalid_provider", message: "base_url: the base URL must not contain spaces." } });
    const error = await errorFromResponse(new Response(body, { status: 422 }));
    expect(error.message).toBe("Base URL must not contain spaces.");
  });

  it("fits connection failures to the screen", () => {
    const asks = "The server asks for an API key. Add one in Settings.";
    const custom = { kind: "custom" as const, baseUrl: "http://127.0.0.1:9/v1" };
    expect(explainTestFailure(asks, { ...custom, keyPlace: "field-above" }, t)).toBe(
      "The server asks for an API key. Enter the API key above.",
    );
    expect(explainTestFailure(asks, { ...custom, keyPlace: "set-key-button" }, t)).toContain("“Set key”");
    expect(explainTestFailure(asks, { ...custom, keyPlace: "none" }, t)).toBe(asks);

    const down = "Could not connect to https://api.openai.com/v1 — is the server running?";
    const openai = { kind: "openai" as const, baseUrl: "https://api.openai.com/v1", keyPlace: "field-above" as const };
    expect(explainTestFailure(down, openai, t)).toBe(
      "Could not reach api.openai.com — check your internet connection.",
    );
    const slow = "No answer from https://api.openai.com/v1 within 10 seconds — is the server running and reachable?";
    expect(explainTestFailure(slow, openai, t)).toBe("Could not reach api.openai.com — check your internet connection.");
    // A local server keeps "is it running?".
    const local = "Could not connect to http://127.0.0.1:11434/v1 — is the server running?";
    expect(explainTestFailure(local, { kind: "ollama", baseUrl: "http://127.0.0.1:11434/v1", keyPlace: "none" }, t)).toBe(local);
    const rejected = "Key rejected by the provider. Check that the key is complete and still active.";
    expect(explainTestFailure(rejected, openai, t)).toBe(rejected);
  });
});

describe("reachability", () => {
  afterEach(() => vi.unstubAllGlobals());

  /** A fetch whose calls stay pending until the test settles them, in any order. */
  function heldFetch() {
    type Held = { url: string; answer: () => void; refuse: () => void };
    const calls: Held[] = [];
    vi.stubGlobal("fetch", (input: RequestInfo | URL) => {
      return new Promise<Response>((resolve, reject) => {
        calls.push({
          url: String(input),
          answer: () => resolve(new Response("{}", { status: 200 })),
          refuse: () => reject(new TypeError("Failed to fetch")),
        });
      });
    });
    const call = (index: number): Held => {
      const held = calls[index];
      if (!held) throw new Error(`no fetch call #${index}`);
      return held;
    };
    return { calls, call };
  }

  it("does not take an answer to a request sent before a failure as the server being back", async () => {
    const { calls, call } = heldFetch();
    const seen: boolean[] = [];
    const stop = onReachability((reachable) => seen.push(reachable));
    try {
      expect(seen).toEqual([true]); // what the latest request showed, at once
      // A slow request is in flight when the server stops taking new connections.
      const slow = appFetch("/api/models");
      const refused = appFetch("/api/settings");
      call(1).refuse();
      await expect(refused).rejects.toThrow(TypeError);
      expect(seen).toEqual([true, false]);
      // The stopping server still finishes the slow one: that proves nothing.
      call(0).answer();
      expect((await slow).status).toBe(200);
      expect(seen).toEqual([true, false]);
      // A request sent after the failure that gets an answer does.
      const probe = appFetch("/api/health");
      call(2).answer();
      await probe;
      expect(seen).toEqual([true, false, true]);
      expect(calls.map((call) => call.url)).toEqual(["/api/models", "/api/settings", "/api/health"]);
    } finally {
      stop();
    }
  });
});

describe("onReachability", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("tells a listener that starts after a failed request that the server is not answering", async () => {
    // The app's first question is asked before the app renders and listens.
    vi.stubGlobal("fetch", () => Promise.reject(new TypeError("Failed to fetch")));
    await expect(appFetch("/api/app")).rejects.toThrow(TypeError);
    const seen: boolean[] = [];
    const stop = onReachability((reachable) => seen.push(reachable));
    try {
      expect(seen).toEqual([false]);
      vi.stubGlobal("fetch", () => Promise.resolve(new Response("{}", { status: 200 })));
      await appFetch("/api/health");
      expect(seen).toEqual([false, true]);
    } finally {
      stop();
    }
  });
});

describe("fetchInLanguage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("names the language shown on every request and keeps the element's own headers", async () => {
    const sent: Headers[] = [];
    vi.stubGlobal("fetch", (_input: RequestInfo | URL, init?: RequestInit) => {
      sent.push(new Headers(init?.headers));
      return Promise.resolve(new Response("{}", { status: 200 }));
    });
    const german = fetchInLanguage("de");
    await german("/chatkit", { method: "POST", headers: { "Content-Type": "application/json" } });
    await fetchInLanguage("ar")("/chatkit", { method: "POST", headers: [["Accept-Language", "en-US"]] });
    expect(sent.map((headers) => headers.get("accept-language"))).toEqual(["de", "ar"]);
    expect(sent[0]?.get("content-type")).toBe("application/json");
  });
});
