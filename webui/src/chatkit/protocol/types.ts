/**
 * Wire types of the ChatKit protocol, mirroring chatkit-python's `chatkit/types.py`
 * (openai-chatkit 1.6.x). Only what the client reads is typed strictly; unknown
 * fields pass through untouched so a newer server never breaks rendering.
 */
import type { Widgets } from "@openai/chatkit";

export type ISODate = string;

export interface Page<T> {
  data: T[];
  has_more: boolean;
  after?: string | null;
}

export type ThreadStatus =
  | { type: "active" }
  | { type: "locked"; reason?: string | null }
  | { type: "closed"; reason?: string | null };

export interface ThreadMetadata {
  id: string;
  title?: string | null;
  created_at: ISODate;
  /** Not in the SDK's wire format today; used when a server sends it. */
  updated_at?: ISODate;
  status?: ThreadStatus;
  allowed_image_domains?: string[] | null;
  metadata?: Record<string, unknown>;
}

export interface Thread extends ThreadMetadata {
  items: Page<ThreadItem>;
}

export interface ItemBase {
  id: string;
  thread_id: string;
  created_at: ISODate;
}

export interface UserMessageTextContent {
  type: "input_text";
  text: string;
}
export interface UserMessageTagContent {
  type: "input_tag";
  id: string;
  text: string;
  data?: Record<string, unknown>;
  group?: string | null;
  interactive?: boolean;
}
export type UserMessageContent = UserMessageTextContent | UserMessageTagContent;

export interface UploadDescriptor {
  url: string;
  method: "POST" | "PUT";
  headers?: Record<string, string>;
}

export interface AttachmentBase {
  id: string;
  name: string;
  mime_type: string;
  upload_descriptor?: UploadDescriptor | null;
  thread_id?: string | null;
  /** Some servers report the upload target here instead of upload_descriptor. */
  upload_url?: string | null;
}
export interface FileAttachment extends AttachmentBase {
  type: "file";
}
export interface ImageAttachment extends AttachmentBase {
  type: "image";
  preview_url: string;
}
export type Attachment = FileAttachment | ImageAttachment;

export interface InferenceOptions {
  tool_choice?: { id: string } | null;
  model?: string | null;
}

export interface UserMessageItem extends ItemBase {
  type: "user_message";
  content: UserMessageContent[];
  attachments?: Attachment[];
  quoted_text?: string | null;
  inference_options?: InferenceOptions;
}

export interface URLSource {
  type: "url";
  title: string;
  url: string;
  description?: string | null;
  attribution?: string | null;
  group?: string | null;
  timestamp?: string | null;
}
export interface FileSource {
  type: "file";
  title: string;
  filename: string;
  description?: string | null;
  group?: string | null;
}
export interface EntitySource {
  type: "entity";
  title: string;
  id: string;
  icon?: string | null;
  label?: string | null;
  inline_label?: string | null;
  interactive?: boolean;
  data?: Record<string, unknown>;
  description?: string | null;
  group?: string | null;
}
export type Source = URLSource | FileSource | EntitySource;

export interface Annotation {
  type: "annotation";
  source: Source;
  index?: number | null;
}

export interface AssistantMessageContent {
  type: "output_text";
  text: string;
  annotations: Annotation[];
}

export interface AssistantMessageItem extends ItemBase {
  type: "assistant_message";
  content: AssistantMessageContent[];
}

export interface ClientToolCallItem extends ItemBase {
  type: "client_tool_call";
  status: "pending" | "completed";
  call_id: string;
  name: string;
  arguments: Record<string, unknown>;
  output?: unknown;
}

export interface WidgetItem extends ItemBase {
  type: "widget";
  widget: Widgets.WidgetRoot;
  copy_text?: string | null;
}

export interface GeneratedImage {
  id: string;
  url: string;
}
export interface GeneratedImageItem extends ItemBase {
  type: "generated_image";
  image?: GeneratedImage | null;
  /** Client-side only: last progress reported by generated_image.updated. */
  progress?: number | null;
}

export interface BaseTask {
  status_indicator?: "none" | "loading" | "complete";
}
export interface CustomTask extends BaseTask {
  type: "custom";
  title?: string | null;
  icon?: string | null;
  content?: string | null;
}
export interface SearchTask extends BaseTask {
  type: "web_search";
  title?: string | null;
  title_query?: string | null;
  queries?: string[];
  sources?: URLSource[];
}
export interface ThoughtTask extends BaseTask {
  type: "thought";
  title?: string | null;
  content: string;
}
export interface FileTask extends BaseTask {
  type: "file";
  title?: string | null;
  sources?: FileSource[];
}
export interface ImageTask extends BaseTask {
  type: "image";
  title?: string | null;
}
export type Task = CustomTask | SearchTask | ThoughtTask | FileTask | ImageTask;

export type WorkflowSummary = { title: string; icon?: string | null } | { duration: number };

export interface Workflow {
  type: "custom" | "reasoning";
  tasks: Task[];
  summary?: WorkflowSummary | null;
  expanded?: boolean;
}

export interface WorkflowItem extends ItemBase {
  type: "workflow";
  workflow: Workflow;
}
export interface TaskItem extends ItemBase {
  type: "task";
  task: Task;
}
export interface EndOfTurnItem extends ItemBase {
  type: "end_of_turn";
}
export interface StructuredInputAnswer {
  values: string[];
  skipped?: boolean;
}
export type StructuredInput =
  | {
      type: "multiple_choice";
      id: string;
      question: string;
      answer?: StructuredInputAnswer | null;
      options: { value: string }[];
      multiple?: boolean;
    }
  | { type: "freeform"; id: string; question: string; answer?: StructuredInputAnswer | null; description?: string | null };
export interface StructuredInputItem extends ItemBase {
  type: "structured_input";
  status: "pending" | "answered" | "skipped";
  inputs: StructuredInput[];
}
export interface HiddenItem extends ItemBase {
  type: "hidden_context_item" | "sdk_hidden_context";
  content: unknown;
}

export type ThreadItem =
  | UserMessageItem
  | AssistantMessageItem
  | ClientToolCallItem
  | WidgetItem
  | GeneratedImageItem
  | WorkflowItem
  | TaskItem
  | EndOfTurnItem
  | StructuredInputItem
  | HiddenItem;

// ---- item updates (thread.item.updated) ----

export type ThreadItemUpdate =
  | { type: "assistant_message.content_part.added"; content_index: number; content: AssistantMessageContent }
  | { type: "assistant_message.content_part.text_delta"; content_index: number; delta: string }
  | {
      type: "assistant_message.content_part.annotation_added";
      content_index: number;
      annotation_index: number;
      annotation: Annotation;
    }
  | { type: "assistant_message.content_part.done"; content_index: number; content: AssistantMessageContent }
  | { type: "widget.streaming_text.value_delta"; component_id: string; delta: string; done: boolean }
  | { type: "widget.root.updated"; widget: Widgets.WidgetRoot }
  | { type: "widget.component.updated"; component_id: string; component: Widgets.WidgetComponent }
  | { type: "workflow.task.added"; task_index: number; task: Task }
  | { type: "workflow.task.updated"; task_index: number; task: Task }
  | { type: "generated_image.updated"; image: GeneratedImage; progress?: number | null };

// ---- stream events ----

export type NoticeLevel = "info" | "warning" | "danger";

export type ThreadStreamEvent =
  | { type: "thread.created"; thread: Thread }
  | { type: "thread.updated"; thread: Thread }
  | { type: "thread.item.added"; item: ThreadItem }
  | { type: "thread.item.updated"; item_id: string; update: ThreadItemUpdate }
  | { type: "thread.item.done"; item: ThreadItem }
  | { type: "thread.item.removed"; item_id: string }
  | { type: "thread.item.replaced"; item: ThreadItem }
  | { type: "stream_options"; stream_options: { allow_cancel: boolean } }
  | { type: "progress_update"; icon?: string | null; text: string }
  | { type: "client_effect"; name: string; data?: Record<string, unknown> }
  | { type: "error"; code?: string; message?: string | null; allow_retry?: boolean }
  | { type: "notice"; level: NoticeLevel; message: string; title?: string | null };

// ---- requests ----

export interface UserMessageInput {
  content: UserMessageContent[];
  attachments: string[];
  quoted_text?: string | null;
  inference_options: InferenceOptions;
}

export type StreamingOp =
  | "threads.create"
  | "threads.add_user_message"
  | "threads.add_client_tool_output"
  | "threads.add_structured_input"
  | "threads.retry_after_item"
  | "threads.custom_action";

export type JsonOp =
  | "threads.get_by_id"
  | "threads.list"
  | "items.list"
  | "threads.update"
  | "threads.delete"
  | "items.feedback"
  | "attachments.create"
  | "attachments.delete"
  | "input.transcribe"
  | "threads.sync_custom_action";

export type FeedbackKind = "positive" | "negative";
