/**
 * "A turn is near": asks the server to build its turn engine now.
 *
 * The server imports the engine (and the openai client) on the first turn,
 * not at start, so an idle Kitdesk stays small; the first answer then waits
 * for that import. When the person starts a draft, starts dictating, or calls
 * up the quick-ask window, the app asks for the build (`POST api/chat/warm`)
 * so it runs while they write. Once per page: later asks would only hear
 * "ready". Never at start-up, and never shown: a failed ask changes nothing
 * (the first turn builds the engine anyway) and the next trigger asks again.
 */

import { request } from "./api";

/** The element's `chatkit.log` entries that mean a turn is near. */
const TURN_NEAR_LOGS = new Set(["composer.draft", "composer.dictation.start"]);

let asked = false;

/** Ask the server to build its turn engine, unless this page has asked already. */
export function warmTurnEngine(): void {
  if (asked) return;
  asked = true;
  request<unknown>("POST", "api/chat/warm").catch(() => {
    asked = false;
  });
}

/** Warm when a `chatkit.log` entry says the person is about to send. */
export function warmOnLog(name: string): void {
  if (TURN_NEAR_LOGS.has(name)) warmTurnEngine();
}

/** Forget that this page asked (tests). */
export function resetWarmup(): void {
  asked = false;
}
