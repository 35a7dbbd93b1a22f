/**
 * Dictation: record the microphone with MediaRecorder, send the audio as
 * `input.transcribe` (base64 + MIME type) through the element's protocol
 * client, and hand the text back for the composer to insert at the caret.
 *
 * idle -> starting (asking for the microphone) -> recording -> transcribing -> idle.
 * A second press, Esc or the time cap stops the recording; every failure ends
 * in idle with one sentence for a person, and never touches the typed text.
 */
import type { Translate } from "../locale";
import { isAbortError, type ChatKitClient } from "../protocol/client";
import { messageOf } from "./errors";

/** Longer dictation is better typed; the cap also bounds the upload (~0.5 MB of Opus). */
export const MAX_RECORDING_MS = 2 * 60 * 1000;

// The containers chatkit-python documents for input.transcribe, best first.
const PREFERRED_TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

export type DictationPhase = "idle" | "starting" | "recording" | "transcribing";

export interface DictationState {
  phase: DictationPhase;
  /** When recording began (the `now()` clock), for the elapsed time shown. */
  startedAt: number | null;
}

/** The part of MediaRecorder dictation uses (tests give a fake; jsdom has none). */
export interface RecorderLike {
  readonly mimeType: string;
  readonly state: string;
  start(): void;
  stop(): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
}

export interface MediaAccess {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  createRecorder(stream: MediaStream): RecorderLike;
}

/** The browser's microphone and recorder, or null where either is missing (button hidden). */
export function browserMediaAccess(): MediaAccess | null {
  const devices = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
  if (typeof devices?.getUserMedia !== "function" || typeof MediaRecorder !== "function") return null;
  return {
    getUserMedia: (constraints) => devices.getUserMedia(constraints),
    createRecorder: (stream) => {
      const supported = typeof MediaRecorder.isTypeSupported === "function" ? MediaRecorder.isTypeSupported : () => false;
      const mimeType = PREFERRED_TYPES.find((type) => supported(type));
      return mimeType ? new MediaRecorder(stream, { mimeType }) : new MediaRecorder(stream);
    },
  };
}

export interface DictationDeps {
  client: ChatKitClient;
  /** Null when this browser cannot record. Read on every use (tests install fakes). */
  media: () => MediaAccess | null;
  update: (state: DictationState) => void;
  /** Text came back: put it into the composer. */
  insert: (text: string) => void;
  /** A sentence for the line under the composer (null clears it). */
  showError: (message: string | null) => void;
  translate: Translate;
  log: (name: string, data?: Record<string, unknown>) => void;
  reportError: (error: unknown) => void;
  now?: () => number;
}

/** The sentence for a getUserMedia / MediaRecorder failure. */
export function microphoneErrorMessage(error: unknown, t: Translate): string {
  const name = typeof error === "object" && error !== null && "name" in error ? String((error as { name: unknown }).name) : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
    case "PermissionDeniedError":
      return t("dictation.permissionDenied");
    case "NotFoundError":
    case "OverconstrainedError":
    case "DevicesNotFoundError":
      return t("dictation.noMicrophone");
    case "NotReadableError":
    case "AbortError":
      return t("dictation.microphoneBusy");
    default:
      return t("dictation.microphoneFailed");
  }
}

/** Base64 of a blob's bytes, in slices so a long recording never overflows the call stack. */
export async function blobToBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  const SLICE = 0x8000;
  for (let i = 0; i < bytes.length; i += SLICE) {
    binary += String.fromCharCode(...bytes.subarray(i, i + SLICE));
  }
  return btoa(binary);
}

export class Dictation {
  private state: DictationState = { phase: "idle", startedAt: null };
  private stream: MediaStream | null = null;
  private recorder: RecorderLike | null = null;
  private chunks: Blob[] = [];
  private capTimer: ReturnType<typeof setTimeout> | null = null;
  private abort: AbortController | null = null;
  /** Bumped by discard(): late callbacks of an abandoned attempt do nothing. */
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly deps: DictationDeps) {
    this.now = deps.now ?? (() => Date.now());
  }

  get available(): boolean {
    return this.deps.media() !== null;
  }

  get phase(): DictationPhase {
    return this.state.phase;
  }

  private set(state: DictationState): void {
    this.state = state;
    this.deps.update(state);
  }

  /** The mic button: start when idle, stop when recording or still asking. */
  toggle(): Promise<void> {
    if (this.state.phase === "idle") return this.start();
    this.stop();
    return Promise.resolve();
  }

  async start(): Promise<void> {
    if (this.state.phase !== "idle") return;
    const media = this.deps.media();
    if (!media) return;
    const generation = ++this.generation;
    this.deps.showError(null);
    this.set({ phase: "starting", startedAt: null });
    this.deps.log("composer.dictation.start");
    let stream: MediaStream;
    try {
      stream = await media.getUserMedia({ audio: true });
    } catch (error) {
      if (generation !== this.generation) return;
      this.fail(microphoneErrorMessage(error, this.deps.translate), error, "microphone");
      return;
    }
    if (generation !== this.generation || this.phase !== "starting") {
      // Stopped or discarded while the permission prompt was up.
      stopTracks(stream);
      return;
    }
    this.stream = stream;
    let recorder: RecorderLike;
    try {
      recorder = media.createRecorder(stream);
      this.chunks = [];
      recorder.addEventListener("dataavailable", (event) => {
        const data = (event as Event & { data?: Blob }).data;
        if (generation === this.generation && data && data.size > 0) this.chunks.push(data);
      });
      recorder.addEventListener("stop", () => {
        if (generation === this.generation) void this.transcribe(generation);
      });
      recorder.addEventListener("error", (event) => {
        if (generation !== this.generation) return;
        const error = (event as Event & { error?: unknown }).error ?? new Error("recording failed");
        this.release();
        this.fail(this.deps.translate("dictation.microphoneFailed"), error, "recorder");
      });
      recorder.start();
    } catch (error) {
      this.release();
      this.fail(microphoneErrorMessage(error, this.deps.translate), error, "recorder");
      return;
    }
    this.recorder = recorder;
    this.set({ phase: "recording", startedAt: this.now() });
    this.capTimer = setTimeout(() => {
      this.deps.log("composer.dictation.limit", { maxMs: MAX_RECORDING_MS });
      this.stop();
    }, MAX_RECORDING_MS);
  }

  /** Stop recording and transcribe what was heard; while still asking, give up quietly. */
  stop(): void {
    if (this.state.phase === "starting") {
      this.generation += 1;
      this.set({ phase: "idle", startedAt: null });
      this.deps.log("composer.dictation.cancel");
      return;
    }
    if (this.state.phase !== "recording" || !this.recorder) return;
    this.clearCap();
    const durationMs = this.state.startedAt === null ? 0 : this.now() - this.state.startedAt;
    this.deps.log("composer.dictation.stop", { durationMs });
    this.set({ phase: "transcribing", startedAt: null });
    // The recorder delivers its last data, then "stop", which sends the audio.
    if (this.recorder.state !== "inactive") this.recorder.stop();
    else void this.transcribe(this.generation);
  }

  /** Drop everything (element removed): no request, no insertion. */
  discard(): void {
    this.generation += 1;
    this.abort?.abort();
    this.abort = null;
    this.clearCap();
    if (this.recorder && this.recorder.state !== "inactive") {
      try {
        this.recorder.stop();
      } catch {
        // Already stopping.
      }
    }
    this.release();
    if (this.state.phase !== "idle") this.set({ phase: "idle", startedAt: null });
  }

  private async transcribe(generation: number): Promise<void> {
    const mimeType = this.recorder?.mimeType || this.chunks[0]?.type || "audio/webm";
    const audio = new Blob(this.chunks, { type: mimeType });
    this.release();
    if (audio.size === 0) {
      this.fail(this.deps.translate("dictation.nothingRecorded"), new Error("no audio was recorded"), "empty");
      return;
    }
    if (this.state.phase !== "transcribing") this.set({ phase: "transcribing", startedAt: null });
    const abort = new AbortController();
    this.abort = abort;
    try {
      const audioBase64 = await blobToBase64(audio);
      const result = await this.deps.client.request<{ text?: unknown }>(
        "input.transcribe",
        { audio_base64: audioBase64, mime_type: mimeType },
        abort.signal,
      );
      if (generation !== this.generation) return;
      const text = typeof result.text === "string" ? result.text.trim() : "";
      this.abort = null;
      this.set({ phase: "idle", startedAt: null });
      if (!text) {
        this.deps.showError(this.deps.translate("dictation.nothingHeard"));
        this.deps.log("composer.dictation.empty");
        return;
      }
      this.deps.insert(text);
      this.deps.log("composer.dictation.done", { chars: text.length, bytes: audio.size, mimeType });
    } catch (error) {
      if (generation !== this.generation || isAbortError(error)) return;
      this.abort = null;
      this.fail(messageOf(error, this.deps.translate), error, "transcribe");
    }
  }

  private fail(message: string, cause: unknown, stage: string): void {
    this.clearCap();
    this.set({ phase: "idle", startedAt: null });
    this.deps.showError(message);
    // The name (NotAllowedError, ChatKitRequestError...) helps a log reader; the
    // error event carries the sentence a person saw, never a stack.
    const reason = typeof cause === "object" && cause !== null && "name" in cause ? String((cause as { name: unknown }).name) : "Error";
    this.deps.log("composer.dictation.error", { stage, reason });
    this.deps.reportError(new Error(message));
  }

  private clearCap(): void {
    if (this.capTimer !== null) clearTimeout(this.capTimer);
    this.capTimer = null;
  }

  private release(): void {
    if (this.stream) stopTracks(this.stream);
    this.stream = null;
    this.recorder = null;
    this.chunks = [];
  }
}

function stopTracks(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}

/**
 * Dictated text inserted where the caret is (replacing a selection), with a
 * space on either side where it would otherwise run into a word.
 */
export function insertDictated(
  text: string,
  selection: { start: number; end: number } | null,
  dictated: string,
): { text: string; caret: number } {
  const start = Math.max(0, Math.min(selection?.start ?? text.length, text.length));
  const end = Math.max(start, Math.min(selection?.end ?? start, text.length));
  const before = text.slice(0, start);
  const after = text.slice(end);
  const lead = before && !/\s$/.test(before) ? " " : "";
  const trail = after && !/^[\s.,;:!?)\]]/.test(after) ? " " : "";
  const inserted = `${lead}${dictated}${trail}`;
  return { text: before + inserted + after, caret: before.length + lead.length + dictated.length };
}
