/**
 * Who is signed in: name, role and language, from the login answer or
 * `GET /api/v1/me`. The role decides which edit controls exist at all (the API
 * refuses them anyway); the language is the user's stored preference.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { api, hasCsrfToken, setCsrfToken, setUnauthenticatedHandler } from "./api/client";
import type { Language, LoginResult, Role } from "./api/types";
import i18n, { rememberLanguage } from "./i18n";

export interface SessionUser {
  readonly name: string;
  readonly role: Role;
  readonly language: Language;
}

interface SessionValue {
  readonly user: SessionUser | null;
  readonly loading: boolean;
  login(name: string, password: string): Promise<void>;
  logout(): Promise<void>;
  setLanguage(lang: Language): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);
/** Set when someone picks a language on the sign-in page, before we know who they are. */
const CHOSEN_AT_LOGIN = "hubwire.languageChosen";

const asLanguage = (l: string | undefined): Language => (l === "zh-CN" ? "zh-CN" : "en");
const asRole = (r: string): Role => (r === "admin" || r === "operator" ? r : "viewer");

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionUser | null>(null);
  const [loading, setLoading] = useState(true);

  const adopt = useCallback((u: SessionUser) => {
    setUser(u);
    rememberLanguage(u.language);
    void i18n.changeLanguage(u.language);
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setCsrfToken(undefined);
      setUser(null);
    });
    if (!hasCsrfToken()) {
      setLoading(false);
      return;
    }
    api
      .get("/api/v1/me")
      .then((me) =>
        adopt({
          name: me.actor.replace(/^user:/, ""),
          role: asRole(me.role),
          language: asLanguage(me.language),
        }),
      )
      .catch(() => setCsrfToken(undefined))
      .finally(() => setLoading(false));
  }, [adopt]);

  const value = useMemo<SessionValue>(
    () => ({
      user,
      loading,
      async login(name, password) {
        const r = await api.post<LoginResult>("/api/v1/login", { name, password });
        setCsrfToken(r.csrfToken);
        // A language picked on the sign-in page is a choice too: it becomes the user's preference.
        const chosen = sessionStorage.getItem(CHOSEN_AT_LOGIN);
        sessionStorage.removeItem(CHOSEN_AT_LOGIN);
        const language = chosen === "en" || chosen === "zh-CN" ? chosen : asLanguage(r.language);
        adopt({ name: r.name, role: asRole(r.role), language });
        if (language !== r.language) await api.patch("/api/v1/me", { language }).catch(() => undefined);
      },
      async logout() {
        await api.post("/api/v1/logout").catch(() => undefined);
        setCsrfToken(undefined);
        setUser(null);
      },
      async setLanguage(lang) {
        rememberLanguage(lang);
        await i18n.changeLanguage(lang);
        if (user) {
          setUser({ ...user, language: lang });
          await api.patch("/api/v1/me", { language: lang });
        } else sessionStorage.setItem(CHOSEN_AT_LOGIN, lang);
      },
    }),
    [user, loading, adopt],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error("useSession outside SessionProvider");
  return v;
}

/** Whether the signed-in user may change intent (operator or admin). */
export function useCanWrite(): boolean {
  const { user } = useSession();
  return user?.role === "operator" || user?.role === "admin";
}

export function useIsAdmin(): boolean {
  return useSession().user?.role === "admin";
}
