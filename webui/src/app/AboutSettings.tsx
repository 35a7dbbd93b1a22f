/** Settings › About: version, keyboard shortcuts and updates. */
import { type AppInfo } from "./api";
import { useI18n } from "./i18n";
import { shortcutTable } from "./shortcuts";
import { UpdatesSection } from "./UpdatesSection";

export function AboutSection({ info }: { info: AppInfo }) {
  const { t } = useI18n();
  return (
    <div className="kd-stack">
      <p>
        <strong>Kitdesk</strong> <span data-testid="app-version">{info.version}</span>
      </p>
      <p className="kd-muted">{t("about.text")}</p>
      <UpdatesSection />
      <h4>{t("shortcuts.title")}</h4>
      <table className="kd-shortcuts">
        <tbody>
          {shortcutTable(t).map((s) => (
            <tr key={s.action}>
              <th scope="row">{s.label}</th>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
