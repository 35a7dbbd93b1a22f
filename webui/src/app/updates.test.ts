import { describe, expect, it } from "vitest";
import { describeUpdate, isBusy, type UpdateState } from "./updates";

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
    expect(describeUpdate(base)).toBe("Not checked yet.");
    expect(describeUpdate({ ...base, status: "checking" })).toBe("Checking for updates…");
    expect(
      describeUpdate({ ...base, status: "downloading", available_version: "0.2.0", downloaded_bytes: 1, total_bytes: 3 }),
    ).toBe("Downloading Kitdesk 0.2.0… 33%");
    expect(describeUpdate({ ...base, status: "ready", available_version: "0.2.0", can_install: true })).toBe(
      "Kitdesk 0.2.0 is downloaded and verified. Restart to update.",
    );
  });

  it("stays calm when offline and passes the server's sentence on for refusals", () => {
    expect(describeUpdate({ ...base, status: "could_not_check", message: "ConnectError" })).toBe(
      "Could not check for updates just now (no connection). Kitdesk will try again later.",
    );
    const refused = "The update 0.2.0 was refused: it is not signed by the Kitdesk release key.";
    expect(describeUpdate({ ...base, status: "refused", message: refused })).toBe(refused);
  });

  it("tells package installs what to do", () => {
    const hint = "This Kitdesk was installed by apt; update it there.";
    expect(describeUpdate({ ...base, status: "available", available_version: "0.2.0", message: hint })).toBe(
      `Kitdesk 0.2.0 is available. ${hint}`,
    );
  });

  it("polls only while the server works", () => {
    expect(isBusy({ ...base, status: "checking" })).toBe(true);
    expect(isBusy({ ...base, status: "downloading" })).toBe(true);
    expect(isBusy({ ...base, status: "ready" })).toBe(false);
  });
});
