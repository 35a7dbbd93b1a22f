/**
 * An entity shown in a message (an `input_tag` the person sent, or an entity
 * source the assistant cited). Interactive entities are buttons that call the
 * page's `entities.onClick`; hovering or focusing one asks
 * `entities.onRequestPreview` once and shows the returned Basic widget in a
 * popover (display only: its actions are not wired).
 */
import type { Entity, Widgets } from "@openai/chatkit";
import { useRef, useState, type ReactElement, type ReactNode } from "react";
import { WidgetRoot } from "../widgets/Widget";
import { useChatState, useEnv, useScheme } from "./context";

const PREVIEW_DELAY_MS = 250;

export function EntityTag({ entity, className, children }: { entity: Entity; className: string; children: ReactNode }): ReactElement {
  const { controller, t } = useEnv();
  const scheme = useScheme();
  const entities = useChatState((s) => s.options?.entities);
  const [preview, setPreview] = useState<Widgets.BasicRoot | null>(null);
  const [open, setOpen] = useState(false);
  const asked = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const interactive = entity.interactive !== false && Boolean(entities?.onClick || entities?.onRequestPreview);
  if (!interactive) return <span className={className}>{children}</span>;

  const show = () => {
    if (!entities?.onRequestPreview) return;
    timer.current = setTimeout(() => {
      setOpen(true);
      if (asked.current) return;
      asked.current = true;
      Promise.resolve()
        .then(() => entities.onRequestPreview!(entity))
        .then(
          (answer) => setPreview(answer?.preview ?? null),
          (error: unknown) => controller.reportPageError(error),
        );
    }, PREVIEW_DELAY_MS);
  };
  const hide = () => {
    if (timer.current) clearTimeout(timer.current);
    setOpen(false);
  };

  return (
    <span className="ck-entity-wrap" onMouseEnter={show} onMouseLeave={hide}>
      <button
        type="button"
        className={`${className} ck-entity-btn`}
        onFocus={show}
        onBlur={hide}
        onClick={() => {
          if (entities?.onClick) entities.onClick(entity);
        }}
      >
        {children}
      </button>
      {open && preview ? (
        <span className="ck-entity-preview" role="tooltip" aria-label={t("entity.preview")}>
          <WidgetRoot
            widget={preview}
            env={{
              scheme,
              imageDomains: null,
              busy: false,
              pending: null,
              locked: false,
              blockedImageLabel: t("message.imageBlocked"),
              imageFailedLabel: t("message.imageFailed"),
              clearLabel: t("widget.clear"),
              chartLabel: t("widget.chart"),
              onAction: () => undefined,
            }}
          />
        </span>
      ) : null}
    </span>
  );
}
