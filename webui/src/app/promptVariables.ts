// `{{variables}}` in a saved prompt, as the server reads them
// (desktop/kitdesk/prompts/variables.py): letters of any script, digits,
// underscores and spaces, at most 64 characters, spaces inside the braces
// trimmed; a variable used twice is asked for once. Both implementations are
// tested against promptVariables.cases.json.

const VARIABLE = /\{\{ *([\p{L}\p{N}_](?:[\p{L}\p{N}_ ]{0,62}[\p{L}\p{N}_])?) *\}\}/gu;

/** The variable names `text` asks for, once each, in the order they first appear. */
export function variablesOf(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(VARIABLE)) names.add(match[1]!);
  return [...names];
}

/** `text` with each variable replaced by its value; one without a value stays as written. */
export function fillPrompt(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(VARIABLE, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}
