import { useEffect, useState } from "react";
import type { ThemeSetting } from "./api";

export type ColorScheme = "light" | "dark";

/** The one accent colour the app and the ChatKit element share. */
export const ACCENT = "#3d63dd";

const darkQuery = "(prefers-color-scheme: dark)";
const THEME_KEY = "kitdesk.theme";

/** The theme setting last seen, so the next start paints in it before the server answers. */
export function rememberedTheme(): ThemeSetting {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system";
  }
}

function rememberTheme(setting: ThemeSetting): void {
  try {
    localStorage.setItem(THEME_KEY, setting);
  } catch {
    // No storage: the first paint follows the system instead.
  }
}

export function resolveScheme(setting: ThemeSetting, systemDark: boolean): ColorScheme {
  if (setting === "light" || setting === "dark") return setting;
  return systemDark ? "dark" : "light";
}

/** The scheme to show for a setting, following the system while it says "system". */
export function useColorScheme(setting: ThemeSetting): ColorScheme {
  useEffect(() => rememberTheme(setting), [setting]);
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
