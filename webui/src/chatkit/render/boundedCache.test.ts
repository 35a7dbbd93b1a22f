import { describe, expect, it } from "vitest";
import { BoundedCache } from "./boundedCache";

const byLength = (value: string) => value.length;

describe("BoundedCache", () => {
  it("evicts the least recently used entry past its count", () => {
    const cache = new BoundedCache<string>(2, 1_000, byLength);
    cache.set("a", "1");
    cache.set("b", "2");
    expect(cache.get("a")).toBe("1"); // a is now the most recently used
    cache.set("c", "3");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("1");
    expect(cache.get("c")).toBe("3");
  });

  it("stays within its weight however many heavy entries pass through", () => {
    const cache = new BoundedCache<string>(400, 10_000, byLength);
    for (let n = 0; n < 1_000; n += 1) cache.set(`key ${n}`, "x".repeat(900));
    expect(cache.weight).toBeLessThanOrEqual(10_000);
    expect(cache.size).toBe(11); // the last entries weigh 907 units ("key 9xx" + 900): 11 fit, not 12
    expect(cache.get("key 999")).toBe("x".repeat(900));
    expect(cache.get("key 0")).toBeUndefined();
  });

  it("keeps its weight exact when an entry is replaced or dropped", () => {
    const cache = new BoundedCache<string>(10, 1_000, byLength);
    cache.set("k", "abc");
    cache.set("k", "abcdef");
    expect(cache.weight).toBe(7);
    cache.delete("k");
    expect(cache.weight).toBe(0);
    expect(cache.size).toBe(0);
  });

  it("does not keep an entry heavier than the whole budget", () => {
    const cache = new BoundedCache<string>(10, 100, byLength);
    cache.set("small", "s");
    cache.set("huge", "h".repeat(200));
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.get("small")).toBe("s");
  });
});
