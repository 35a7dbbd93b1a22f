import type { ReactNode } from "react";
import { useI18n } from "./i18n";

/** An inline "are you sure?" for removing something; "Keep it" has the focus. */
export function ConfirmRemoval({
  label,
  confirm,
  busy,
  onKeep,
  onConfirm,
  children,
}: {
  label: string;
  confirm: string;
  busy: boolean;
  onKeep: () => void;
  onConfirm: () => void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <div className="kd-confirm" role="alertdialog" aria-label={label}>
      <p>{children}</p>
      <div className="kd-actions">
        <button type="button" className="kd-button kd-button-quiet" onClick={onKeep} autoFocus>
          {t("common.keepIt")}
        </button>
        <button type="button" className="kd-button kd-button-danger" disabled={busy} onClick={onConfirm}>
          {confirm}
        </button>
      </div>
    </div>
  );
}
