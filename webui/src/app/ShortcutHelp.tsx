import type { ReactNode } from "react";
import { Modal } from "./Modal";
import { shortcutTable } from "./shortcuts";

export function ShortcutHelp({ onClose, notice }: { onClose: () => void; notice?: ReactNode }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} className="kd-help" notice={notice}>
      <table className="kd-shortcuts">
        <tbody>
          {shortcutTable().map((s) => (
            <tr key={s.action}>
              <th scope="row">{s.label}</th>
              <td>
                {s.keys.split(/\s{2}or\s{2}/).map((combo, i) => (
                  <span key={combo}>
                    {i > 0 && <span className="kd-or"> or </span>}
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
      <p className="kd-muted">In the message box, Enter sends and Shift+Enter starts a new line.</p>
    </Modal>
  );
}
