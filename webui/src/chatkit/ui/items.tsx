/**
 * One component per thread item type. Each is memoized on its item object:
 * the reducer keeps untouched items identical, so only the streaming item
 * re-renders while an answer arrives.
 */
import { memo, useMemo, useState, type ReactElement } from "react";
import type {
  AssistantMessageItem,
  ClientToolCallItem,
  GeneratedImageItem,
  StructuredInputItem,
  Source,
  Task,
  TaskItem,
  UserMessageItem,
  WidgetItem,
  WorkflowItem,
} from "../protocol/types";
import { isAllowedImageSource } from "../render/sanitize";
import { WidgetRoot, type WidgetEnv } from "../widgets/Widget";
import { useChatState, useEnv } from "./context";
import { Icon } from "./icons";
import { ImageOrAlt } from "./ImageOrAlt";
import { Markdown } from "./Markdown";
import { EntityTag } from "./EntityTag";
import { entityOfTag } from "../state/entities";

export const UserMessage = memo(function UserMessage({ item }: { item: UserMessageItem }): ReactElement {
  const { t } = useEnv();
  const hasText = item.content.some((part) => part.text);
  return (
    <div className="ck-user">
      <h3 className="ck-sr-only">{t("message.you")}</h3>
      {item.quoted_text ? (
        <blockquote className="ck-quote">
          <span>{item.quoted_text}</span>
        </blockquote>
      ) : null}
      {item.attachments && item.attachments.length > 0 ? (
        <div className="ck-user-attachments">
          {item.attachments.map((attachment) =>
            attachment.type === "image" && isAllowedImageSource(attachment.preview_url) ? (
              <ImageOrAlt key={attachment.id} className="ck-user-image" src={attachment.preview_url} alt={attachment.name} failedLabel={t("message.imageFailed")} />
            ) : (
              <span key={attachment.id} className="ck-file-chip">
                <Icon name="file" size={16} />
                <span className="ck-file-name">{attachment.name}</span>
              </span>
            ),
          )}
        </div>
      ) : null}
      {hasText ? (
        <div className="ck-bubble">
          {item.content.map((part, index) =>
            part.type === "input_tag" ? (
              <EntityTag key={index} entity={entityOfTag(part)} className="ck-entity-tag">
                {`@${part.text}`}
              </EntityTag>
            ) : (
              part.text
            ),
          )}
        </div>
      ) : null}
    </div>
  );
});

/** A numbered source under an answer or a task: title, host; a web link opens outside the app like links in the text. */
function Sources({ sources }: { sources: Source[] }): ReactElement | null {
  const { t, host: element } = useEnv();
  if (sources.length === 0) return null;
  return (
    <div className="ck-sources" role="group" aria-label={t("message.sources")}>
      {sources.map((source, index) => {
        const label = source.title || (source.type === "url" ? source.url : source.type === "file" ? source.filename : source.label ?? "");
        if (source.type === "url" && /^https?:\/\//i.test(source.url)) {
          let host = "";
          try {
            host = new URL(source.url).hostname.replace(/^www\./, "");
          } catch {
            host = "";
          }
          return (
            <a
              key={index}
              className="ck-source"
              href={source.url}
              target="_blank"
              rel="noopener noreferrer"
              title={source.description ?? source.url}
              onClick={() =>
                element.dispatchEvent(new CustomEvent("chatkit.log", { detail: { name: "link.open", data: { href: source.url } } }))
              }
            >
              <span className="ck-source-n">{index + 1}</span>
              <span className="ck-source-title">{label}</span>
              {host ? <span className="ck-source-host">{host}</span> : null}
            </a>
          );
        }
        if (source.type === "entity") {
          return (
            <EntityTag key={index} entity={entityOfTag(source)} className="ck-source">
              <span className="ck-source-n">{index + 1}</span>
              <span className="ck-source-title">{label}</span>
            </EntityTag>
          );
        }
        return (
          <span key={index} className="ck-source" title={source.description ?? undefined}>
            <span className="ck-source-n">{index + 1}</span>
            <span className="ck-source-title">{label}</span>
          </span>
        );
      })}
    </div>
  );
}

export const AssistantMessage = memo(function AssistantMessage({
  item,
  streaming,
  imageDomains,
}: {
  item: AssistantMessageItem;
  streaming: boolean;
  imageDomains: readonly string[] | null;
}): ReactElement {
  const { t } = useEnv();
  const text = item.content.map((part) => part.text).join("\n\n");
  const seen = new Set<string>();
  const sources: Source[] = [];
  for (const part of item.content) {
    for (const annotation of part.annotations ?? []) {
      const key = JSON.stringify(annotation.source);
      if (!seen.has(key)) {
        seen.add(key);
        sources.push(annotation.source);
      }
    }
  }
  return (
    <div className="ck-assistant" aria-busy={streaming || undefined}>
      <h3 className="ck-sr-only">{t("message.assistant")}</h3>
      {text ? <Markdown text={text} streaming={streaming} imageDomains={imageDomains} /> : streaming ? <TypingDots /> : null}
      <Sources sources={sources} />
    </div>
  );
});

export function TypingDots(): ReactElement {
  const { t } = useEnv();
  return (
    <div className="ck-typing" role="status" aria-label={t("message.generating")}>
      <span />
      <span />
      <span />
    </div>
  );
}

function formatDuration(seconds: number, t: ReturnType<typeof useEnv>["t"]): string {
  if (seconds < 60) return t("time.seconds", { n: seconds });
  return t("time.minutes", { n: Math.round(seconds / 60) });
}

function TaskView({ task }: { task: Task }): ReactElement {
  const status = task.status_indicator ?? "none";
  const title =
    task.type === "web_search" ? (task.title ?? task.title_query ?? (task.queries ?? []).join(", ")) : (task.title ?? "");
  return (
    <div className={`ck-task ck-task-${status}`}>
      <span className="ck-task-mark" aria-hidden="true">
        {status === "loading" ? <span className="ck-spinner" /> : status === "complete" ? <Icon name="check" size={14} /> : <Icon name={task.type === "web_search" ? "globe" : task.type === "file" ? "file" : task.type === "image" ? "image" : task.type === "custom" && task.icon ? task.icon : "dot"} size={14} />}
      </span>
      <div className="ck-task-body">
        {title ? <div className="ck-task-title">{title}</div> : null}
        {task.type === "thought" || task.type === "custom" ? (task.content ? <Markdown text={task.content} className="ck-task-content" /> : null) : null}
        {task.type === "web_search" && task.sources?.length ? <Sources sources={task.sources} /> : null}
        {task.type === "file" && task.sources?.length ? <Sources sources={task.sources} /> : null}
      </div>
    </div>
  );
}

export const WorkflowView = memo(function WorkflowView({ item, streaming }: { item: WorkflowItem; streaming: boolean }): ReactElement {
  const { t } = useEnv();
  const workflow = item.workflow;
  const [open, setOpen] = useState<boolean | null>(null);
  const expanded = open ?? (workflow.expanded || streaming);
  const summary = workflow.summary;
  let label: string;
  if (summary && "title" in summary) label = summary.title;
  else if (summary && "duration" in summary) label = t("message.thoughtFor", { duration: formatDuration(summary.duration, t) });
  else label = workflow.type === "reasoning" ? t("message.reasoning") : t("message.workflow");
  return (
    <div className={`ck-workflow${streaming ? " ck-workflow-live" : ""}`}>
      <button type="button" className="ck-disclosure" aria-expanded={expanded} onClick={() => setOpen(!expanded)}>
        {streaming ? <span className="ck-spinner" aria-hidden="true" /> : <Icon name={workflow.type === "reasoning" ? "lightbulb" : "sparkle"} size={15} />}
        <span className={streaming ? "ck-shimmer" : undefined}>{label}</span>
        <Icon name={expanded ? "chevron-down" : "chevron-right"} size={15} />
      </button>
      {expanded ? (
        <div className="ck-workflow-tasks">
          {workflow.tasks.map((task, index) => (
            <TaskView key={index} task={task} />
          ))}
        </div>
      ) : null}
    </div>
  );
});

export const TaskItemView = memo(function TaskItemView({ item }: { item: TaskItem }): ReactElement {
  return (
    <div className="ck-workflow">
      <TaskView task={item.task} />
    </div>
  );
});

export const ToolCallView = memo(function ToolCallView({ item }: { item: ClientToolCallItem }): ReactElement {
  const { t } = useEnv();
  const pending = item.status === "pending";
  return (
    <div className="ck-toolcall" role="status">
      {pending ? <span className="ck-spinner" aria-hidden="true" /> : <Icon name="wrench" size={14} />}
      <span>{pending ? t("message.toolCallPending", { name: item.name }) : t("message.toolCall", { name: item.name })}</span>
    </div>
  );
});

export const GeneratedImageView = memo(function GeneratedImageView({ item, imageDomains = null }: { item: GeneratedImageItem; imageDomains?: readonly string[] | null }): ReactElement {
  const { t } = useEnv();
  const url = item.image?.url ?? "";
  if (!url) {
    return (
      <div className="ck-genimage ck-genimage-pending" role="status">
        <span className="ck-spinner" aria-hidden="true" />
        <span>{t("message.imageLoading")}</span>
        {typeof item.progress === "number" ? <span>{Math.round(item.progress * 100)}%</span> : null}
      </div>
    );
  }
  // data: URLs, our own origin, or the thread's allowed_image_domains; anything else stays a label.
  if (!isAllowedImageSource(url, { allowedImageDomains: imageDomains })) {
    return <span className="ck-img-blocked">{`[${t("message.generatedImage")}]`}</span>;
  }
  return (
    <figure className="ck-genimage">
      <ImageOrAlt src={url} alt={t("message.generatedImage")} failedLabel={t("message.imageFailed")} />
    </figure>
  );
});

/** One widget item: actions carry its id; its pending action (if any) drives the loading state. */
export const WidgetItemView = memo(function WidgetItemView({ item, env }: { item: WidgetItem; env: ThreadWidgetEnv }): ReactElement {
  const { controller } = useEnv();
  const pending = useChatState((state) => state.pendingActions[item.id] ?? null);
  const itemEnv = useMemo<WidgetEnv>(
    () => ({
      ...env,
      pending,
      locked: env.busy || pending !== null,
      onAction: (action, origin, formValues) => void controller.runWidgetAction(action, item.id, origin, formValues),
    }),
    [env, item.id, pending, controller],
  );
  return <WidgetRoot widget={item.widget} env={itemEnv} />;
});

/** What every widget in a thread shares; each item adds its own action routing and pending state. */
export type ThreadWidgetEnv = Omit<WidgetEnv, "onAction" | "pending" | "locked">;

/** Questions the assistant asks back: choices and free text, answered in place. */
export const StructuredInputView = memo(function StructuredInputView({
  item,
  busy,
}: {
  item: StructuredInputItem;
  busy: boolean;
}): ReactElement {
  const { t, controller } = useEnv();
  const pending = item.status === "pending";
  const [values, setValues] = useState<Record<string, string[]>>({});
  const toggle = (id: string, value: string, multiple: boolean) =>
    setValues((current) => {
      const chosen = current[id] ?? [];
      const next = chosen.includes(value) ? chosen.filter((v) => v !== value) : multiple ? [...chosen, value] : [value];
      return { ...current, [id]: next };
    });
  const submit = (status: "answered" | "skipped") => {
    const answers: Record<string, { values: string[]; skipped?: boolean }> = {};
    for (const input of item.inputs) {
      const chosen = (values[input.id] ?? []).map((v) => v.trim()).filter(Boolean);
      answers[input.id] = status === "skipped" || chosen.length === 0 ? { values: [], skipped: true } : { values: chosen };
    }
    void controller.submitStructuredInput(item.id, answers, status);
  };
  return (
    <form
      className="ck-sinput"
      onSubmit={(event) => {
        event.preventDefault();
        submit("answered");
      }}
    >
      {item.inputs.map((input) => {
        const answered = input.answer;
        return (
          <fieldset key={input.id} className="ck-sinput-q" disabled={!pending || busy}>
            <legend>{input.question}</legend>
            {input.type === "freeform" && input.description ? <p className="ck-muted">{input.description}</p> : null}
            {!pending ? (
              <p className="ck-sinput-answer">{answered?.skipped || !answered ? t("input.skipped") : answered.values.join(", ")}</p>
            ) : input.type === "multiple_choice" ? (
              <div className="ck-sinput-options">
                {input.options.map((option) => {
                  const on = (values[input.id] ?? []).includes(option.value);
                  return (
                    <button
                      key={option.value}
                      type="button"
                      className={`ck-pill${on ? " ck-on" : ""}`}
                      aria-pressed={on}
                      onClick={() => toggle(input.id, option.value, Boolean(input.multiple))}
                    >
                      {option.value}
                    </button>
                  );
                })}
              </div>
            ) : (
              <textarea
                className="ck-w-input"
                rows={2}
                aria-label={input.question || t("input.yourAnswer")}
                value={(values[input.id] ?? [""])[0]}
                onChange={(event) => setValues((current) => ({ ...current, [input.id]: [event.target.value] }))}
              />
            )}
          </fieldset>
        );
      })}
      {pending ? (
        <div className="ck-sinput-actions">
          <button type="button" className="ck-btn ck-btn-ghost" disabled={busy} onClick={() => submit("skipped")}>
            {t("input.skip")}
          </button>
          <button type="submit" className="ck-btn" disabled={busy}>
            {t("input.submit")}
          </button>
        </div>
      ) : null}
    </form>
  );
});
