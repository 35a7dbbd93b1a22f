// The server's update state as a hook: the banner (first paint) and Settings › About share it,
// so it lives apart from the About section, which loads only when Settings opens.

import { useCallback, useEffect, useState } from "react";
import { messageOf } from "./api";
import { isBusy, updatesApi, type UpdateState } from "./updates";

const POLL_MS = 1000;

const CHANGED = "kitdesk:updates";

/**
 * The server's update state, polled while it is checking or downloading. Every
 * user of this hook (the banner, Settings > About) sees the same latest answer.
 */
export function useUpdateState(): {
  state: UpdateState | null;
  setState: (state: UpdateState) => void;
  error: string | null;
  setError: (error: string | null) => void;
} {
  const [state, setLocalState] = useState<UpdateState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const setState = useCallback((next: UpdateState) => {
    window.dispatchEvent(new CustomEvent<UpdateState>(CHANGED, { detail: next }));
  }, []);
  useEffect(() => {
    let cancelled = false;
    const onChanged = (event: Event) => setLocalState((event as CustomEvent<UpdateState>).detail);
    window.addEventListener(CHANGED, onChanged);
    updatesApi
      .state()
      .then((s) => !cancelled && setLocalState(s))
      .catch((e: unknown) => !cancelled && setError(messageOf(e)));
    return () => {
      cancelled = true;
      window.removeEventListener(CHANGED, onChanged);
    };
  }, []);
  const busy = state !== null && isBusy(state);
  useEffect(() => {
    if (!busy) return;
    const timer = window.setInterval(() => {
      updatesApi.state().then(setState, () => undefined);
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [busy]);
  return { state, setState, error, setError };
}
