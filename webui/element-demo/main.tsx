/**
 * A plain page that uses the BUILT package the way any integrator would:
 * `@kitdesk/chatkit-element/register` defines `<openai-chatkit>`, and
 * `@openai/chatkit-react`'s `useChatKit` + `<ChatKit>` drive it against the
 * ChatKit server at `?api=` (default `/chatkit`). Events land in
 * `window.chatkitEvents` for the browser test. The page also handles what a
 * ChatKit server may ask of it: client tool calls (`onClientTool`), client
 * widget actions (`widgets.onAction`), effects (`onEffect`) and entities
 * (with `?entities=1`: `@` tag search over two people, a preview widget, clicks).
 */
import "@kitdesk/chatkit-element/register";
import type { Entity } from "@openai/chatkit";
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
const query = new URLSearchParams(location.search);
const apiUrl = query.get("api") ?? "/chatkit";
// With entities the message box becomes a combobox (it offers `@` tags): only on request.
const withEntities = query.get("entities") === "1";

const PEOPLE: Entity[] = [
  { id: "ent_ada", title: "Ada Lovelace", group: "People", interactive: true, data: { role: "mathematician" } },
  { id: "ent_grace", title: "Grace Hopper", group: "People", interactive: true, data: { role: "admiral" } },
];

function Demo() {
  const { control } = useChatKit({
    api: { url: apiUrl, domainKey: "local" },
    theme: { colorScheme: "light" },
    startScreen: { greeting: "Package demo" },
    threadItemActions: { feedback: true, retry: true },
    onClientTool: async ({ name, params }) => {
      window.chatkitEvents.push({ name: "client.tool", detail: { name, params } });
      return { selection: "Selected words", chars: 14 };
    },
    widgets: {
      onAction: async (action, item) => {
        window.chatkitEvents.push({ name: "widget.action", detail: { type: action.type, payload: action.payload, item: item.id } });
      },
    },
    onEffect: ({ name, data }) => window.chatkitEvents.push({ name: "effect", detail: { name, data } }),
    ...(withEntities
      ? {
          entities: {
            onTagSearch: async (text: string) => PEOPLE.filter((p) => p.title.toLowerCase().includes(text.toLowerCase())),
            onRequestPreview: async (entity: Entity) => ({
              preview: { type: "Basic" as const, children: [{ type: "Text" as const, value: `Preview of ${entity.title}` }] },
            }),
            onClick: (entity: Entity) => window.chatkitEvents.push({ name: "entity.click", detail: entity.id }),
          },
        }
      : {}),
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
