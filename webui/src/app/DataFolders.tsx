/** Settings › Data: where conversations, settings and logs are kept, with buttons that open those folders. */
import { useState } from "react";
import { api, messageOf, type AppInfo } from "./api";
import { useI18n } from "./i18n";
import { ErrorNotice } from "./ErrorNotice";

type DesktopBridge = { open_data_folder?: () => Promise<unknown>; open_log_folder?: () => Promise<unknown> };

function desktopBridge(): DesktopBridge | null {
  const bridge = (window as unknown as { pywebview?: { api?: DesktopBridge } }).pywebview?.api;
  return bridge ?? null;
}

export function DataSection({ info }: { info: AppInfo }) {
  const bridge = desktopBridge();
  const [error, setError] = useState<string | null>(null);
  const { t } = useI18n();
  const open = (fn: (() => Promise<unknown>) | undefined) => {
    if (!fn) return;
    setError(null);
    fn.call(bridge).catch((e: unknown) => setError(messageOf(e)));
  };
  return (
    <div className="kd-stack">
      <div className="kd-field">
        <span>{t("data.folder")}</span>
        <code className="kd-path">{info.data_dir}</code>
        <small className="kd-hint">{t("data.folderHint")}</small>
        {bridge?.open_data_folder && (
          <div>
            <button type="button" className="kd-button" onClick={() => open(bridge.open_data_folder)}>
              {t("data.openFolder")}
            </button>
          </div>
        )}
      </div>
      <div className="kd-field">
        <span>{t("data.logFolder")}</span>
        <code className="kd-path">{info.log_dir}</code>
        {bridge?.open_log_folder && (
          <div>
            <button type="button" className="kd-button" onClick={() => open(bridge.open_log_folder)}>
              {t("data.openLogFolder")}
            </button>
          </div>
        )}
      </div>
      <ErrorNotice message={error} />
    </div>
  );
}
