/**
 * A least-recently-used map bounded by entry count and by total weight.
 *
 * The render caches hold strings (rendered HTML, diagram SVG) whose sizes vary
 * by a factor of a thousand: a count alone lets 400 long answers with
 * highlighted code, or 100 diagrams, hold tens of megabytes for as long as the
 * window is open. The weight of an entry is its key's and value's length in
 * UTF-16 code units, about one byte each for the Latin-1 strings V8 mostly
 * stores. An entry heavier than the whole budget is not kept at all.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private used = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Most recently used goes last; eviction takes from the front.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const weight = key.length + this.weigh(value);
    if (weight > this.maxWeight) return;
    this.entries.set(key, { value, weight });
    this.used += weight;
    while (this.entries.size > this.maxEntries || this.used > this.maxWeight) {
      this.delete(this.entries.keys().next().value as string);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.used -= entry.weight;
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The summed weight of what is kept. */
  get weight(): number {
    return this.used;
  }
}
