import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, type FirstAnswer } from "./app/App";
import { api, type AppInfo } from "./app/api";
import "./app/app.css";
import { I18nProvider, initialLanguage } from "./app/i18n";
import { registerChatKitElement } from "./chatkit/index";

// Our <openai-chatkit> must exist before React renders <ChatKit>; it registers
// itself only when nothing else (say the official CDN runtime) has.
registerChatKitElement();

/** The answer if it comes within a moment (index.html preloads it, so it has usually
 * arrived by the time the scripts run); else null, and the splash shows meanwhile. */
function answeredAlready(answer: Promise<AppInfo>): Promise<FirstAnswer["info"]> {
  const moment = new Promise<null>((resolve) => setTimeout(() => resolve(null), 50));
  return Promise.race([answer.catch(() => null), moment]);
}

const root = document.getElementById("root");
if (root) {
  // The chosen language's catalogues (local chunks) load before the first
  // render, so the window never shows English first.
  const answer = api.app();
  const [language, info] = await Promise.all([initialLanguage(), answeredAlready(answer)]);
  createRoot(root).render(
    <StrictMode>
      <I18nProvider initial={language}>
        <App first={{ answer, info }} />
      </I18nProvider>
    </StrictMode>,
  );
}
