/**
 * Composer attachments: checks files against ComposerOption.attachments
 * (count, type, size), then uploads each one. Two-phase by default:
 * attachments.create, then the file POSTed as multipart field "file" to the
 * returned upload URL with the same fetch; or straight to the URL of an
 * uploadStrategy {type: "direct"}. Chips show progress and errors.
 */
import type { ChatKitOptions } from "@openai/chatkit";
import { formatBytes, type Translate } from "../locale";
import { isAbortError, type ChatKitClient } from "../protocol/client";
import type { Attachment } from "../protocol/types";
import { DEFAULT_MAX_COUNT, fileAccepted, maxSizeFor } from "./attachments";
import { messageOf } from "./errors";

export interface ComposerAttachment {
  localId: string;
  name: string;
  size: number;
  mimeType: string;
  status: "uploading" | "done" | "error";
  error?: string;
  previewUrl?: string | null;
  attachment?: Attachment;
}

export interface UploadDeps {
  client: ChatKitClient;
  options: () => ChatKitOptions | null;
  attachments: () => ComposerAttachment[];
  /** Replace the chips (and the composer's error line when given). */
  update: (attachments: ComposerAttachment[], error?: string | null) => void;
  translate: Translate;
  log: (name: string, data?: Record<string, unknown>) => void;
  reportError: (error: unknown) => void;
}

let counter = 0;

const PREVIEWABLE = /^image\/(png|jpeg|gif|webp|avif|bmp)$/i;

export class ComposerUploads {
  private readonly inFlight = new Map<string, AbortController>();

  constructor(private readonly deps: UploadDeps) {}

  /** Validate and upload files; returns the human errors for rejected ones. */
  async add(files: File[]): Promise<string[]> {
    const say = this.deps.translate;
    const config = this.deps.options()?.composer?.attachments;
    const errors: string[] = [];
    if (!config?.enabled) {
      errors.push(say("composer.attachmentsDisabled"));
      this.deps.update(this.deps.attachments(), errors[0]);
      return errors;
    }
    const maxCount = config.maxCount ?? DEFAULT_MAX_COUNT;
    const accepted: File[] = [];
    for (const file of files) {
      const count = this.deps.attachments().filter((a) => a.status !== "error").length + accepted.length;
      if (count >= maxCount) {
        errors.push(say("composer.tooMany", { count: maxCount }));
        break;
      }
      if (!fileAccepted(file, config.accept)) {
        errors.push(say("composer.badType", { name: file.name }));
        continue;
      }
      const limit = maxSizeFor(file.type, config.maxSize);
      if (file.size > limit) {
        errors.push(say("composer.tooLarge", { name: file.name, size: formatBytes(limit, say) }));
        continue;
      }
      accepted.push(file);
    }
    this.deps.update(this.deps.attachments(), errors[0] ?? null);
    await Promise.all(accepted.map((file) => this.upload(file)));
    return errors;
  }

  remove(id: string): void {
    const chip = this.deps.attachments().find((a) => a.localId === id);
    if (!chip) return;
    this.inFlight.get(id)?.abort();
    this.inFlight.delete(id);
    if (chip.previewUrl?.startsWith("blob:")) URL.revokeObjectURL(chip.previewUrl);
    this.deps.update(this.deps.attachments().filter((a) => a.localId !== id));
    if (chip.attachment && chip.status === "done") {
      void this.deps.client.request("attachments.delete", { attachment_id: chip.attachment.id }).catch(() => undefined);
    }
  }

  abortAll(): void {
    for (const abort of this.inFlight.values()) abort.abort();
    this.inFlight.clear();
  }

  private patch(id: string, patch: Partial<ComposerAttachment>): void {
    this.deps.update(this.deps.attachments().map((a) => (a.localId === id ? { ...a, ...patch } : a)));
  }

  private async upload(file: File): Promise<void> {
    counter += 1;
    const id = `a${Date.now().toString(36)}_${counter}`;
    // Raster images only: an SVG thumbnail would be drawn from untrusted markup.
    const isImage = PREVIEWABLE.test(file.type);
    const previewUrl = isImage && typeof URL.createObjectURL === "function" ? URL.createObjectURL(file) : null;
    const chip: ComposerAttachment = {
      localId: id,
      name: file.name,
      size: file.size,
      mimeType: file.type || "application/octet-stream",
      status: "uploading",
      previewUrl,
    };
    this.deps.update([...this.deps.attachments(), chip]);
    const abort = new AbortController();
    this.inFlight.set(id, abort);
    const client = this.deps.client;
    try {
      const api = this.deps.options()?.api;
      const strategy = api && "url" in api ? api.uploadStrategy : undefined;
      let attachment: Attachment;
      if (strategy?.type === "direct") {
        attachment = (await client.upload(strategy.uploadUrl, file, "POST", {}, abort.signal)) as Attachment;
      } else {
        attachment = await client.request<Attachment>(
          "attachments.create",
          { name: file.name, size: file.size, mime_type: chip.mimeType },
          abort.signal,
        );
        const descriptor = attachment.upload_descriptor;
        const target = descriptor?.url ?? attachment.upload_url;
        if (target) {
          const uploaded = await client.upload(target, file, descriptor?.method ?? "POST", descriptor?.headers ?? {}, abort.signal);
          if (uploaded && typeof uploaded === "object" && "id" in uploaded && "type" in uploaded) {
            attachment = uploaded as Attachment;
          }
        }
      }
      if (!this.inFlight.has(id)) return;
      this.patch(id, { status: "done", attachment });
      this.deps.log("attachment.uploaded", { mimeType: chip.mimeType });
    } catch (error) {
      if (isAbortError(error)) return;
      this.patch(id, { status: "error", error: messageOf(error, this.deps.translate) });
      this.deps.reportError(error);
    } finally {
      this.inFlight.delete(id);
    }
  }
}
