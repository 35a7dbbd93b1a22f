// The prompt library in the composer, through the element's public ChatKit
// API only (so the same app code runs on OpenAI's own <openai-chatkit>):
// `commands` lists the saved prompts when "/" starts the draft, filtered as the
// person types (enabled only while the library has a prompt, so an empty one
// leaves "/" alone and the composer a plain text box); picking one without variables puts its text in the composer
// (`setComposerValue`), one with variables first asks for their values in a
// small form (PromptFill). Nothing is sent: the person reviews and sends.

import type { CommandsOption } from "@openai/chatkit";
import type { UseChatKitReturn } from "@openai/chatkit-react";
import { useEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from "react";
import { PromptFill } from "./PromptFill";
import { PROMPTS_CHANGED, matchingPrompts, promptsApi, type SavedPrompt } from "./promptsApi";

const DESCRIPTION_LENGTH = 80;

function description(text: string): string {
  const line = text.trim().split("\n", 1)[0] ?? "";
  return line.length > DESCRIPTION_LENGTH ? `${line.slice(0, DESCRIPTION_LENGTH - 1)}…` : line;
}

export function usePromptMenu(control: RefObject<UseChatKitReturn | null>): { commands: CommandsOption; dialog: ReactNode } {
  // The prompts of the last search, by id, for onSelect (which gets only the command).
  const shown = useRef(new Map<string, SavedPrompt>());
  const [filling, setFilling] = useState<SavedPrompt | null>(null);
  // Set when the form closes; applied after it has unmounted (and given focus back).
  const [done, setDone] = useState<{ text: string | null } | null>(null);
  const [hasPrompts, setHasPrompts] = useState(false);

  useEffect(() => {
    let live = true;
    const look = () =>
      promptsApi.list().then(
        (prompts) => live && setHasPrompts(prompts.length > 0),
        () => undefined, // unreachable server: the menu stays as it was
      );
    void look();
    window.addEventListener(PROMPTS_CHANGED, look);
    return () => {
      live = false;
      window.removeEventListener(PROMPTS_CHANGED, look);
    };
  }, []);

  const commands = useMemo(
    (): CommandsOption => ({
      enabled: hasPrompts,
      onSearch: async (query) => {
        const matches = matchingPrompts(await promptsApi.list(), query);
        shown.current = new Map(matches.map((p) => [p.id, p]));
        return matches.map((p) => ({ id: p.id, label: p.name, description: description(p.text), icon: "notebook" }));
      },
      onSelect: async (command) => {
        const prompt = shown.current.get(command.id);
        if (!prompt) return;
        if (prompt.variables.length > 0) setFilling(prompt);
        else await control.current?.setComposerValue({ text: prompt.text });
      },
    }),
    [control, hasPrompts],
  );

  useEffect(() => {
    const chatkit = control.current;
    if (!done || !chatkit) return;
    void (async () => {
      if (done.text !== null) await chatkit.setComposerValue({ text: done.text });
      await chatkit.focusComposer();
    })();
  }, [done, control]);

  const dialog = filling ? (
    <PromptFill
      prompt={filling}
      onUse={(text) => {
        setFilling(null);
        setDone({ text });
      }}
      onCancel={() => {
        setFilling(null);
        setDone({ text: null });
      }}
    />
  ) : null;
  return { commands, dialog };
}
