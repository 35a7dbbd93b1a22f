/**
 * What a widget action does once a person triggers it, free of DOM: where it
 * goes (the server as a streamed `threads.custom_action`, the server as one
 * JSON `threads.sync_custom_action` answered with `updated_item`, or the
 * page's `widgets.onAction`), and which part of the widget shows it pending
 * (`loadingBehavior`: the control itself, the whole widget, or nothing).
 */
import type { Widgets } from "@openai/chatkit";
import type { ThreadItem } from "../protocol/types";

/** chatkit-python's `ActionConfig`; the official TS type has only `type` and `payload`. */
export interface WidgetActionConfig {
  type: string;
  payload?: Record<string, unknown>;
  handler?: "client" | "server";
  loadingBehavior?: "auto" | "none" | "self" | "container";
  /** false: `threads.sync_custom_action` (one JSON answer) instead of a stream. */
  streaming?: boolean;
}

/** The widget part an action came from: a component key (path or id) and whether it can show its own spinner. */
export interface ActionOrigin {
  key: string;
  selfLoading: boolean;
}

export interface PendingWidgetAction {
  itemId: string;
  /** "self": only `key` shows a spinner; "container": the whole widget is busy. */
  scope: "self" | "container";
  key: string;
}

/** The loading scope of an action, or null when it shows none (`loadingBehavior: "none"`). */
export function loadingScope(action: WidgetActionConfig, origin: ActionOrigin): "self" | "container" | null {
  switch (action.loadingBehavior ?? "auto") {
    case "none":
      return null;
    case "self":
      return "self";
    case "container":
      return "container";
    default:
      return origin.selfLoading ? "self" : "container";
  }
}

/** The action as the wire and `widgets.onAction` see it: form values merged into the payload. */
export function actionForWire(action: WidgetActionConfig, formValues?: Record<string, unknown>): { type: string; payload?: Record<string, unknown> } {
  const payload = formValues ? { ...(action.payload ?? {}), ...formValues } : action.payload;
  return { type: action.type, ...(payload ? { payload } : {}) };
}

export type ActionRoute = "client" | "sync" | "stream";

/** Client-handled actions go to the page's `widgets.onAction`; `streaming: false` is synchronous. */
export function actionRoute(action: WidgetActionConfig): ActionRoute {
  if (action.handler === "client") return "client";
  return action.streaming === false ? "sync" : "stream";
}

export interface SyncActionResponse {
  updated_item?: ThreadItem | null;
}

export type WidgetRootNode = Widgets.Card | Widgets.ListView | Widgets.BasicRoot;
