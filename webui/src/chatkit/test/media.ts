/**
 * A fake microphone for jsdom (which has no MediaRecorder or getUserMedia):
 * a stream whose tracks remember being stopped, and a recorder that, like
 * the real one, delivers its data and then "stop" asynchronously after stop().
 */
import type { MediaAccess, RecorderLike } from "../state/dictation";

export class FakeTrack {
  stopped = false;
  stop(): void {
    this.stopped = true;
  }
}

export class FakeRecorder extends EventTarget implements RecorderLike {
  state: "inactive" | "recording" = "inactive";
  constructor(
    readonly mimeType: string,
    private readonly bytes: Uint8Array,
  ) {
    super();
  }
  start(): void {
    this.state = "recording";
  }
  stop(): void {
    if (this.state === "inactive") return;
    this.state = "inactive";
    setTimeout(() => {
      const data = new Blob([this.bytes.slice()], { type: this.mimeType });
      this.dispatchEvent(Object.assign(new Event("dataavailable"), { data }));
      this.dispatchEvent(new Event("stop"));
    }, 0);
  }
}

export interface FakeMicrophone {
  media: MediaAccess;
  tracks: FakeTrack[];
  recorders: FakeRecorder[];
  /** Constraints of every getUserMedia call. */
  asked: MediaStreamConstraints[];
}

/**
 * `deny` makes getUserMedia reject with that DOMException name (NotAllowedError
 * for a refused permission, NotFoundError for no device); `hold` keeps the
 * permission prompt "up" until the returned release function is called.
 */
export function fakeMicrophone({
  bytes = new Uint8Array([26, 69, 223, 163, 1, 2, 3, 4, 250, 251]),
  mimeType = "audio/webm;codecs=opus",
  deny,
  hold = false,
}: { bytes?: Uint8Array; mimeType?: string; deny?: string; hold?: boolean } = {}): FakeMicrophone & { release: () => void } {
  const tracks: FakeTrack[] = [];
  const recorders: FakeRecorder[] = [];
  const asked: MediaStreamConstraints[] = [];
  let release: () => void = () => undefined;
  const media: MediaAccess = {
    async getUserMedia(constraints) {
      asked.push(constraints);
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      if (deny) throw new DOMException("denied by the test", deny);
      const track = new FakeTrack();
      tracks.push(track);
      return { getTracks: () => [track] } as unknown as MediaStream;
    },
    createRecorder() {
      const recorder = new FakeRecorder(mimeType, bytes);
      recorders.push(recorder);
      return recorder;
    },
  };
  return { media, tracks, recorders, asked, release: () => release() };
}

/** Install the fake as the browser's own (navigator.mediaDevices + MediaRecorder); returns an undo. */
export function installBrowserMicrophone(mic: FakeMicrophone, mimeType = "audio/webm;codecs=opus"): () => void {
  const nav = navigator as unknown as { mediaDevices?: unknown };
  const hadDevices = Object.getOwnPropertyDescriptor(navigator, "mediaDevices");
  Object.defineProperty(navigator, "mediaDevices", {
    configurable: true,
    value: { getUserMedia: (c: MediaStreamConstraints) => mic.media.getUserMedia(c) },
  });
  const g = globalThis as unknown as { MediaRecorder?: unknown };
  const hadRecorder = g.MediaRecorder;
  const Recorder = function (this: unknown, stream: MediaStream) {
    return mic.media.createRecorder(stream);
  } as unknown as { isTypeSupported: (type: string) => boolean };
  Recorder.isTypeSupported = (type: string) => type === mimeType;
  g.MediaRecorder = Recorder;
  return () => {
    if (hadDevices) Object.defineProperty(navigator, "mediaDevices", hadDevices);
    else delete nav.mediaDevices;
    if (hadRecorder === undefined) delete g.MediaRecorder;
    else g.MediaRecorder = hadRecorder;
  };
}
