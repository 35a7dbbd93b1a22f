/**
 * `<openai-chatkit>`: Kitdesk's open, offline implementation of the ChatKit
 * web component. It implements the public `OpenAIChatKit` interface (checked
 * by tsc below), so `@openai/chatkit-react` drives it unchanged. The UI
 * renders into an open shadow root (styles stay scoped; Playwright's CSS and
 * role selectors pierce it) with a constructable stylesheet, which the page's
 * CSP allows without 'unsafe-inline'.
 */
import type { Attachment, ChatKitOptions, OpenAIChatKit, ToolChoice, UserMessageContent } from "@openai/chatkit";
import { StrictMode } from "react";
import { createRoot, type Root } from "react-dom/client";
import { makeTranslator, type Translate } from "./locale";
import { ChatController } from "./state/controller";
import styles from "./styles.css?inline";
import { App } from "./ui/App";
import { ChatEnvContext, type ChatEnv } from "./ui/context";
import { readHistoryPreference } from "./ui/preferences";
import { adoptSheets } from "./sheets";

let sharedSheet: CSSStyleSheet | null = null;

function adoptStyles(shadow: ShadowRoot): void {
  try {
    if (!sharedSheet) {
      sharedSheet = new CSSStyleSheet();
      sharedSheet.replaceSync(styles);
    }
    adoptSheets(shadow, sharedSheet);
  } catch {
    // Older engines: a <style> element (needs style-src 'unsafe-inline' under CSP).
    const style = document.createElement("style");
    style.textContent = styles;
    shadow.appendChild(style);
  }
}

export class KitdeskChatKitElement extends HTMLElement implements OpenAIChatKit {
  private readonly controller: ChatController;
  private readonly shadow: ShadowRoot;
  private root: Root | null = null;
  private mountPoint: HTMLDivElement | null = null;
  private translateFn: Translate = makeTranslator(undefined);
  private readyFired = false;
  private unmountTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    super();
    this.shadow = this.attachShadow({ mode: "open" });
    adoptStyles(this.shadow);
    this.controller = new ChatController({
      emit: (name, detail) => this.dispatchEvent(new CustomEvent(name, { detail })),
      translate: (key, vars) => this.translateFn(key, vars),
    });
  }

  connectedCallback(): void {
    if (this.unmountTimer) {
      clearTimeout(this.unmountTimer);
      this.unmountTimer = null;
    }
    if (!this.style.display) this.style.display = "block";
    if (this.root) return;
    this.mountPoint = document.createElement("div");
    this.mountPoint.className = "ck-host";
    this.shadow.appendChild(this.mountPoint);
    this.root = createRoot(this.mountPoint);
    this.render();
  }

  disconnectedCallback(): void {
    // React may move the element (re-parent) within one task: unmount later.
    this.unmountTimer = setTimeout(() => {
      if (this.isConnected) return;
      this.root?.unmount();
      this.root = null;
      this.mountPoint?.remove();
      this.mountPoint = null;
      this.controller.cancel();
    }, 0);
  }

  private readonly onRendered = (): void => {
    if (this.readyFired) return;
    this.readyFired = true;
    // After the first paint, once host listeners (added in effects) exist.
    const fire = () => this.dispatchEvent(new CustomEvent("chatkit.ready"));
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(fire, 0));
    else setTimeout(fire, 0);
  };

  private render(): void {
    if (!this.root) return;
    const env: ChatEnv = { controller: this.controller, t: this.translateFn, host: this };
    this.root.render(
      <StrictMode>
        <ChatEnvContext.Provider value={env}>
          <App onRendered={this.onRendered} />
        </ChatEnvContext.Provider>
      </StrictMode>,
    );
  }

  // ---- OpenAIChatKit ----

  setOptions(options: ChatKitOptions): void {
    const first = this.controller.getState().options === null;
    const translate = makeTranslator(options.locale);
    const localeChanged = translate("chat.title") !== this.translateFn("chat.title") || options.locale !== this.controller.getState().options?.locale;
    if (localeChanged) this.translateFn = translate;
    this.controller.setOptions(options);
    if (first && options.history?.enabled !== false) {
      const remembered = readHistoryPreference();
      const wide = typeof window === "undefined" || window.innerWidth >= 760;
      if (remembered ?? wide) this.controller.showHistory();
    }
    if (localeChanged) this.render();
  }

  async focusComposer(): Promise<void> {
    this.controller.focusComposer();
  }

  async setThreadId(threadId: string | null): Promise<void> {
    await this.controller.setThreadId(threadId);
  }

  async sendCustomAction(action: { type: string; payload?: Record<string, unknown> }, itemId?: string): Promise<void> {
    await this.controller.sendCustomAction(action, itemId);
  }

  async sendUserMessage(params: {
    text?: string;
    content?: UserMessageContent[];
    reply?: string;
    attachments?: Attachment[];
    newThread?: boolean;
    toolChoice?: ToolChoice;
    model?: string;
  }): Promise<void> {
    await this.controller.sendUserMessage(params);
  }

  async setComposerValue(params: {
    text?: string;
    content?: UserMessageContent[];
    reply?: string;
    attachments?: Attachment[];
    files?: File[];
    selectedToolId?: string | null;
    selectedModelId?: string;
  }): Promise<void> {
    await this.controller.setComposerValue(params);
  }

  async showHistory(): Promise<void> {
    this.controller.showHistory();
  }

  async hideHistory(): Promise<void> {
    this.controller.hideHistory();
  }

  async fetchUpdates(): Promise<void> {
    await this.controller.fetchUpdates();
  }

  // Not part of OpenAIChatKit: lets the host stop an answer (e.g. on Esc).
  cancelResponse(): void {
    this.controller.cancel();
  }
}
