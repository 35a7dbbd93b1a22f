/** Seconds to wait before reconnect attempt `attempt` (0-based): 1, 2, 4, 8, then 15 at most. */
export function reconnectDelay(attempt: number): number {
  return Math.min(15, 2 ** Math.max(0, attempt));
}
