import { useEffect, useState } from "react";
import type { ThemeSetting } from "./api";

export type ColorScheme = "light" | "dark";

/** The one accent colour the app and the ChatKit element share. */
export const ACCENT = "#3d63dd";

const darkQuery = "(prefers-color-scheme: dark)";

export function resolveScheme(setting: ThemeSetting, systemDark: boolean): ColorScheme {
  if (setting === "light" || setting === "dark") return setting;
  return systemDark ? "dark" : "light";
}

/** The scheme to show for a setting, following the system while it says "system". */
export function useColorScheme(setting: ThemeSetting): ColorScheme {
  const [systemDark, setSystemDark] = useState(() => window.matchMedia(darkQuery).matches);
  useEffect(() => {
    const query = window.matchMedia(darkQuery);
    const update = () => setSystemDark(query.matches);
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }, []);
  const scheme = resolveScheme(setting, systemDark);
  useEffect(() => {
    document.documentElement.dataset.theme = scheme;
    document.documentElement.style.colorScheme = scheme;
  }, [scheme]);
  return scheme;
}
