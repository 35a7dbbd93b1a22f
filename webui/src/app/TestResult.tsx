/** A provider connection test's outcome, shared by onboarding and Settings › Providers. */
import { describeConnection, type ConnectionResult } from "./api";
import { useI18n } from "./i18n";

export type TestState = { state: "idle" } | { state: "testing" } | { state: "done"; result: ConnectionResult };

export function TestResult({ test }: { test: TestState }) {
  const { t } = useI18n();
  return (
    <p className="kd-test-result" role="status" aria-live="polite">
      {test.state === "testing" && <span className="kd-muted">{t("common.connecting")}</span>}
      {test.state === "done" && (
        <span className={test.result.ok ? "kd-ok" : "kd-bad"}>
          <span aria-hidden="true">{test.result.ok ? "✓ " : "✕ "}</span>
          {describeConnection(test.result, t)}
        </span>
      )}
    </p>
  );
}
