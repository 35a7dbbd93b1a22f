// @vitest-environment node
/**
 * A static check that every visible string in the TSX goes through a key:
 * JSX text, string literals shown as JSX children, user-visible attributes
 * (aria-label, title, placeholder, alt, and our components' label/hint),
 * visible fields of option objects (label, title, prompt, greeting…) and
 * literal error sentences handed to setError. A translated string is a call
 * (`t("key")`), so literals inside calls are keys, not text.
 */
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { appEn } from "../app/strings";
import { en as elementEn } from "../chatkit/locale";

// typescript's own file system access keeps this free of Node typings.
const SRC = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");
const join = (...parts: string[]) => parts.join("/");
const relative = (root: string, path: string) => path.slice(root.length + 1);

// Words that are the same in every language: product names and sample input.
const ALLOWED = new Set(["Kitdesk", "sk-…"]);

const VISIBLE_ATTRIBUTES = new Set([
  "aria-label",
  "aria-description",
  "aria-placeholder",
  "aria-roledescription",
  "aria-valuetext",
  "title",
  "placeholder",
  "alt",
  "label",
  "hint",
  "confirm",
]);
const VISIBLE_PROPERTIES = new Set(["label", "title", "detail", "placeholder", "greeting", "prompt", "text", "hint", "message", "confirm"]);
const MESSAGE_SETTERS = /^(setError|setLoadError|set\w*(Error|Message|Notice))$/;

// A literal that names a catalogue key (a table of keys looked up later) is not text.
const KEYS = new Set([...Object.keys(appEn), ...Object.keys(elementEn)]);

const hasWords = (text: string) => /\p{L}/u.test(text) && !ALLOWED.has(text.trim()) && !KEYS.has(text);

function tsxFiles(dir: string): string[] {
  return ts.sys.readDirectory(dir, [".tsx"]).filter((path) => !path.includes(".test.")).sort();
}

/** Visible literals in an expression shown as text: not in calls (keys), comparisons or nested JSX. */
function visibleLiterals(node: ts.Node, out: ts.Node[]): void {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    if (hasWords(node.text)) out.push(node);
  } else if (ts.isTemplateExpression(node)) {
    const parts = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(" ");
    if (hasWords(parts)) out.push(node);
    node.templateSpans.forEach((span) => visibleLiterals(span.expression, out));
  } else if (ts.isConditionalExpression(node)) {
    visibleLiterals(node.whenTrue, out);
    visibleLiterals(node.whenFalse, out);
  } else if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) {
      visibleLiterals(node.left, out);
      visibleLiterals(node.right, out);
    } else if (op === ts.SyntaxKind.AmpersandAmpersandToken) {
      visibleLiterals(node.right, out);
    }
  } else if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) {
    visibleLiterals(node.expression, out);
  }
}

function untranslated(path: string, text = ts.sys.readFile(path) ?? ""): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: ts.Node[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node)) {
      if (hasWords(node.text)) found.push(node);
    } else if (ts.isJsxExpression(node) && node.expression && !ts.isJsxAttribute(node.parent)) {
      visibleLiterals(node.expression, found);
    } else if (ts.isJsxAttribute(node) && VISIBLE_ATTRIBUTES.has(node.name.getText(source)) && node.initializer) {
      const value = node.initializer;
      if (ts.isStringLiteral(value)) {
        if (hasWords(value.text)) found.push(value);
      } else if (ts.isJsxExpression(value) && value.expression) {
        visibleLiterals(value.expression, found);
      }
    } else if (ts.isPropertyAssignment(node) && VISIBLE_PROPERTIES.has(node.name.getText(source))) {
      visibleLiterals(node.initializer, found);
    } else if (ts.isCallExpression(node) && MESSAGE_SETTERS.test(node.expression.getText(source))) {
      node.arguments.forEach((argument) => visibleLiterals(argument, found));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.map((node) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return `${relative(SRC, path)}:${line + 1}: ${node.getText(source).trim().slice(0, 80)}`;
  });
}

describe("visible strings", () => {
  it("the scan finds untranslated strings (so it can fail)", () => {
    const probe = join(SRC, "i18n-checks", "fixtures", "Untranslated.tsx.txt");
    const problems = untranslated(probe).map((line) => line.replace(/^.*?: /, ""));
    expect(problems.sort()).toEqual(
      [
        "Save",
        '"Close"',
        '"Search"',
        '"Saving…"',
        "`Trying again in ${seconds} s.`",
        '"Explain a concept"',
        '"Paste the key first."',
      ].sort(),
    );
  });

  it.each(tsxFiles(SRC).map((path) => relative(SRC, path)))("%s has no untranslated text", (file) => {
    expect(untranslated(join(SRC, file))).toEqual([]);
  });
});
