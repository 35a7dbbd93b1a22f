import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import "./app/app.css";
import { registerChatKitElement } from "./chatkit/index";

// Our <openai-chatkit> must exist before React renders <ChatKit>; it registers
// itself only when nothing else (say the official CDN runtime) has.
registerChatKitElement();

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
