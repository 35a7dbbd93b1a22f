/** The settings dialog: the list of sections and the one shown; each section lives in a module of its own. */
import { lazy, Suspense, useCallback, useEffect, useState, useTransition, type ReactNode } from "react";
import { api, inlineError, type AppInfo, type Settings as SettingsData, type SettingsPatch } from "./api";
import { Modal } from "./Modal";
import { useI18n } from "./i18n";
import type { AppKey } from "./strings";
import { ErrorNotice } from "./ErrorNotice";

// Each section is its own chunk, loaded when first shown: none of them is on
// the chat's first paint, and opening Settings loads only the section it opens on.
const ProvidersSection = lazy(() => import("./ProviderSettings").then((m) => ({ default: m.ProvidersSection })));
const ModelsSection = lazy(() => import("./ChatSettings").then((m) => ({ default: m.ModelsSection })));
const ChatSection = lazy(() => import("./ChatSettings").then((m) => ({ default: m.ChatSection })));
const PromptSettings = lazy(() => import("./PromptSettings").then((m) => ({ default: m.PromptSettings })));
const McpSettings = lazy(() => import("./McpSettings").then((m) => ({ default: m.McpSettings })));
const WorkflowSettings = lazy(() => import("./WorkflowSettings").then((m) => ({ default: m.WorkflowSettings })));
const AppearanceSection = lazy(() => import("./AppearanceSettings").then((m) => ({ default: m.AppearanceSection })));
const DataSection = lazy(() => import("./DataFolders").then((m) => ({ default: m.DataSection })));
const DataTransfer = lazy(() => import("./DataSettings").then((m) => ({ default: m.DataTransfer })));
const AboutSection = lazy(() => import("./AboutSettings").then((m) => ({ default: m.AboutSection })));

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
  // Switching sections keeps the current one on screen until the next one's chunk is in.
  const [, startTransition] = useTransition();

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
              onClick={() => startTransition(() => setSection(s.id))}
            >
              {t(s.label)}
            </button>
          ))}
        </nav>
        <section className="kd-settings-section" aria-labelledby={`settings-${section}`}>
          <h3 id={`settings-${section}`}>{t(SECTIONS.find((s) => s.id === section)!.label)}</h3>
          <ErrorNotice message={loadError} />
          {/* Only the first section shown waits on its chunk: an empty, busy area, no spinner. */}
          <Suspense fallback={<div className="kd-section-loading" aria-busy="true" />}>
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
          </Suspense>
        </section>
      </div>
    </Modal>
  );
}
