import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import "./app/app.css";

// Our <openai-chatkit> must exist before React renders <ChatKit>; it registers
// itself only when nothing else (say the official CDN runtime) has.
const element = import.meta.glob<{ registerChatKitElement?: () => void }>("./chatkit/index.ts", { eager: true });
for (const module of Object.values(element)) module.registerChatKitElement?.();

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
