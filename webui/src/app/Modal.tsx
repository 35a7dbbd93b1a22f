import { useEffect, useId, useRef, type ReactNode } from "react";
import { useI18n } from "./i18n";

type ModalProps = {
  title: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  /** Shown above the content, e.g. the reconnect notice (the page behind a modal is inert). */
  notice?: ReactNode;
};

/**
 * A native modal <dialog>: the browser traps focus, makes the rest of the page
 * inert and closes on Escape; we only mirror its closing into React state.
 */
export function Modal({ title, onClose, children, className, notice }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const { t } = useI18n();
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    // showModal() focuses the first focusable (the close button); start where the content asks.
    dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    const onCancel = (event: Event) => {
      event.preventDefault();
      close.current();
    };
    dialog.addEventListener("cancel", onCancel);
    return () => {
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`kd-modal ${className ?? ""}`}
      aria-labelledby={titleId}
      onMouseDown={(event) => {
        // A press on the backdrop (the dialog box itself, outside its content) closes it.
        if (event.target === ref.current) close.current();
      }}
    >
      <div className="kd-modal-inner">
        <header className="kd-modal-header">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="kd-icon-button" aria-label={t("common.close")} title={t("common.close")} onClick={() => close.current()}>
            <CloseIcon />
          </button>
        </header>
        {notice}
        {children}
      </div>
    </dialog>
  );
}

export function CloseIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
      <path d="M6 6l12 12M18 6L6 18" />
    </svg>
  );
}
