/** A sentence saying what went wrong, announced to screen readers; nothing when there is none. */
export function ErrorNotice({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="kd-notice kd-notice-error" role="alert">
      {message}
    </p>
  );
}
