import { describe, expect, it } from "vitest";
import { describeConnection, describeKey, errorFromResponse, type ProviderView } from "./api";
import { reconnectDelay } from "./backoff";
import { matchShortcut } from "./shortcuts";
import { resolveScheme } from "./theme";

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
    expect(matchShortcut(key("N", { ctrlKey: true, shiftKey: true }), false, false)).toBeNull();
  });
});

describe("helpers", () => {
  it("backs off 1, 2, 4, 8 then 15 seconds", () => {
    expect([0, 1, 2, 3, 4, 9].map(reconnectDelay)).toEqual([1, 2, 4, 8, 15, 15]);
  });

  it("words connection results for a person", () => {
    expect(describeConnection({ ok: true, message: "", model_count: 23 })).toBe("Connected: 23 models");
    expect(describeConnection({ ok: true, message: "", model_count: 1 })).toBe("Connected: 1 model");
    expect(describeConnection({ ok: false, message: "Key rejected by the provider", model_count: null })).toBe(
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
      key: { has_key: false, source: "none" },
    };
    expect(describeKey(base)).toBe("No key");
    expect(describeKey({ ...base, key: { has_key: true, source: "keyring" } })).toBe("Key stored in the system keyring");
    expect(describeKey({ ...base, key: { has_key: true, source: "environment" } })).toBe("Using OPENAI_API_KEY");
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
