/**
 * Loading data from the API into a component, with reload and optional polling. Polling (rather than server-sent events) because the status API already
 * answers everything a page shows, agents report only every 5 s, and a poll needs nothing from
 * the controller or a proxy in between. A background refresh keeps the data on screen (no
 * spinner, no flicker) and replaces it only when the answer differs; it pauses while the tab is
 * hidden.
 */
import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** How often live pages poll the status API (agents report every 5 s). */
export const LIVE_REFRESH_MS = 5_000;

export interface ApiOptions {
  /** Reload in the background this often (ms); absent: only when deps change or on reload(). */
  readonly refreshMs?: number;
}

export function useApi<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
  options: ApiOptions = {},
): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const shown = useRef<string | undefined>(undefined);
  const { refreshMs } = options;
  useEffect(() => {
    if (!refreshMs) return;
    let running: AbortController | undefined;
    const timer = setInterval(() => {
      if (document.hidden || running) return;
      const ctl = new AbortController();
      running = ctl;
      loadRef
        .current(ctl.signal)
        .then((d) => {
          if (ctl.signal.aborted) return;
          const text = JSON.stringify(d);
          if (text !== shown.current) {
            shown.current = text;
            setData(d);
          }
          setError(undefined);
        })
        .catch(() => {
          // A failed background refresh keeps what is shown; the next one tries again.
        })
        .finally(() => {
          running = undefined;
        });
    }, refreshMs);
    return () => {
      clearInterval(timer);
      running?.abort();
    };
  }, [...deps, refreshMs]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload
  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    loadRef
      .current(ctl.signal)
      .then((d) => {
        if (ctl.signal.aborted) return;
        shown.current = JSON.stringify(d);
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted || (e as Error)?.name === "AbortError") return;
        setError(e);
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/**
 * The one way live pages (dashboard, nodes, node detail, topology) load what agents report:
 * reloaded every {@link LIVE_REFRESH_MS} in the background.
 */
export function useLive<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Loaded<T> {
  return useApi(load, deps, { refreshMs: LIVE_REFRESH_MS });
}
