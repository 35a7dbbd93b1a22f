/**
 * Entity tags in the composer, as pure text functions: the composer stays a
 * plain textarea; a tag is its `@Title` text plus the entity remembered
 * beside it. Finding the `@query` being typed, inserting the chosen entity,
 * and turning text + remembered entities into the `input_tag` parts the
 * server expects (and back, for `setComposerValue({content})`).
 */
import type { Entity } from "@openai/chatkit";
import type { UserMessageContent } from "../protocol/types";

/** The `@query` that ends at the caret, if one is being typed. */
export interface Mention {
  /** Index of the "@". */
  start: number;
  /** Where the query ends (the caret). */
  end: number;
  query: string;
}

const MENTION = /(^|[\s(])@([^\s@]{0,40})$/u;
// A command acts on the draft as a whole, so only a "/" that starts it opens
// the menu (as in Slack or ChatGPT): paths and "and/or" mid-sentence do not.
const COMMAND = /^()\/([^\s/]{0,40})$/u; // group 1 empty, where MENTION has its prefix

/** The `@query` (or, with trigger "/", the `/command` query) that ends at the caret. */
export function mentionAt(text: string, caret: number, trigger: "@" | "/" = "@"): Mention | null {
  const before = text.slice(0, caret);
  const match = (trigger === "@" ? MENTION : COMMAND).exec(before);
  if (!match) return null;
  const query = match[2] ?? "";
  return { start: caret - query.length - 1, end: caret, query };
}

/** Replace the mention with `@Title ` and say where the caret goes. */
export function insertMention(text: string, mention: Mention, entity: Entity): { text: string; caret: number } {
  const tag = `@${entity.title} `;
  const rest = text.slice(mention.end).replace(/^ /, "");
  return { text: text.slice(0, mention.start) + tag + rest, caret: mention.start + tag.length };
}

/** Entities whose `@Title` is still in the text (a deleted tag is forgotten). */
export function tagsInText(text: string, tags: readonly Entity[]): Entity[] {
  return tags.filter((tag, index) => text.includes(`@${tag.title}`) && tags.findIndex((t) => t.id === tag.id) === index);
}

function tagPart(entity: Entity): UserMessageContent {
  return {
    type: "input_tag",
    id: entity.id,
    text: entity.title,
    ...(entity.data ? { data: entity.data } : {}),
    ...(entity.group ? { group: entity.group } : {}),
    interactive: Boolean(entity.interactive),
  };
}

/** Text with `@Title` occurrences of remembered entities split into input_tag parts. */
export function contentWithTags(text: string, tags: readonly Entity[]): UserMessageContent[] {
  const live = tagsInText(text, tags).sort((a, b) => b.title.length - a.title.length);
  if (live.length === 0) return [{ type: "input_text", text }];
  const parts: UserMessageContent[] = [];
  let plain = "";
  let i = 0;
  while (i < text.length) {
    const tag = text[i] === "@" ? live.find((t) => text.startsWith(`@${t.title}`, i)) : undefined;
    if (tag) {
      if (plain) parts.push({ type: "input_text", text: plain });
      plain = "";
      parts.push(tagPart(tag));
      i += tag.title.length + 1;
    } else {
      plain += text[i];
      i += 1;
    }
  }
  if (plain) parts.push({ type: "input_text", text: plain });
  return parts;
}

/** The other way: content parts -> composer text and the entities it mentions. */
export function textAndTags(content: readonly UserMessageContent[]): { text: string; tags: Entity[] } {
  const tags: Entity[] = [];
  const text = content
    .map((part) => {
      if (part.type === "input_text") return part.text;
      tags.push(entityOfTag(part));
      return `@${part.text}`;
    })
    .join("");
  return { text, tags };
}

/** The entity an `input_tag` part (or an entity source) stands for, as the page's callbacks take it. */
export function entityOfTag(part: { id: string; text?: string; title?: string; group?: string | null; interactive?: boolean; data?: Record<string, unknown>; icon?: string | null }): Entity {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(part.data ?? {})) data[key] = typeof value === "string" ? value : JSON.stringify(value);
  return {
    id: part.id,
    title: part.title ?? part.text ?? "",
    ...(part.group ? { group: part.group } : {}),
    ...(part.icon ? { icon: part.icon } : {}),
    ...(part.interactive !== undefined ? { interactive: part.interactive } : {}),
    ...(Object.keys(data).length ? { data } : {}),
  };
}
