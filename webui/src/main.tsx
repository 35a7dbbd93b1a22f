import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import "./app/app.css";
import { I18nProvider, initialLanguage } from "./app/i18n";
import { registerChatKitElement } from "./chatkit/index";

// Our <openai-chatkit> must exist before React renders <ChatKit>; it registers
// itself only when nothing else (say the official CDN runtime) has.
registerChatKitElement();

const root = document.getElementById("root");
if (root) {
  // The chosen language's catalogues (local chunks) load before the first
  // render, so the window never shows English first.
  const language = await initialLanguage();
  createRoot(root).render(
    <StrictMode>
      <I18nProvider initial={language}>
        <App />
      </I18nProvider>
    </StrictMode>,
  );
}
