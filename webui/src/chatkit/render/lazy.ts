/**
 * Heavy renderers (KaTeX, Mermaid, the HTML preview, highlight.js) load on demand with a
 * dynamic `import()`, each in its own chunk, the first time a message needs
 * one: an answer without maths or diagrams loads none of them. Rendering stays
 * synchronous: until a module has arrived the markdown shows the source, and
 * the arrival bumps `loadedVersion`, which the Markdown component subscribes
 * to (and which is part of every render cache key), so it renders again.
 */
import type katexModule from "katex";

export type Katex = typeof katexModule;
export type MermaidModule = typeof import("./diagram");
export type PreviewModule = typeof import("./preview");
export type HighlightModule = typeof import("./highlightLanguages");

interface Modules {
  katex: Katex;
  diagram: MermaidModule;
  preview: PreviewModule;
  highlight: HighlightModule;
}

export type LazyName = keyof Modules;

const loaders: { [K in LazyName]: () => Promise<Modules[K]> } = {
  katex: () => Promise.all([import("katex"), import("./katexStyles")]).then(([mod, styles]) => {
    styles.installKatexStyles();
    return mod.default;
  }),
  diagram: () => import("./diagram"),
  preview: () => import("./preview"),
  highlight: () => import("./highlightLanguages"),
};

const loaded: Partial<Modules> = {};
const pending = new Map<LazyName, Promise<unknown>>();
const listeners = new Set<() => void>();
let version = 0;

/** The module when it has arrived, else `undefined` (and its load starts). */
export function lazyModule<K extends LazyName>(name: K): Modules[K] | undefined {
  const mod = loaded[name];
  if (mod) return mod;
  void loadModule(name).catch(() => undefined);
  return undefined;
}

/** Resolves with the module, loading it once. */
export function loadModule<K extends LazyName>(name: K): Promise<Modules[K]> {
  const mod = loaded[name];
  if (mod) return Promise.resolve(mod);
  let promise = pending.get(name) as Promise<Modules[K]> | undefined;
  if (!promise) {
    promise = loaders[name]().then(
      (value) => {
        loaded[name] = value;
        pending.delete(name);
        version += 1;
        for (const listener of listeners) listener();
        return value;
      },
      (error: unknown) => {
        // A failed chunk (e.g. the app was updated underneath) may be retried later.
        pending.delete(name);
        throw error;
      },
    );
    pending.set(name, promise);
  }
  return promise;
}

/** Whether a module has arrived (no load is started). */
export function isLoaded(name: LazyName): boolean {
  return loaded[name] !== undefined;
}

/**
 * Which of the modules that change markdown's HTML (KaTeX, highlight.js) have
 * arrived: part of every markdown cache key, so what was rendered before one
 * arrived (maths as source, code unhighlighted) is rendered again.
 */
export function renderedWith(): string {
  return `${isLoaded("katex") ? "k" : ""}${isLoaded("highlight") ? "h" : ""}`;
}

/** Increases each time a module arrives. */
export function loadedVersion(): number {
  return version;
}

export function subscribeLoaded(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
