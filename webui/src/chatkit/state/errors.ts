import type { Translate } from "../locale";
import { ChatKitRequestError } from "../protocol/client";

/** The sentence to show a person for any error (network failures through the locale table). */
export function messageOf(error: unknown, t?: Translate): string {
  if (error instanceof ChatKitRequestError) {
    if (t && error.code === "network") return t("error.network");
    if (t && error.code === "connection_lost") return t("error.connectionLost");
    return error.message;
  }
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong.";
}
