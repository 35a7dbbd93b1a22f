/**
 * A plain page that uses the BUILT package the way any integrator would:
 * `@kitdesk/chatkit-element/register` defines `<openai-chatkit>`, and
 * `@openai/chatkit-react`'s `useChatKit` + `<ChatKit>` drive it against the
 * ChatKit server at `?api=` (default `/chatkit`). Events land in
 * `window.chatkitEvents` for the browser test.
 */
import "@kitdesk/chatkit-element/register";
import { ChatKit, useChatKit } from "@openai/chatkit-react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

declare global {
  interface Window {
    chatkitEvents: { name: string; detail?: unknown }[];
  }
}

window.chatkitEvents = [];
const record = (name: string) => (detail?: unknown) => window.chatkitEvents.push({ name, detail });
const apiUrl = new URLSearchParams(location.search).get("api") ?? "/chatkit";

function Demo() {
  const { control } = useChatKit({
    api: { url: apiUrl, domainKey: "local" },
    theme: { colorScheme: "light" },
    startScreen: { greeting: "Package demo" },
    threadItemActions: { feedback: true, retry: true },
    onReady: record("ready"),
    onResponseStart: record("response.start"),
    onResponseEnd: record("response.end"),
    onThreadChange: record("thread.change"),
    onError: ({ error }) => window.chatkitEvents.push({ name: "error", detail: error.message }),
  });
  return <ChatKit control={control} style={{ height: "100vh", display: "block" }} />;
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Demo />
  </StrictMode>,
);
