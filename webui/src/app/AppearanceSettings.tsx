/** Settings › Appearance: theme, language, and the desktop options (tray, notifications, quick-ask hotkey). */
import { useState } from "react";
import { api, type Settings as SettingsData, type ThemeSetting } from "./api";
import { Field } from "./Field";
import { resolveLanguage, useI18n, type LanguageSetting } from "./i18n";
import { LANGUAGES } from "../chatkit/i18n";
import { type Update, useSaveState } from "./saveState";

const EXAMPLE_HOTKEY = ["Ctrl", "Alt", "Space"].join("+");

type HotkeyBridge = { set_quick_ask_hotkey?: (hotkey: string, language: string) => Promise<string> };

function hotkeyBridge(): HotkeyBridge | undefined {
  return (window as unknown as { pywebview?: { api?: HotkeyBridge } }).pywebview?.api;
}

/** Only the desktop window can listen for a global shortcut. */
function canSetHotkey(): boolean {
  return typeof hotkeyBridge()?.set_quick_ask_hotkey === "function";
}

/** '' when the window now listens for `hotkey`, else the reason it cannot (in `language`). */
async function trySetHotkey(hotkey: string, language: string): Promise<string> {
  const set = hotkeyBridge()?.set_quick_ask_hotkey;
  return set ? await set(hotkey, language) : "";
}

export function AppearanceSection({ settings, update }: { settings: SettingsData; update: Update }) {
  // A server that keeps the language says so by sending it with the settings.
  const serverKeepsLanguage = typeof settings.language === "string";
  const save = useSaveState();
  const { t } = useI18n();
  const [theme, setTheme] = useState(settings.theme);
  const options: { value: ThemeSetting; label: string }[] = [
    { value: "system", label: t("appearance.system") },
    { value: "light", label: t("appearance.light") },
    { value: "dark", label: t("appearance.dark") },
  ];
  return (
    <div className="kd-stack">
      <fieldset className="kd-stack kd-field">
        <legend>{t("appearance.theme")}</legend>
        <div className="kd-segmented">
          {options.map((o) => (
            <label key={o.value} className={theme === o.value ? "is-selected" : ""}>
              <input
                type="radio"
                name="theme"
                value={o.value}
                checked={theme === o.value}
                onChange={() => {
                  setTheme(o.value);
                  void save.run(() => update({ theme: o.value }));
                }}
              />
              <span>{o.label}</span>
            </label>
          ))}
        </div>
        {save.view}
      </fieldset>
      <LanguagePicker save={serverKeepsLanguage ? (language) => update({ language }) : undefined} />
      {typeof settings.close_to_tray === "boolean" && <DesktopOptions settings={settings} update={update} />}
    </div>
  );
}

/** How the desktop window behaves: close to the tray, notify when an answer finishes in the background. */
function DesktopOptions({ settings, update }: { settings: SettingsData; update: Update }) {
  const { t } = useI18n();
  const save = useSaveState();
  const [closeToTray, setCloseToTray] = useState(settings.close_to_tray === true);
  const [notify, setNotify] = useState(settings.notify_when_done !== false);
  return (
    <fieldset className="kd-stack kd-field" data-testid="desktop-options">
      <legend>{t("appearance.desktop")}</legend>
      <label className="kd-check">
        <input
          type="checkbox"
          name="close_to_tray"
          checked={closeToTray}
          onChange={(e) => {
            const next = e.target.checked;
            setCloseToTray(next);
            void save.run(() => update({ close_to_tray: next }));
          }}
        />
        <span>{t("appearance.closeToTray")}</span>
      </label>
      <label className="kd-check">
        <input
          type="checkbox"
          name="notify_when_done"
          checked={notify}
          onChange={(e) => {
            const next = e.target.checked;
            setNotify(next);
            void save.run(() => update({ notify_when_done: next }));
          }}
        />
        <span>{t("appearance.notifyWhenDone")}</span>
      </label>
      {save.view}
      {canSetHotkey() && <QuickAskHotkeyField initial={String(settings.quick_ask_hotkey ?? "")} update={update} />}
    </fieldset>
  );
}

/** The global quick-ask shortcut: tried in the desktop window first, saved only when it works. */
function QuickAskHotkeyField({ initial, update }: { initial: string; update: Update }) {
  const { t, language } = useI18n();
  const [text, setText] = useState(initial);
  const save = useSaveState();
  const apply = () =>
    void save.run(async () => {
      // Refused (held by another program, not a key combination): shown, and not saved.
      const reason = await trySetHotkey(text.trim(), language);
      if (reason) throw new Error(reason);
      await update({ quick_ask_hotkey: text.trim() });
    });
  return (
    <Field label={t("appearance.quickAskHotkey")} hint={t("appearance.quickAskHint")}>
      {(props) => (
        <div className="kd-row">
          <input
            {...props}
            type="text"
            data-testid="quick-ask-hotkey"
            value={text}
            placeholder={EXAMPLE_HOTKEY}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") apply();
            }}
          />
          <button type="button" className="kd-button" data-testid="quick-ask-apply" onClick={apply}>
            {t("appearance.quickAskApply")}
          </button>
          <span data-testid="quick-ask-state">{save.view}</span>
        </div>
      )}
    </Field>
  );
}

/** The language of Kitdesk's own words: the system's (default) or one of the shipped ones, each named in itself. */
function LanguagePicker({ save }: { save?: (language: LanguageSetting) => Promise<void> }) {
  const { t, setting, setLanguage } = useI18n();
  const saving = useSaveState();
  const systemName = LANGUAGES.find((l) => l.code === resolveLanguage("system"))?.name ?? "English";
  return (
    <>
      <Field label={t("appearance.language")} hint={t("appearance.languageHint")}>
        {(props) => (
          <select
            {...props}
            value={setting}
            data-testid="language-picker"
            onChange={(e) => {
              const next = e.target.value as LanguageSetting;
              // Shown at once and remembered in this profile; kept in settings.json when the server keeps it.
              void setLanguage(next);
              if (save) void saving.run(() => save(next));
            }}
          >
            <option value="system">{t("appearance.languageSystem", { language: systemName })}</option>
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div data-testid="language-save-state">{saving.view}</div>
    </>
  );
}
