import { describe, expect, it } from "vitest";
import { sameOrigin, sendsInCleartext } from "./providerUrl";

describe("sendsInCleartext (the server's rule, for the form)", () => {
  it("warns for http:// to a public address or a name", () => {
    expect(sendsInCleartext("http://api.example.com/v1")).toBe(true);
    expect(sendsInCleartext("http://8.8.8.8:8080/v1")).toBe(true);
    expect(sendsInCleartext("HTTP://Example.COM")).toBe(true);
  });

  it("does not warn for https, this machine or a private network", () => {
    expect(sendsInCleartext("https://api.example.com/v1")).toBe(false);
    expect(sendsInCleartext("http://localhost:11434/v1")).toBe(false);
    expect(sendsInCleartext("http://llm.localhost/v1")).toBe(false);
    expect(sendsInCleartext("http://127.0.0.1:1234/v1")).toBe(false);
    expect(sendsInCleartext("http://192.168.1.20:8000/v1")).toBe(false);
    expect(sendsInCleartext("http://10.0.0.5/v1")).toBe(false);
    expect(sendsInCleartext("http://172.20.0.2/v1")).toBe(false);
    expect(sendsInCleartext("http://[::1]:8080/v1")).toBe(false);
    expect(sendsInCleartext("not a url")).toBe(false);
  });
});

describe("sameOrigin", () => {
  it("compares scheme, host and port, with default ports spelled out", () => {
    expect(sameOrigin("https://api.example.com/v1", "https://API.example.com:443/v2")).toBe(true);
    expect(sameOrigin("https://api.example.com/v1", "http://api.example.com/v1")).toBe(false);
    expect(sameOrigin("https://api.example.com/v1", "https://evil.example.net/v1")).toBe(false);
    expect(sameOrigin("http://localhost:1234/v1", "http://localhost:1235/v1")).toBe(false);
    expect(sameOrigin("nonsense", "nonsense")).toBe(false);
  });
});
