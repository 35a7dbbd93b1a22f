/**
 * Public entry: register Kitdesk's `<openai-chatkit>` (only when nothing else,
 * such as OpenAI's CDN runtime, already defined it) and re-export the types.
 * Importing this module has no side effects.
 */
import { KitdeskChatKitElement } from "./element";

export const CHATKIT_TAG = "openai-chatkit";

/** Define the element if the tag is free. Returns true when ours is (now) registered. */
export function registerChatKitElement(): boolean {
  if (typeof customElements === "undefined") return false;
  const existing = customElements.get(CHATKIT_TAG);
  if (existing) return existing === KitdeskChatKitElement;
  customElements.define(CHATKIT_TAG, KitdeskChatKitElement);
  return true;
}

export { KitdeskChatKitElement };
export type {
  ChatKitOptions,
  ChatKitEvents,
  OpenAIChatKit,
  ModelOption,
  ToolOption,
  StartScreenPrompt,
  ThemeOption,
  Attachment,
} from "@openai/chatkit";
export type { ThreadItem, Thread, ThreadMetadata, ThreadStreamEvent } from "./protocol/types";
