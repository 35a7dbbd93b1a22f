/**
 * Tokens an answer used, from Kitdesk's `GET /api/usage/threads/{id}`: each
 * answer's counts by the id of its last item, and the thread's total (every
 * branch). Shown quietly under answers; other servers have no such route (404).
 */

export interface TokenCounts {
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

export interface ThreadUsage {
  threadId: string | null;
  answers: Readonly<Record<string, TokenCounts>>;
  total: TokenCounts | null;
}

export const NO_USAGE: ThreadUsage = Object.freeze({ threadId: null, answers: Object.freeze({}), total: null });

export function usagePath(threadId: string): string {
  return `api/usage/threads/${encodeURIComponent(threadId)}`;
}

/** A turn's counts: the sum over its items that have any (a tool loop may record more than one). */
export function turnUsage(itemIds: readonly string[], answers: Readonly<Record<string, TokenCounts>>): TokenCounts | null {
  const found = itemIds.map((id) => answers[id]).filter((counts): counts is TokenCounts => Boolean(counts));
  if (found.length === 0) return null;
  return found.reduce((sum, counts) => ({
    input_tokens: sum.input_tokens + counts.input_tokens,
    output_tokens: sum.output_tokens + counts.output_tokens,
    reasoning_tokens: sum.reasoning_tokens + counts.reasoning_tokens,
  }));
}

export function hasTokens(counts: TokenCounts | null | undefined): counts is TokenCounts {
  return Boolean(counts && (counts.input_tokens > 0 || counts.output_tokens > 0));
}

/**
 * The thread's total, when it says more than the last answer's own line: a chat
 * with one answer (or whose every token went to its last answer) would show the
 * same counts twice.
 */
export function chatTotal(usage: ThreadUsage, lastTurnIds: readonly string[]): TokenCounts | null {
  const total = usage.total;
  if (!hasTokens(total)) return null;
  const last = turnUsage(lastTurnIds, usage.answers);
  const same = last !== null && last.input_tokens === total.input_tokens && last.output_tokens === total.output_tokens;
  return same ? null : total;
}
