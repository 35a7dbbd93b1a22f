// Tokens spent, per provider and model by month (Settings > Data), from
// /api/usage. Quiet when nothing was recorded; an older server without the
// route shows nothing at all.

import { useEffect, useState } from "react";
import { ApiError, api } from "./api";
import { dataApi, type UsageMonth } from "./dataApi";
import { useI18n } from "./i18n";

/** "2026-12" as the locale writes a month ("December 2026", "2026年12月"). */
export function monthLabel(month: string, language: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  return new Intl.DateTimeFormat(language, { year: "numeric", month: "long", timeZone: "UTC" }).format(date);
}

export function UsageTotals() {
  const { t, language, number } = useI18n();
  const [months, setMonths] = useState<UsageMonth[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    let live = true;
    // Provider names read better than ids; a provider removed since keeps its id.
    api.providers().then(
      (providers) => live && setNames(Object.fromEntries(providers.map((p) => [p.id, p.name]))),
      () => undefined,
    );
    dataApi.usage().then(
      (body) => live && setMonths(body.months),
      (error: unknown) => live && (error instanceof ApiError && error.status === 404 ? setMissing(true) : setMonths([])),
    );
    return () => {
      live = false;
    };
  }, []);
  if (missing || months === null) return null;
  return (
    <fieldset className="kd-field kd-data-panel">
      <legend>{t("usage.title")}</legend>
      {months.length === 0 ? (
        <p className="kd-muted">{t("usage.none")}</p>
      ) : (
        <table className="kd-usage">
          <thead>
            <tr>
              <th scope="col">{t("usage.month")}</th>
              <th scope="col">{t("usage.model")}</th>
              <th scope="col">{t("usage.answers")}</th>
              <th scope="col">{t("usage.input")}</th>
              <th scope="col">{t("usage.output")}</th>
            </tr>
          </thead>
          <tbody>
            {months.map((row) => (
              <tr key={`${row.month} ${row.provider_id} ${row.model}`}>
                <th scope="row">{monthLabel(row.month, language)}</th>
                <td>
                  {row.model} <span className="kd-muted">{names[row.provider_id] ?? row.provider_id}</span>
                </td>
                <td>{number(row.answers)}</td>
                <td>{number(row.input_tokens)}</td>
                <td>{number(row.output_tokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </fieldset>
  );
}
