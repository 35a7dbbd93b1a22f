/** The app's mark: on the start-up splash (first paint) and in onboarding. */
export function LogoMark({ size = 40 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 40 40" aria-hidden="true">
      <rect width="40" height="40" rx="11" fill="var(--kd-accent)" />
      <path
        d="M12.5 11.5h15a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3H20l-5 4v-4h-2.5a3 3 0 0 1-3-3v-8a3 3 0 0 1 3-3z"
        fill="none"
        stroke="#fff"
        strokeWidth="2.2"
        strokeLinejoin="round"
      />
    </svg>
  );
}
