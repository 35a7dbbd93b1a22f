/**
 * Side-effect entry of the package (`@kitdesk/chatkit-element/register`):
 * importing it defines `<openai-chatkit>` unless something else already did,
 * so a page can import it before `@openai/chatkit-react` renders `<ChatKit>`.
 */
import { registerChatKitElement } from "./index";

registerChatKitElement();

export { registerChatKitElement };
