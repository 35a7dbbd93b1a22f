/**
 * The client tools Kitdesk answers when a ChatKit server calls one (`onClientTool`).
 *
 * A ChatKit server may ask the page for something only the person's side knows,
 * and waits for the answer before it goes on. Kitdesk is a client for any
 * server, so it cannot know a server's own tools: it answers a small set of
 * harmless ones (nothing that reads files, the screen or what is selected, and
 * nothing that changes the app), and any other name with a structured error
 * the server can read and go on from. Either way the person sees no error: a
 * missing tool is the server's concern, not theirs.
 */

export type ClientToolCall = { name: string; params: Record<string, unknown> };
export type ClientToolResult = Record<string, unknown>;

/** What the answers may say about the person's side. */
export type ClientToolContext = { now: Date; timeZone: string; language: string };

const TOOLS: Record<string, (params: Record<string, unknown>, context: ClientToolContext) => ClientToolResult> = {
  /** The person's date, time, time zone and language, for answers about "today" or "now". */
  get_current_time: (_params, { now, timeZone, language }) => ({
    iso: now.toISOString(),
    time_zone: timeZone,
    utc_offset_minutes: -now.getTimezoneOffset(),
    language,
  }),
};

/** The names of the client tools Kitdesk answers. */
export const CLIENT_TOOL_NAMES: readonly string[] = Object.keys(TOOLS).sort();

export function currentContext(language: string): ClientToolContext {
  return { now: new Date(), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC", language };
}

/** The answer to one client tool call; never throws (an unknown name is an answer too). */
export function answerClientTool(call: ClientToolCall, context: ClientToolContext): ClientToolResult {
  const tool = Object.hasOwn(TOOLS, call.name) ? TOOLS[call.name] : undefined;
  if (!tool) return { error: `Kitdesk has no client tool named ${call.name}`, available: [...CLIENT_TOOL_NAMES] };
  return tool(call.params, context);
}
