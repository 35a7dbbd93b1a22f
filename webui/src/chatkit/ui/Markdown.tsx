/**
 * Renders markdown as sanitized HTML blocks. Each block is memoized by its
 * HTML, so while an answer streams only the growing last block touches the
 * DOM. Copy buttons and the code/diagram/preview toggles in code blocks are
 * handled by one delegated listener; diagrams are drawn once the answer has
 * finished streaming (a Mermaid render is one long task).
 *
 * A link in model output opens only after a small confirm that shows where it
 * goes (its host, then the whole address): link text can claim anything.
 */
import {
  memo,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type MouseEvent,
  type ReactElement,
} from "react";
import { drawDiagrams, toggleView } from "./richBlocks";
import { loadedVersion, subscribeLoaded } from "../render/lazy";
import { IncrementalMarkdown, renderFinishedMarkdown, type RenderedBlock } from "../render/markdown";
import { DEEPLINK } from "../render/sanitize";
import { copyText, SchemeContext, useEnv } from "./context";

/** `chatkit-link://name?k=v` -> the chatkit.deeplink detail `{name, data}`. */
export function deeplinkDetail(href: string): { name: string; data?: Record<string, unknown> } {
  try {
    const url = new URL(href);
    const name = decodeURIComponent(url.host + url.pathname).replace(/^\/+|\/+$/g, "");
    const data = Object.fromEntries(url.searchParams.entries());
    return Object.keys(data).length ? { name, data } : { name };
  } catch {
    return { name: href.replace(DEEPLINK, "") };
  }
}

/** What a person should see of a link's destination: the host (punycode for
 * look-alike names), or the address itself for mail and other schemes. */
export function linkDestination(href: string): string {
  try {
    const url = new URL(href);
    if (url.protocol === "http:" || url.protocol === "https:") return url.host;
    if (url.protocol === "mailto:") return url.pathname.split("@").pop() || url.pathname;
    return href;
  } catch {
    return href;
  }
}

function LinkConfirm({ href, onOpen, onCancel }: { href: string; onOpen: () => void; onCancel: () => void }): ReactElement {
  const { t } = useEnv();
  return (
    <div
      className="ck-link-confirm"
      role="alertdialog"
      aria-label={t("link.label")}
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.stopPropagation();
          onCancel();
        }
      }}
    >
      <p className="ck-confirm-text">{t("link.confirm", { host: linkDestination(href) })}</p>
      <p className="ck-link-address" dir="ltr">
        {href}
      </p>
      <div className="ck-link-actions">
        <button type="button" className="ck-btn ck-btn-xs" onClick={onOpen} autoFocus>
          {t("link.open")}
        </button>
        <button type="button" className="ck-btn ck-btn-ghost ck-btn-xs" onClick={onCancel}>
          {t("link.cancel")}
        </button>
      </div>
    </div>
  );
}

const Block = memo(function Block({ html }: { html: string }): ReactElement {
  return <div className="ck-md-block" dangerouslySetInnerHTML={{ __html: html }} />;
});

export function Markdown({
  text,
  streaming = false,
  imageDomains,
  className,
}: {
  text: string;
  streaming?: boolean;
  imageDomains?: readonly string[] | null;
  className?: string;
}): ReactElement {
  const { t, host } = useEnv();
  const domainsKey = (imageDomains ?? []).join(",");
  const scheme = useContext(SchemeContext);
  // KaTeX and the other on-demand renderers re-render their messages when they arrive.
  const loaded = useSyncExternalStore(subscribeLoaded, loadedVersion, loadedVersion);
  const rootRef = useRef<HTMLDivElement | null>(null);
  const [pendingLink, setPendingLink] = useState<HTMLAnchorElement | null>(null);
  const labels = useMemo(
    () => ({
      copyCode: t("message.copyCode"),
      copyCodeText: t("message.copyCodeShort"),
      codeLanguageFallback: t("message.codeFallback"),
      viewCode: t("message.viewCode"),
      viewDiagram: t("message.viewDiagram"),
      viewPreview: t("message.viewPreview"),
      viewGroup: t("message.viewGroup"),
    }),
    [t],
  );
  const blockedImageLabel = t("message.imageBlocked");
  const ctx = useMemo(
    () => ({ allowedImageDomains: domainsKey ? domainsKey.split(",") : [], blockedImageLabel }),
    [domainsKey, blockedImageLabel],
  );
  // Streaming text re-renders only its changed blocks. The engine that rendered
  // a stream also renders its end, so finishing touches the last block only (a
  // whole-document render there was one long task on the main thread). Text
  // that arrives finished renders once (cached across remounts by the virtual list).
  const [streamed, setStreamed] = useState(streaming);
  if (streaming && !streamed) setStreamed(true);
  const engine = useMemo(() => (streamed ? new IncrementalMarkdown(labels, ctx) : null), [streamed, labels, ctx]);
  const blocks = useMemo<RenderedBlock[]>(
    () => (engine ? engine.render(text, streaming) : [{ key: "all", html: renderFinishedMarkdown(text, labels, ctx) }]),
    // `loaded` changes the output of the render functions (maths once KaTeX is here).
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [engine, text, streaming, labels, ctx, loaded],
  );
  useEffect(() => {
    if (streaming || !rootRef.current) return;
    drawDiagrams(rootRef.current, scheme, t);
  }, [blocks, streaming, scheme, t]);
  const onClick = useCallback(
    (event: MouseEvent<HTMLDivElement>) => {
      const target = event.target as Element;
      const view = target.closest<HTMLButtonElement>("button[data-ck-view]");
      if (view) {
        toggleView(view, scheme, t);
        return;
      }
      const button = target.closest("button[data-ck-copy]");
      if (button) {
        const code = button.closest(".ck-code")?.querySelector("pre code")?.textContent ?? "";
        void copyText(code).then((ok) => {
          if (!ok) return;
          button.textContent = t("message.copied");
          button.setAttribute("aria-label", t("message.copied"));
          button.classList.add("ck-copied");
          setTimeout(() => {
            button.textContent = t("message.copyCodeShort");
            button.setAttribute("aria-label", t("message.copyCode"));
            button.classList.remove("ck-copied");
          }, 1500);
        });
        return;
      }
      const link = target.closest("a[href]");
      const href = link?.getAttribute("href") ?? "";
      if (link && DEEPLINK.test(href)) {
        event.preventDefault();
        host.dispatchEvent(new CustomEvent("chatkit.deeplink", { detail: deeplinkDetail(href) }));
        return;
      }
      if (link instanceof HTMLAnchorElement) {
        if (link.dataset.ckConfirmed === undefined) {
          event.preventDefault(); // shown first: see LinkConfirm
          setPendingLink(link);
          return;
        }
        delete link.dataset.ckConfirmed;
        // Links open outside the app (target=_blank); tell the host first so a
        // desktop shell can route it to the system browser.
        host.dispatchEvent(
          new CustomEvent("chatkit.log", { detail: { name: "link.open", data: { href: link.getAttribute("href") } } }),
        );
      }
    },
    [t, host, scheme],
  );
  return (
    <div ref={rootRef} className={`ck-md${streaming ? " ck-streaming" : ""}${className ? ` ${className}` : ""}`} onClick={onClick}>
      {blocks.map((block) => (
        <Block key={block.key} html={block.html} />
      ))}
      {pendingLink && (
        <LinkConfirm
          href={pendingLink.getAttribute("href") ?? ""}
          onOpen={() => {
            const link = pendingLink;
            setPendingLink(null);
            link.dataset.ckConfirmed = "";
            link.click(); // the same way out as any link: target=_blank, the shell's browser
          }}
          onCancel={() => {
            const link = pendingLink;
            setPendingLink(null);
            link.focus();
          }}
        />
      )}
    </div>
  );
}
