// Settings › Models › Reasoning effort: one choice per model whose provider
// takes it (GET /api/models flags them: OpenAI's Responses API). "Model
// default" stores nothing, so the provider decides; a level is stored in
// settings.reasoning_effort under the model ref and sent with every turn.

import type { ModelOption, ReasoningEffort } from "./api";
import { Field } from "./Field";
import { useI18n } from "./i18n";
import type { AppKey } from "./strings";

export const EFFORTS: readonly ReasoningEffort[] = ["minimal", "low", "medium", "high"];

const EFFORT_LABEL: Record<ReasoningEffort, AppKey> = {
  minimal: "reasoning.minimal",
  low: "reasoning.low",
  medium: "reasoning.medium",
  high: "reasoning.high",
};

/** The models that take a reasoning effort, in the list's order. */
export function reasoningModels(models: ModelOption[]): ModelOption[] {
  return models.filter((model) => model.reasoning_effort === true);
}

/** The select's value ("" for the model's default) as the settings change: null removes the entry. */
export function effortChange(ref: string, value: string): Record<string, ReasoningEffort | null> {
  const effort = EFFORTS.find((level) => level === value) ?? null;
  return { [ref]: effort };
}

export function ReasoningEffortList({
  models,
  efforts,
  onChange,
}: {
  models: ModelOption[];
  efforts: Record<string, ReasoningEffort>;
  onChange: (change: Record<string, ReasoningEffort | null>) => void;
}) {
  const { t } = useI18n();
  const shown = reasoningModels(models);
  if (shown.length === 0) return null;
  return (
    <section className="kd-stack" aria-labelledby="kd-reasoning-title">
      <h4 id="kd-reasoning-title" className="kd-form-title">
        {t("reasoning.title")}
      </h4>
      <p className="kd-hint">{t("reasoning.hint")}</p>
      <div className="kd-form-grid">
        {shown.map((model) => (
          <Field
            key={model.id}
            label={model.description ? t("reasoning.modelOf", { model: model.label, provider: model.description }) : model.label}
          >
            {(props) => (
              <select {...props} value={efforts[model.id] ?? ""} onChange={(e) => onChange(effortChange(model.id, e.target.value))}>
                <option value="">{t("reasoning.default")}</option>
                {EFFORTS.map((level) => (
                  <option key={level} value={level}>
                    {t(EFFORT_LABEL[level])}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ))}
      </div>
    </section>
  );
}
