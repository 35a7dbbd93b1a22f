/**
 * Every string the element shows, by key, in English (bundled). The other
 * shipped languages live in ./locales/<code>.ts, one lazily loaded chunk
 * each, with exactly these keys and placeholders (locales.test.ts checks).
 * Messages are ICU MessageFormat (see ../i18n.ts).
 */
import { catalogueLoader, createTranslator, formatNumber, matchLanguage, systemLanguages, type Catalogue, type LanguageCode } from "./i18n";

export const en = {
  "chat.title": "Chat",
  "header.newChat": "New chat",
  "header.openHistory": "Show history",
  "header.closeHistory": "Hide history",
  "header.newThreadTitle": "New chat",
  "header.untitled": "Untitled chat",
  "header.renameThread": "Rename chat",
  "history.title": "History",
  "history.search": "Search chats",
  "history.searchLabel": "Search chats",
  "history.clearSearch": "Clear search",
  "history.empty": "No chats yet. Your conversations will appear here.",
  "history.noResults": "No chats match “{query}”.",
  "history.searchFailed": "Could not search the messages; only chat titles were searched.",
  "history.loading": "Loading chats…",
  "history.today": "Today",
  "history.yesterday": "Yesterday",
  "history.previous7": "Previous 7 days",
  "history.previous30": "Previous 30 days",
  "history.rename": "Rename",
  "history.delete": "Delete",
  "history.confirmDelete": "Delete this chat?",
  "history.confirmDeleteYes": "Delete",
  "history.confirmDeleteNo": "Cancel",
  "history.more": "More actions for {title}",
  "history.renameLabel": "New title",
  "history.errorLoad": "Could not load your chats.",
  "history.retry": "Try again",
  "history.label": "Chat history",
  "organise.pinned": "Pinned",
  "organise.allChats": "All chats",
  "organise.archived": "Archived",
  "organise.views": "Chat lists",
  "organise.folders": "Folders",
  "organise.newFolder": "New folder",
  "organise.folderName": "Folder name",
  "organise.systemPrompt": "System prompt for chats in this folder",
  "organise.systemPromptHint": "Used instead of the one in Settings, unless a chat has its own.",
  "organise.defaultModel": "Default model for new chats",
  "organise.defaultModelNone": "The usual default",
  "organise.save": "Save",
  "organise.cancel": "Cancel",
  "organise.editFolder": "Edit folder",
  "organise.deleteFolder": "Delete folder",
  "organise.confirmDeleteFolder": "Delete the folder “{name}”? Its chats stay, outside any folder.",
  "organise.confirmDeleteFolderYes": "Delete folder",
  "organise.folderActions": "Actions for the folder {name}",
  "organise.openInNewWindow": "Open in new window",
  "organise.pin": "Pin",
  "organise.unpin": "Unpin",
  "organise.archive": "Archive",
  "organise.restore": "Restore",
  "organise.moveTo": "Move to “{name}”",
  "organise.removeFromFolder": "Remove from folder",
  "organise.move": "Move to folder",
  "organise.export": "Export",
  "organise.exportAs": "Export as {format}",
  "organise.format.markdown": "Markdown",
  "organise.format.json": "Kitdesk JSON",
  "organise.format.html": "HTML",
  "organise.select": "Select chats",
  "organise.selectRow": "Select {title}",
  "organise.doneSelecting": "Done",
  "organise.selected": "{n, plural, one {# chat selected} other {# chats selected}}",
  "organise.confirmDeleteSelected": "{n, plural, one {Delete # chat?} other {Delete # chats?}}",
  "organise.delete": "Delete",
  "organise.exported": "Saved {name}",
  "organise.emptyArchived": "No archived chats.",
  "organise.emptyFolder": "No chats in this folder yet. Drag a chat here, or use Move in its menu.",
  "organise.inFolder": "In the folder {name}",
  "start.greeting": "What can I help with today?",
  "start.suggestions": "Suggestions",
  "composer.placeholder": "Message the AI",
  "composer.label": "Message",
  "composer.send": "Send message",
  "composer.stop": "Stop generating",
  "composer.attach": "Attach files",
  "composer.removeAttachment": "Remove {name}",
  "composer.uploading": "Uploading {name}",
  "composer.uploadFailed": "Upload failed",
  "composer.model": "Model",
  "composer.chooseModel": "Choose model: {model}",
  "composer.modelNotListed": "This chat's model; not in the current list",
  "composer.tools": "Tools",
  "composer.clearTool": "Remove tool {tool}",
  "composer.lockedThread": "This chat is locked.",
  "composer.closedThread": "This chat is closed.",
  "composer.dropFiles": "Drop files to attach",
  "composer.tooMany": "Too many files: the limit is {count} per message.",
  "composer.tooLarge": "{name} is larger than {size}.",
  "composer.badType": "{name} is not a supported file type.",
  "composer.attachmentsDisabled": "Attachments are not enabled.",
  "composer.replyingTo": "Replying to",
  "composer.clearReply": "Remove quoted text",
  "dictation.start": "Dictate",
  "dictation.startHint": "Dictate: speak, then stop to add the words to your message",
  "dictation.stop": "Stop recording",
  "dictation.stopHint": "Stop recording (Esc)",
  "dictation.cancel": "Cancel dictation",
  "dictation.waiting": "Waiting for the microphone…",
  "dictation.recording": "Recording",
  "dictation.transcribing": "Transcribing…",
  "dictation.permissionDenied": "Microphone access was blocked. Allow it for this app to dictate.",
  "dictation.noMicrophone": "No microphone was found. Connect one and try again.",
  "dictation.microphoneBusy": "The microphone is in use by another app or could not be started.",
  "dictation.microphoneFailed": "The microphone could not be used for dictation.",
  "dictation.nothingRecorded": "Nothing was recorded. Check your microphone and try again.",
  "dictation.nothingHeard": "No speech was recognised in the recording.",
  "message.you": "You",
  "message.assistant": "Assistant",
  "message.copy": "Copy message",
  "message.actions": "Message actions",
  "message.copied": "Copied",
  "message.copyCode": "Copy code",
  "message.copyCodeShort": "Copy",
  "message.codeFallback": "text",
  "message.viewCode": "Code",
  "message.viewDiagram": "Diagram",
  "message.viewPreview": "Preview",
  "message.viewGroup": "Show as",
  "message.diagramDrawing": "Drawing the diagram…",
  "message.diagramError": "This diagram could not be drawn: {error}. Its code is shown below.",
  "message.diagramUnavailable": "Diagrams could not be loaded. The code is shown below.",
  "message.previewTitle": "Sandboxed preview of the {lang} code",
  "message.retry": "Retry",
  "branch.group": "Versions of this message",
  "branch.position": "Version {index} of {count}",
  "branch.previous": "Previous version",
  "branch.next": "Next version",
  "branch.shown": "Showing version {index} of {count}",
  "message.edit": "Edit message",
  "edit.label": "Edit your message",
  "edit.send": "Send edited message",
  "edit.cancel": "Cancel editing",
  "usage.short": "{input} in · {output} out",
  "usage.answer": "This answer: {input} input tokens, {output} output tokens",
  "usage.thread": "This chat: {input} input tokens, {output} output tokens",
  "message.goodResponse": "Good response",
  "message.badResponse": "Bad response",
  "message.feedbackThanks": "Thanks for the feedback",
  "message.sources": "Sources",
  "message.generating": "Generating…",
  "message.generatedImage": "Generated image",
  "message.imageBlocked": "image",
  "message.imageFailed": "The image could not be loaded.",
  "widget.clear": "Clear",
  "widget.chart": "Chart",
  "composer.tagSearch": "Mention",
  "composer.commands": "Commands",
  "composer.mention": "Mention someone or something",
  "entity.preview": "Preview",
  "message.imageLoading": "Creating image…",
  "message.toolCall": "Ran {name}",
  "message.toolCallPending": "Running {name}…",
  "message.reasoning": "Reasoning",
  "message.thoughtFor": "Thought for {duration}",
  "message.workflow": "Steps",
  "message.answerReady": "Answer ready: {text}",
  "input.submit": "Send answers",
  "input.skip": "Skip",
  "input.skipped": "Skipped",
  "input.yourAnswer": "Your answer",
  "thread.loading": "Loading chat…",
  "thread.loadOlder": "Loading earlier messages…",
  "thread.jumpToLatest": "Jump to latest",
  "thread.errorLoad": "Could not open this chat.",
  "thread.log": "Conversation",
  "error.generic": "Something went wrong while answering.",
  "error.retry": "Retry",
  "error.dismiss": "Dismiss",
  "error.network": "Could not reach the chat server. Check that it is running, then try again.",
  "error.connectionLost": "The connection to the chat server was lost mid-answer.",
  "notice.dismiss": "Dismiss notice",
  "link.confirm": "Open a link to {host}?",
  "link.open": "Open link",
  "link.cancel": "Cancel",
  "link.label": "Open a link from the answer",
  "time.seconds": "{n, plural, one {# second} other {# seconds}}",
  "time.minutes": "{n, plural, one {# minute} other {# minutes}}",
  "size.bytes": "{n} B",
  "size.kb": "{n} KB",
  "size.mb": "{n} MB",
  "icon.settings": "Settings",
  "icon.history": "History",
  "icon.share": "Share",
  "icon.home": "Home",
  "icon.theme": "Switch theme",
  "icon.close": "Close",
  "icon.compose": "New chat",
  "icon.star": "Favorite",
  "icon.bug": "Report a problem",
  "icon.menu": "Menu",
  "icon.more": "More",
  "icon.sidebar": "Toggle sidebar",
  "icon.back": "Back",
  "icon.expand": "Expand",
  "icon.collapse": "Collapse",
  "icon.grid": "Apps",
  "icon.book": "Library",
} as const;

export type LocaleKey = keyof typeof en;
export type LocaleTable = Catalogue<LocaleKey>;
export type Translate = (key: LocaleKey, vars?: Record<string, string | number>) => string;

const catalogues = catalogueLoader<LocaleKey>(import.meta.glob<{ default: LocaleTable }>("./locales/*.ts"));

/** The shipped language for a ChatKit `locale` option (the system's languages when unset). */
export function resolveLocale(locale: string | undefined | null): LanguageCode {
  return matchLanguage(locale ? [locale, ...systemLanguages()] : systemLanguages());
}

/** Loads the element's catalogue for a language (a separate chunk); the app preloads it to avoid a flash of English. */
export function loadLocale(locale: string | undefined | null): Promise<unknown> {
  return catalogues.load(resolveLocale(locale));
}

/** True when the catalogue for this locale is loaded (English always is). */
export function isLocaleLoaded(locale: string | undefined | null): boolean {
  return catalogues.loaded(resolveLocale(locale)) !== undefined;
}

/** A translator for a locale, using its catalogue if loaded (else English until `loadLocale` finishes). */
export function makeTranslator(locale: string | undefined | null): Translate {
  const code = resolveLocale(locale);
  const table = catalogues.loaded(code);
  return createTranslator<LocaleKey>(table ? code : "en", table ?? {}, en);
}

/** A person-readable name for a header action, which the options give only as an icon. */
export function iconLabel(icon: string, t: Translate): string {
  const rules: [RegExp, LocaleKey][] = [
    [/settings/, "icon.settings"],
    [/history/, "icon.history"],
    [/share/, "icon.share"],
    [/^home/, "icon.home"],
    [/-mode$/, "icon.theme"],
    [/^close$/, "icon.close"],
    [/^compose$|chat-temporary/, "icon.compose"],
    [/^star/, "icon.star"],
    [/^bug$/, "icon.bug"],
    [/menu|hamburger/, "icon.menu"],
    [/^dots/, "icon.more"],
    [/sidebar/, "icon.sidebar"],
    [/^back/, "icon.back"],
    [/^expand|^open-/, "icon.expand"],
    [/^collapse/, "icon.collapse"],
    [/chevron/, "icon.back"],
    [/^grid$/, "icon.grid"],
    [/^book/, "icon.book"],
  ];
  const rule = rules.find(([pattern]) => pattern.test(icon));
  return rule ? t(rule[1]) : icon.replace(/[-_]/g, " ");
}

/** A file size in B, KB or MB, its number written the locale's way ("1,5 MB" in German). */
export function formatBytes(bytes: number, t: Translate, locale = "en"): string {
  const n = (value: number) => formatNumber(value, locale, { maximumFractionDigits: 1 });
  if (bytes < 1024) return t("size.bytes", { n: n(bytes) });
  if (bytes < 1024 * 1024) return t("size.kb", { n: n(bytes / 1024) });
  return t("size.mb", { n: n(bytes / (1024 * 1024)) });
}
