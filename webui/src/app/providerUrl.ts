/**
 * What the provider form says about an address before anything is sent to it.
 *
 * The server holds the rules (desktop/kitdesk/providers/origins.py) and enforces
 * them; the form asks it (`GET api/providers/check-url`) while the person types,
 * a moment after they pause, and shows what it answers:
 * - `cleartext`: `http://` to a host that is neither this machine nor a private
 *   network, where a key can be read on the way;
 * - `key_cleared`: a saved provider with a stored key moved to another origin
 *   (scheme, host, port); saving clears the key.
 */
import { useEffect, useState } from "react";
import { request } from "./api";

export type UrlWarning = "cleartext" | "key_cleared";

/** How long typing must pause before the address is checked. */
export const CHECK_DELAY_MS = 250;

export async function checkProviderUrl(url: string, providerId?: string): Promise<UrlWarning[]> {
  const query = new URLSearchParams({ url });
  if (providerId) query.set("provider_id", providerId);
  const answer = await request<{ warnings?: unknown }>("GET", `api/providers/check-url?${query.toString()}`);
  const warnings = Array.isArray(answer?.warnings) ? answer.warnings : [];
  return warnings.filter((w): w is UrlWarning => w === "cleartext" || w === "key_cleared");
}

/** The server's warnings for `url` as typed (for the saved provider `providerId`, if any). */
export function useUrlWarnings(url: string, providerId?: string): UrlWarning[] {
  const [warnings, setWarnings] = useState<UrlWarning[]>([]);
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      checkProviderUrl(url.trim(), providerId).then(
        (found) => current && setWarnings(found),
        // Unanswered, the form says nothing; the server still enforces the rules on save.
        () => current && setWarnings([]),
      );
    }, CHECK_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [url, providerId]);
  return warnings;
}
