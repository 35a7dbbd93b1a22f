import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeFetch, type RecordedRequest } from "../test/fixtures";
import { fakeMicrophone } from "../test/media";
import { ChatController } from "./controller";
import { blobToBase64, insertDictated, MAX_RECORDING_MS } from "./dictation";

type Reply = ReturnType<Parameters<typeof fakeFetch>[0]>;

function setup(mic: ReturnType<typeof fakeMicrophone> | null, reply: (r: RecordedRequest) => Reply = () => ({ json: { text: "hello there" } })) {
  const { fetch, requests } = fakeFetch(reply);
  const events: { name: string; detail: unknown }[] = [];
  const controller = new ChatController({
    emit: (name, detail) => events.push({ name, detail }),
    schedule: (cb) => cb(),
    media: () => mic?.media ?? null,
  });
  controller.setOptions({
    api: { url: "http://127.0.0.1:9/chatkit", domainKey: "local", fetch },
    history: { enabled: false },
    composer: { dictation: { enabled: true } },
  });
  const logs = () =>
    events.filter((e) => e.name === "chatkit.log").map((e) => (e.detail as { name: string }).name);
  const errors = () => events.filter((e) => e.name === "chatkit.error").map((e) => (e.detail as { error: Error }).error.message);
  return { controller, requests, events, logs, errors };
}

const phase = (c: ChatController) => c.getState().dictation.phase;
const settle = (c: ChatController) =>
  vi.waitFor(() => {
    if (phase(c) !== "idle") throw new Error(`still ${phase(c)}`);
  });

afterEach(() => {
  vi.useRealTimers();
});

describe("dictation", () => {
  it("records, sends input.transcribe with the audio and inserts the text at the caret", async () => {
    const mic = fakeMicrophone();
    const { controller, requests, logs } = setup(mic);
    controller.setComposerText("Please  today");
    await controller.toggleDictation(() => ({ start: 7, end: 7 }));
    expect(phase(controller)).toBe("recording");
    expect(mic.asked).toEqual([{ audio: true }]);
    expect(controller.getState().dictation.startedAt).toEqual(expect.any(Number));

    await controller.toggleDictation();
    expect(phase(controller)).toBe("transcribing");
    await settle(controller);

    const transcribe = requests.filter((r) => r.type === "input.transcribe");
    expect(transcribe).toHaveLength(1);
    const params = transcribe[0]!.params as { audio_base64: string; mime_type: string };
    expect(params.mime_type).toBe("audio/webm;codecs=opus");
    expect(Array.from(Uint8Array.from(atob(params.audio_base64), (c) => c.charCodeAt(0)))).toEqual([26, 69, 223, 163, 1, 2, 3, 4, 250, 251]);
    expect(Object.keys(params).sort()).toEqual(["audio_base64", "mime_type"]);

    const composer = controller.getState().composer;
    expect(composer.text).toBe("Please hello there today");
    expect(composer.caretAt).toBe("Please hello there".length);
    expect(composer.error).toBeNull();
    // Inserted, never sent.
    expect(requests.map((r) => r.type)).toEqual(["input.transcribe"]);
    expect(mic.tracks.every((t) => t.stopped)).toBe(true);
    // The typed text started a draft before the dictation.
    expect(logs()).toEqual(["composer.draft", "composer.dictation.start", "composer.dictation.stop", "composer.dictation.done"]);
  });

  it("adds to the end when the composer never had a caret", async () => {
    const { controller } = setup(fakeMicrophone());
    controller.setComposerText("Note:");
    await controller.toggleDictation(() => null);
    controller.stopDictation();
    await settle(controller);
    expect(controller.getState().composer.text).toBe("Note: hello there");
  });

  it("keeps the typed text and says why when the microphone is refused", async () => {
    const mic = fakeMicrophone({ deny: "NotAllowedError" });
    const { controller, requests, errors, logs } = setup(mic);
    controller.setComposerText("typed by hand");
    await controller.toggleDictation();
    expect(phase(controller)).toBe("idle");
    const state = controller.getState();
    expect(state.composer.text).toBe("typed by hand");
    expect(state.composer.error).toBe("Microphone access was blocked. Allow it for this app to dictate.");
    expect(errors()).toEqual([state.composer.error]);
    expect(logs()).toContain("composer.dictation.error");
    expect(requests).toHaveLength(0);
  });

  it("says when there is no microphone", async () => {
    const { controller } = setup(fakeMicrophone({ deny: "NotFoundError" }));
    await controller.toggleDictation();
    expect(controller.getState().composer.error).toBe("No microphone was found. Connect one and try again.");
  });

  it("shows the server's sentence when the provider has no speech-to-text, and keeps the text", async () => {
    const sentence = "Local does not offer speech-to-text, so dictation is not available with it.";
    const { controller, errors } = setup(fakeMicrophone(), () => ({
      json: { error: { code: "transcription_unavailable", message: sentence } },
      status: 422,
    }));
    controller.setComposerText("draft");
    await controller.toggleDictation();
    controller.stopDictation();
    await settle(controller);
    expect(controller.getState().composer.text).toBe("draft");
    expect(controller.getState().composer.error).toBe(sentence);
    expect(errors()).toEqual([sentence]);
  });

  it("reports a network failure in words", async () => {
    const { controller } = setup(fakeMicrophone(), () => {
      throw new TypeError("Failed to fetch");
    });
    controller.setComposerText("draft");
    await controller.toggleDictation();
    controller.stopDictation();
    await settle(controller);
    expect(controller.getState().composer.text).toBe("draft");
    expect(controller.getState().composer.error).toBe("Could not reach the chat server. Check that it is running, then try again.");
  });

  it("stops by itself at the time cap and transcribes what it has", async () => {
    vi.useFakeTimers();
    const { controller, requests, logs } = setup(fakeMicrophone());
    await controller.toggleDictation();
    vi.advanceTimersByTime(MAX_RECORDING_MS - 1);
    expect(phase(controller)).toBe("recording");
    vi.advanceTimersByTime(1);
    expect(phase(controller)).toBe("transcribing");
    vi.runOnlyPendingTimers(); // the recorder's final data and "stop"
    vi.useRealTimers();
    await settle(controller);
    expect(logs()).toContain("composer.dictation.limit");
    expect(requests.map((r) => r.type)).toEqual(["input.transcribe"]);
    expect(controller.getState().composer.text).toBe("hello there");
  });

  it("gives up quietly when stopped while the permission prompt is up", async () => {
    const mic = fakeMicrophone({ hold: true });
    const { controller, requests } = setup(mic);
    const started = controller.toggleDictation();
    expect(phase(controller)).toBe("starting");
    controller.stopDictation();
    expect(phase(controller)).toBe("idle");
    mic.release();
    await started;
    expect(phase(controller)).toBe("idle");
    expect(mic.recorders).toHaveLength(0);
    expect(mic.tracks.every((t) => t.stopped)).toBe(true);
    expect(requests).toHaveLength(0);
  });

  it("says so when nothing was recorded, without a request", async () => {
    const { controller, requests } = setup(fakeMicrophone({ bytes: new Uint8Array() }));
    await controller.toggleDictation();
    controller.stopDictation();
    await settle(controller);
    expect(controller.getState().composer.error).toBe("Nothing was recorded. Check your microphone and try again.");
    expect(requests).toHaveLength(0);
  });

  it("says so when the recording held no speech", async () => {
    const { controller } = setup(fakeMicrophone(), () => ({ json: { text: "  " } }));
    controller.setComposerText("kept");
    await controller.toggleDictation();
    controller.stopDictation();
    await settle(controller);
    expect(controller.getState().composer.text).toBe("kept");
    expect(controller.getState().composer.error).toBe("No speech was recognised in the recording.");
  });

  it("is unavailable without a microphone API, and the mic does nothing", async () => {
    const { controller } = setup(null);
    expect(controller.dictationAvailable).toBe(false);
    await controller.toggleDictation();
    expect(phase(controller)).toBe("idle");
  });

  it("drops a transcription that arrives after the element is gone", async () => {
    let answer: (value: Reply) => void = () => undefined;
    const pending = new Promise<Reply>((resolve) => (answer = resolve));
    const { fetch } = fakeFetch(() => ({ json: { text: "late" } }));
    const controller = new ChatController({ emit: () => undefined, schedule: (cb) => cb(), media: () => fakeMicrophone().media });
    controller.setOptions({
      api: { url: "http://127.0.0.1:9/chatkit", domainKey: "local", fetch: async (input, init) => (await pending, fetch(input, init)) },
      history: { enabled: false },
    });
    await controller.toggleDictation();
    controller.stopDictation();
    await vi.waitFor(() => expect(phase(controller)).toBe("transcribing"));
    controller.destroy();
    answer({ json: {} });
    await new Promise((r) => setTimeout(r, 20));
    expect(controller.getState().composer.text).toBe("");
  });
});

describe("insertDictated", () => {
  it("replaces a selection and spaces the words apart", () => {
    expect(insertDictated("Hello cruel world", { start: 6, end: 11 }, "kind")).toEqual({ text: "Hello kind world", caret: 10 });
    expect(insertDictated("Hello", { start: 5, end: 5 }, "there")).toEqual({ text: "Hello there", caret: 11 });
    expect(insertDictated("", null, "Hi")).toEqual({ text: "Hi", caret: 2 });
    expect(insertDictated("Hi!", { start: 2, end: 2 }, "there")).toEqual({ text: "Hi there!", caret: 8 });
    expect(insertDictated("line\n", { start: 5, end: 5 }, "next")).toEqual({ text: "line\nnext", caret: 9 });
  });
});

describe("blobToBase64", () => {
  it("encodes more bytes than one slice", async () => {
    const bytes = new Uint8Array(100_000).map((_, i) => i % 256);
    const encoded = await blobToBase64(new Blob([bytes]));
    expect(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0))).toEqual(bytes);
  });
});
