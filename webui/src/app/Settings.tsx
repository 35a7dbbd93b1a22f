/** The settings dialog: the list of sections and the one shown; each section lives in a module of its own. */
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { api, inlineError, type AppInfo, type Settings as SettingsData, type SettingsPatch } from "./api";
import { DataTransfer } from "./DataSettings";
import { McpSettings } from "./McpSettings";
import { Modal } from "./Modal";
import { PromptSettings } from "./PromptSettings";
import { useI18n } from "./i18n";
import type { AppKey } from "./strings";
import { WorkflowSettings } from "./WorkflowSettings";
import { ProvidersSection } from "./ProviderSettings";
import { ModelsSection, ChatSection } from "./ChatSettings";
import { AppearanceSection } from "./AppearanceSettings";
import { DataSection } from "./DataFolders";
import { AboutSection } from "./AboutSettings";
import { ErrorNotice } from "./ErrorNotice";

export type SectionId =
  | "providers"
  | "models"
  | "chat"
  | "prompts"
  | "tools"
  | "workflows"
  | "appearance"
  | "data"
  | "about";

const SECTIONS: { id: SectionId; label: AppKey }[] = [
  { id: "providers", label: "settings.providers" },
  { id: "models", label: "settings.models" },
  { id: "chat", label: "settings.chat" },
  { id: "prompts", label: "settings.prompts" },
  { id: "tools", label: "settings.tools" },
  { id: "workflows", label: "settings.workflows" },
  { id: "appearance", label: "settings.appearance" },
  { id: "data", label: "settings.data" },
  { id: "about", label: "settings.about" },
];

type SettingsProps = {
  info: AppInfo;
  onClose: () => void;
  /** Something the chat depends on changed (providers, models, theme). */
  onChanged: () => void;
  initialSection?: SectionId;
  notice?: ReactNode;
  /** Conversations came in (an import) or were replaced (a restore): the chat should look again. */
  onConversationsChanged?: (change: "imported" | "restored") => void;
};

export function SettingsDialog({ info, onClose, onChanged, initialSection = "providers", notice, onConversationsChanged }: SettingsProps) {
  const [section, setSection] = useState<SectionId>(initialSection);
  const [settings, setSettings] = useState<SettingsData | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const { t } = useI18n();

  const reload = useCallback(async () => {
    try {
      setSettings(await api.settings());
      setLoadError(null);
    } catch (e) {
      setLoadError(inlineError(e));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  /** Saves a change to the plain settings, keeping everything else as the server has it. */
  const update = useCallback(
    async (change: SettingsPatch) => {
      setSettings(await api.saveSettings(change));
      onChanged();
    },
    [onChanged],
  );

  // A provider change may move the default model (Make default, removing the default provider).
  const providersChanged = useCallback(() => {
    void reload();
    onChanged();
  }, [reload, onChanged]);

  return (
    <Modal title={t("settings.title")} onClose={onClose} className="kd-settings" notice={notice}>
      <div className="kd-settings-body">
        <nav className="kd-settings-nav" aria-label={t("settings.sections")}>
          {SECTIONS.map((s) => (
            <button
              key={s.id}
              type="button"
              className="kd-nav-item"
              aria-current={section === s.id ? "page" : undefined}
              data-autofocus={s.id === initialSection ? true : undefined}
              onClick={() => setSection(s.id)}
            >
              {t(s.label)}
            </button>
          ))}
        </nav>
        <section className="kd-settings-section" aria-labelledby={`settings-${section}`}>
          <h3 id={`settings-${section}`}>{t(SECTIONS.find((s) => s.id === section)!.label)}</h3>
          <ErrorNotice message={loadError} />
          {section === "providers" && <ProvidersSection info={info} onChanged={providersChanged} />}
          {section === "models" && settings && <ModelsSection settings={settings} update={update} />}
          {section === "chat" && settings && <ChatSection settings={settings} update={update} />}
          {section === "prompts" && <PromptSettings />}
          {section === "tools" && <McpSettings />}
          {section === "workflows" && <WorkflowSettings />}
          {section === "appearance" && settings && <AppearanceSection settings={settings} update={update} />}
          {section === "data" && (
            <>
              <DataSection info={info} />
              <DataTransfer onChange={(change) => onConversationsChanged?.(change)} />
            </>
          )}
          {section === "about" && <AboutSection info={info} />}
        </section>
      </div>
    </Modal>
  );
}
