import { createContext, useContext, useSyncExternalStore } from "react";
import type { ChatController, ChatState } from "../state/controller";
import type { Translate } from "../locale";

export interface ChatEnv {
  controller: ChatController;
  t: Translate;
  /** The element, for dispatching host-visible events. */
  host: HTMLElement;
}

export const ChatEnvContext = createContext<ChatEnv | null>(null);

/** The colour scheme in effect (diagrams and widgets pick their colours with it). */
export const SchemeContext = createContext<"light" | "dark">("light");

export function useScheme(): "light" | "dark" {
  return useContext(SchemeContext);
}

export function useEnv(): ChatEnv {
  const env = useContext(ChatEnvContext);
  if (!env) throw new Error("ChatKit UI used outside its element");
  return env;
}

export function useChatState<T>(select: (state: ChatState) => T): T {
  const { controller } = useEnv();
  return useSyncExternalStore(controller.subscribe, () => select(controller.getState()));
}

/** Copy text to the clipboard, with a fallback for contexts without the async API. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the legacy path
  }
  try {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  } catch {
    return false;
  }
}
