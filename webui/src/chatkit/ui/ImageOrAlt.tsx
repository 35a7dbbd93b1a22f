/**
 * An image that, when it cannot be loaded, gives way to its alt text and a
 * sentence instead of the browser's broken-image icon. Images of a remote
 * ChatKit server come through the local server's image route, which refuses
 * some (another site's, SVG, too large) and fails while the server is offline;
 * a reader of the thread should see what the picture was and that it is
 * missing, in words.
 */
import { useState, type CSSProperties, type ReactElement } from "react";

export interface ImageOrAltProps {
  src: string;
  alt: string;
  /** The sentence after the alt text when the image could not be loaded. */
  failedLabel: string;
  className?: string;
  style?: CSSProperties;
}

export function ImageOrAlt({ src, alt, failedLabel, className, style }: ImageOrAltProps): ReactElement {
  // Remembers which source failed, so a new source is tried again.
  const [failed, setFailed] = useState<string | null>(null);
  if (failed === src) {
    return (
      <span className="ck-img-blocked ck-img-failed" role="img" aria-label={alt ? `${alt}. ${failedLabel}` : failedLabel}>
        {alt ? `[${alt}] ${failedLabel}` : failedLabel}
      </span>
    );
  }
  return <img className={className} src={src} alt={alt} style={style} loading="lazy" onError={() => setFailed(src)} />;
}
