/**
 * i18next with the two languages the UI ships. Keys are type-checked against
 * the English dictionary (see i18next.d.ts) and the Chinese one must have the
 * same shape, so a string cannot be missing in either. A key that is still
 * missing at run time is recorded on `window.__hubwireMissingKeys`, which the
 * browser tests check on every page.
 */
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import type { Language } from "../api/types";
import { en } from "./en";
import { zhCN } from "./zh-CN";

declare global {
  interface Window {
    __hubwireMissingKeys?: string[];
  }
}

export const LANGUAGES: readonly Language[] = ["en", "zh-CN"];
const STORED = "hubwire.language";

/** The language before anyone logs in: the last one chosen here, else the browser's. */
export function initialLanguage(): Language {
  const stored = localStorage.getItem(STORED);
  if (stored === "en" || stored === "zh-CN") return stored;
  return navigator.languages.some((l) => l.toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
}

export function rememberLanguage(lang: Language): void {
  localStorage.setItem(STORED, lang);
  document.documentElement.lang = lang;
}

window.__hubwireMissingKeys = [];
void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
  lng: initialLanguage(),
  fallbackLng: false,
  interpolation: { escapeValue: false },
  returnNull: false,
  saveMissing: true,
  missingKeyHandler: (_lngs, _ns, key) => {
    window.__hubwireMissingKeys?.push(key);
  },
});
document.documentElement.lang = i18n.language;

export default i18n;
