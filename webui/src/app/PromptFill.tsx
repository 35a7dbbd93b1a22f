// The small form a saved prompt with {{variables}} opens when it is picked
// from the composer's "/" menu: one field per variable (each asked once), a
// preview of the filled text, and "Use prompt", which hands the text to the
// composer (the person still reviews and sends it). Enter in a field moves on
// to the next one, and from the last one uses the prompt; Shift+Enter is a
// new line.

import { useState, type FormEvent, type KeyboardEvent } from "react";
import { Field } from "./Field";
import { useI18n } from "./i18n";
import { Modal } from "./Modal";
import type { SavedPrompt } from "./promptsApi";
import { fillPrompt } from "./promptVariables";

export function PromptFill({
  prompt,
  onUse,
  onCancel,
}: {
  prompt: SavedPrompt;
  onUse: (text: string) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(prompt.variables.map((name) => [name, ""])),
  );
  const filled = fillPrompt(prompt.text, values);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    onUse(filled);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>, index: number) => {
    if (event.key !== "Enter" || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    const form = event.currentTarget.form;
    const next = form?.querySelectorAll<HTMLTextAreaElement>("textarea")[index + 1];
    if (next) next.focus();
    else submit();
  };

  return (
    <Modal title={t("prompts.fillTitle", { name: prompt.name })} onClose={onCancel} className="kd-prompt-fill">
      <form className="kd-stack" onSubmit={submit}>
        {prompt.variables.map((name, index) => (
          <Field key={name} label={name}>
            {(props) => (
              <textarea
                {...props}
                rows={1}
                className="kd-prompt-value"
                value={values[name] ?? ""}
                data-autofocus={index === 0 ? true : undefined}
                onChange={(e) => setValues((current) => ({ ...current, [name]: e.target.value }))}
                onKeyDown={(e) => onKeyDown(e, index)}
              />
            )}
          </Field>
        ))}
        <div className="kd-field">
          <span className="kd-hint">{t("prompts.preview")}</span>
          <p className="kd-prompt-preview" data-testid="prompt-preview">
            {filled}
          </p>
        </div>
        <div className="kd-actions">
          <button type="button" className="kd-button kd-button-quiet" onClick={onCancel}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="kd-button kd-button-primary">
            {t("prompts.use")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
