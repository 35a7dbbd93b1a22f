import { useId, type ReactNode } from "react";

type ControlProps = { id: string; "aria-describedby"?: string };

/**
 * A labelled form control. The <label> holds only the label text (a label
 * wrapped around a <select> would take every option's text into its name),
 * and the hint is tied to the control with aria-describedby.
 */
export function Field({
  label,
  hint,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  children: (props: ControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="kd-field">
      <label htmlFor={id}>{label}</label>
      {children(hint ? { id, "aria-describedby": hintId } : { id })}
      {hint && (
        <small id={hintId} className="kd-hint">
          {hint}
        </small>
      )}
    </div>
  );
}
