/**
 * Branches of a thread, as Kitdesk's server keeps them: an edited question or a
 * regenerated answer stays a sibling of the new one, and one path is active.
 * The server lists the items on the active path that have siblings
 * (`GET /api/threads/{id}/branches`); the UI shows `‹ 2 / 3 ›` on them and
 * switches with `POST` (stored; the reply carries the new path's latest page,
 * so the window paints it without loading the thread again).
 * Other ChatKit servers have no such route: a 404 means "no branches here".
 */
import type { Page, Thread, ThreadItem } from "../protocol/types";
import { emptyThreadView, prependOlder, type ThreadView } from "./thread";

/** An item on the active path with sibling versions, oldest first. */
export interface Fork {
  item_id: string;
  /** 1-based position of the active version among its siblings. */
  index: number;
  count: number;
  sibling_ids: string[];
}

export type ForkMap = Readonly<Record<string, Fork>>;

export const NO_FORKS: ForkMap = Object.freeze({});

export function forkMap(forks: readonly Fork[] | undefined): ForkMap {
  const map: Record<string, Fork> = {};
  for (const fork of forks ?? []) {
    if (fork && typeof fork.item_id === "string" && Array.isArray(fork.sibling_ids) && fork.sibling_ids.length > 1) {
      map[fork.item_id] = fork;
    }
  }
  return map;
}

/**
 * The answer to a switch: the new path's forks and, when a page was asked for,
 * the thread (as `threads.get_by_id` answers it) and its newest items (as
 * `items.list` with `order: "desc"` answers them).
 */
export interface SwitchReply {
  forks?: Fork[];
  thread?: Thread;
  items?: Page<ThreadItem>;
}

/** The view of the new path from a switch's reply; null when the reply lacks it (reload then). */
export function switchedView(reply: SwitchReply): ThreadView | null {
  const { thread, items: page } = reply;
  if (!thread || typeof thread.id !== "string" || !page || !Array.isArray(page.data)) return null;
  const { items: _unused, ...meta } = thread;
  return prependOlder(emptyThreadView(meta), [...page.data].reverse(), page.after ?? null, page.has_more === true);
}

/** The sibling one step before (-1) or after (+1) the shown version; null at either end. */
export function siblingTowards(fork: Fork, step: -1 | 1): string | null {
  const position = fork.sibling_ids.indexOf(fork.item_id);
  const target = fork.sibling_ids[(position < 0 ? fork.index - 1 : position) + step];
  return target ?? null;
}

/** The fork shown with an answer: the first of the turn's items that has siblings. */
export function forkOfTurn(turnItemIds: readonly string[], forks: ForkMap): Fork | null {
  for (const id of turnItemIds) {
    const fork = forks[id];
    if (fork) return fork;
  }
  return null;
}

/** The view while an edited message is being sent: the message and what followed it go. */
export function dropItemsFrom(view: ThreadView, itemId: string): ThreadView {
  const index = view.items.findIndex((item: ThreadItem) => item.id === itemId);
  if (index < 0) return view;
  return { ...view, items: view.items.slice(0, index), error: null, notices: [], progress: null, streamingIds: new Set() };
}

export function branchesPath(threadId: string, suffix = ""): string {
  return `api/threads/${encodeURIComponent(threadId)}/branches${suffix}`;
}
