// A ChatKit server's request headers in the provider form: names are saved with
// the provider, values go once to the write-only header API (the OS keyring)
// and are never read back; a stored value shows as "stored", not as text.

import { useRef } from "react";
import { api, type ProviderView } from "./api";
import { useI18n } from "./i18n";

export type HeaderRow = { key: number; name: string; value: string; stored: boolean };

let nextKey = 1;

/** The rows a form starts with: the provider's headers, or none for a new one. */
export function initialHeaderRows(provider?: ProviderView): HeaderRow[] {
  return (provider?.headers ?? []).map((name) => ({
    key: nextKey++,
    name,
    value: "",
    stored: provider?.headers_set.includes(name) ?? false,
  }));
}

/** The names to save, trimmed, without blank rows. */
export function headerNames(rows: HeaderRow[]): string[] {
  return rows.map((r) => r.name.trim()).filter(Boolean);
}

/** The values typed into the form, by name (blank ones keep what is stored). */
export function typedHeaderValues(rows: HeaderRow[]): Record<string, string> {
  const typed: Record<string, string> = {};
  for (const row of rows) {
    if (row.name.trim() && row.value.trim()) typed[row.name.trim()] = row.value;
  }
  return typed;
}

/** Stores the typed values of a saved provider's headers in the keyring. */
export async function saveHeaderValues(providerId: string, rows: HeaderRow[]): Promise<void> {
  for (const [name, value] of Object.entries(typedHeaderValues(rows))) {
    await api.setHeader(providerId, name, value);
  }
}

/** The header rows: a name, a secret value and Remove each, and Add header below. */
export function HeaderRows({ rows, onChange }: { rows: HeaderRow[]; onChange: (rows: HeaderRow[]) => void }) {
  const { t } = useI18n();
  const listRef = useRef<HTMLUListElement>(null);
  const edit = (key: number, change: Partial<HeaderRow>) =>
    onChange(rows.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const add = () => {
    onChange([...rows, { key: nextKey++, name: "", value: "", stored: false }]);
    // The new row's name field takes the focus once it is drawn.
    requestAnimationFrame(() => listRef.current?.querySelector<HTMLInputElement>("li:last-child input")?.focus());
  };
  return (
    <fieldset className="kd-field kd-header-rows">
      <legend>{t("headers.title")}</legend>
      <small className="kd-hint">{t("headers.hint")}</small>
      <ul ref={listRef} className="kd-stack">
        {rows.map((row, index) => {
          const label = row.name.trim() || t("headers.numbered", { n: index + 1 });
          return (
            <li key={row.key} className="kd-row">
              <input
                value={row.name}
                onChange={(e) => edit(row.key, { name: e.target.value, stored: false })}
                aria-label={t("headers.name", { n: index + 1 })}
                placeholder={t("headers.namePlaceholder")}
                spellCheck={false}
                maxLength={64}
              />
              <input
                type="password"
                value={row.value}
                onChange={(e) => edit(row.key, { value: e.target.value })}
                aria-label={t("headers.value", { name: label })}
                placeholder={row.stored ? t("headers.stored") : t("headers.valuePlaceholder")}
                autoComplete="off"
                spellCheck={false}
              />
              <button
                type="button"
                className="kd-button kd-button-quiet"
                aria-label={t("headers.remove", { name: label })}
                onClick={() => onChange(rows.filter((r) => r.key !== row.key))}
              >
                {t("providers.remove")}
              </button>
            </li>
          );
        })}
      </ul>
      <div>
        <button type="button" className="kd-button" onClick={add}>
          {t("headers.add")}
        </button>
      </div>
    </fieldset>
  );
}
