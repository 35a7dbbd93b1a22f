import type { ReactNode } from "react";
import { useI18n } from "./i18n";
import { Modal } from "./Modal";
import { shortcutTable } from "./shortcuts";

export function ShortcutHelp({ onClose, notice }: { onClose: () => void; notice?: ReactNode }) {
  const { t } = useI18n();
  return (
    <Modal title={t("shortcuts.title")} onClose={onClose} className="kd-help" notice={notice}>
      <table className="kd-shortcuts">
        <tbody>
          {shortcutTable(t).map((s) => (
            <tr key={s.action}>
              <th scope="row">{s.label}</th>
              <td>
                {s.keys.split(/\s{2}or\s{2}/).map((combo, i) => (
                  <span key={combo}>
                    {i > 0 && <span className="kd-or"> {t("shortcuts.or")} </span>}
                    {combo.split(" ").map((k) => (
                      <kbd key={k}>{k}</kbd>
                    ))}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="kd-muted">{t("shortcuts.enterHint")}</p>
    </Modal>
  );
}
