import { describe, expect, it } from "vitest";
import { createTranslator } from "../chatkit/i18n";
import de from "./locales/de";
import { appEn, type AppKey } from "./strings";
import { describeUpdate, isBusy, type UpdateState } from "./updates";

const t = createTranslator<AppKey>("en", {}, appEn);
const tDe = createTranslator<AppKey>("de", de, appEn);

const base: UpdateState = {
  status: "idle",
  choice: "on",
  current_version: "0.1.0",
  install_kind: "linux-folder",
  available_version: null,
  notes: "",
  message: null,
  error_code: null,
  checked_at: null,
  downloaded_bytes: 0,
  total_bytes: 0,
  can_install: false,
};

describe("describeUpdate", () => {
  it("says what each state means", () => {
    expect(describeUpdate(base, t)).toBe("Not checked yet.");
    expect(describeUpdate({ ...base, status: "checking" }, t)).toBe("Checking for updates…");
    expect(
      describeUpdate({ ...base, status: "downloading", available_version: "0.2.0", downloaded_bytes: 1, total_bytes: 3 }, t),
    ).toBe("Downloading Kitdesk 0.2.0… 33%");
    expect(describeUpdate({ ...base, status: "ready", available_version: "0.2.0", can_install: true }, t)).toBe(
      "Kitdesk 0.2.0 is downloaded and verified. Restart to update.",
    );
  });

  it("stays calm when offline and passes the server's sentence on for refusals", () => {
    expect(describeUpdate({ ...base, status: "could_not_check", message: "ConnectError" }, t)).toBe(
      "Could not check for updates just now (no connection). Kitdesk will try again later.",
    );
    const refused = "The update 0.2.0 was refused: it is not signed by the Kitdesk release key.";
    expect(describeUpdate({ ...base, status: "refused", message: refused }, t)).toBe(refused);
  });

  it("tells package installs what to do", () => {
    const hint = "This Kitdesk was installed by apt; update it there.";
    expect(describeUpdate({ ...base, status: "available", available_version: "0.2.0", message: hint }, t)).toBe(
      `Kitdesk 0.2.0 is available. ${hint}`,
    );
  });

  it("speaks the chosen language, dates included", () => {
    expect(describeUpdate({ ...base, status: "ready", available_version: "0.2.0" }, tDe)).toBe(
      "Kitdesk 0.2.0 ist heruntergeladen und geprüft. Starte neu, um zu aktualisieren.",
    );
    // Local noon, so the expected text does not depend on the machine's time zone.
    const checkedAt = new Date(2026, 0, 15, 12, 0).getTime() / 1000;
    expect(describeUpdate({ ...base, status: "up_to_date", checked_at: checkedAt }, tDe)).toBe(
      "Kitdesk 0.1.0 ist die neueste Version (geprüft: 15. Jan. 2026 12:00).",
    );
    expect(describeUpdate({ ...base, status: "idle", checked_at: checkedAt }, t)).toMatch(
      /^Last checked Jan 15, 2026 12:00\sPM\.$/,
    );
  });

  it("polls only while the server works", () => {
    expect(isBusy({ ...base, status: "checking" })).toBe(true);
    expect(isBusy({ ...base, status: "downloading" })).toBe(true);
    expect(isBusy({ ...base, status: "ready" })).toBe(false);
  });
});
