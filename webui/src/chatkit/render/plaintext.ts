/**
 * Markdown markers stripped from one-line texts shown as plain text: thread
 * titles (models sometimes title a chat "What Is **Kitdesk**?") and search
 * snippets (the server cuts them from raw message text, so they carry table
 * pipes and code fences). Not a markdown parser: a snippet is a fragment,
 * often cut mid-construct, so the rules remove the markers that read as
 * noise and leave the words.
 */
import { escapeHtml, sanitizeHtml } from "./sanitize";

// Private-use characters stand in for <mark> and </mark> while the text is
// plain, so highlighting survives the stripping.
const OPEN = "\uE000";
const CLOSE = "\uE001";

const RULES: [RegExp, string][] = [
  // Code fences with their language word: ```python
  [/`{3,}[\w+#.-]*/g, " "],
  [/~{3,}[\w+#.-]*/g, " "],
  // Images and links keep their text: ![alt](src) -> alt, [text](url) -> text
  [/!\[([^\]]*)\]\([^)]*\)/g, "$1"],
  [/\[([^\]]+)\]\([^)]*\)/g, "$1"],
  // Table separator rows: |---|:---:| (with or without the outer pipes)
  [/\|?(?:\s*:?-{3,}:?\s*\|)+(?:\s*:?-{3,}:?\s*)?/g, " "],
  // Remaining table pipes
  [/\s*\|\s*/g, " "],
  // Horizontal rules
  [/(^|\s)(?:-{3,}|\*{3,}|_{3,})(?=\s|$)/g, "$1"],
  // Headings: "## Title"
  [/(^|\s)#{1,6}(?=\s)/g, "$1"],
  // A quote or list marker at the very start (mid-text ">" or "-" may be prose)
  [/^\s*(?:>\s*)+/, ""],
  [/^\s*(?:[-*+]|\d{1,3}[.)])\s+/, ""],
  // Bold, strike-through and inline code markers
  [/\*\*|__|~~|`+/g, ""],
  // Single * or _ emphasis at word edges (snake_case and 2 * 3 stay)
  [/(^|[\s(\uE000])[*_](?=[^\s*_])/g, "$1"],
  [/([^\s*_])[*_](?=$|[\s).,;:!?\uE001])/g, "$1"],
];

/** `text` without markdown markers, whitespace collapsed. */
export function stripMarkdown(text: string): string {
  let out = text.replace(/\s+/g, " ");
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out.replace(/\s+/g, " ").trim();
}

/** A thread title for display: markers stripped, the raw title if nothing is left. */
export function plainTitle(title: string | null | undefined): string {
  if (!title) return "";
  return stripMarkdown(title) || title.trim();
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

function decodeEntities(html: string): string {
  return html.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * A search snippet (escaped text with <mark> around matches) with markdown
 * markers stripped; still HTML with <mark>, sanitized again before use.
 */
export function snippetHtml(html: string): string {
  const plain = decodeEntities(
    html
      .replace(/[\uE000\uE001]/g, "")
      .replace(/<mark\b[^>]*>/gi, OPEN)
      .replace(/<\/mark\s*>/gi, CLOSE)
      .replace(/<[^>]*>/g, ""),
  );
  const stripped = stripMarkdown(plain)
    // A highlight emptied by the stripping leaves no empty <mark>.
    .replace(new RegExp(`${OPEN}\\s*${CLOSE}`, "g"), "")
    .replace(/\s{2,}/g, " ");
  return sanitizeHtml(escapeHtml(stripped).split(OPEN).join("<mark>").split(CLOSE).join("</mark>"));
}
