import { useCallback, useEffect, useRef, useState } from "react";
import { api, onReachability } from "./api";
import { reconnectDelay } from "./backoff";

export type Connection = {
  /** False while the local server does not answer. */
  reachable: boolean;
  /** Seconds until the next automatic attempt (null while one is running). */
  retryIn: number | null;
  /** Try now instead of waiting. */
  retryNow: () => void;
};

/**
 * Watches every request the app and the element make; once one fails at the
 * network level, polls GET /api/health with backoff until the server answers.
 */
export function useConnection(onReconnected: () => void): Connection {
  const [reachable, setReachable] = useState(true);
  const [retryIn, setRetryIn] = useState<number | null>(null);
  const attempt = useRef(0);
  const timer = useRef<number | undefined>(undefined);
  const reconnected = useRef(onReconnected);
  reconnected.current = onReconnected;

  useEffect(() => onReachability(setReachable), []);

  const probe = useCallback(async () => {
    window.clearInterval(timer.current);
    setRetryIn(null);
    try {
      await api.health();
      attempt.current = 0;
      setReachable(true);
    } catch {
      let remaining = reconnectDelay(attempt.current++);
      setRetryIn(remaining);
      timer.current = window.setInterval(() => {
        remaining -= 1;
        if (remaining <= 0) {
          void probe();
        } else {
          setRetryIn(remaining);
        }
      }, 1000);
    }
  }, []);

  const wasReachable = useRef(true);
  useEffect(() => {
    if (!reachable) void probe();
    else if (!wasReachable.current) reconnected.current();
    wasReachable.current = reachable;
    return () => window.clearInterval(timer.current);
  }, [reachable, probe]);

  return { reachable, retryIn, retryNow: () => void probe() };
}
