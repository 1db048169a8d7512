/**
 * PostgreSQL `LISTEN` on a dedicated connection (a pooled one would be handed to other queries and
 * miss notifications). The connection is re-opened with backoff whenever it drops; `onConnect`
 * runs after every (re)connect, because notifications sent while disconnected are lost and the
 * caller must re-read whatever they would have announced.
 */
import pg from "pg";

/** What a subscriber gets told. */
export interface ListenHandlers {
  /** A notification on the channel, with its payload ("" when none was given). */
  readonly onNotify: (payload: string) => void;
  /** The connection is (again) listening; re-read state that notifications may have missed. */
  readonly onConnect?: () => void;
  /** The connection failed or dropped; it is being re-opened. */
  readonly onError?: (error: Error) => void;
}

/** A running subscription. */
export interface Listening {
  close(): Promise<void>;
}

/** Channel names are SQL identifiers; only plain ones are accepted, so quoting is never needed. */
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** Listens on `channel` at `url` until closed. Resolves once the first connection listens. */
export async function listenPostgres(
  url: string,
  channel: string,
  handlers: ListenHandlers,
): Promise<Listening> {
  if (!CHANNEL.test(channel)) throw new Error(`invalid notification channel ${JSON.stringify(channel)}`);
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: "hubwire-listen" });
    client = c;
    c.on("notification", (m) => {
      if (m.channel === channel) handlers.onNotify(m.payload ?? "");
    });
    c.on("error", (error) => dropped(c, error));
    c.on("end", () => dropped(c, new Error("connection ended")));
    await c.connect();
    await c.query(`listen ${channel}`);
    failures = 0;
    handlers.onConnect?.();
  };

  const dropped = (c: pg.Client, error: Error): void => {
    if (closed || client !== c) return;
    client = undefined;
    c.end().catch(() => undefined);
    handlers.onError?.(error);
    schedule();
  };

  const schedule = (): void => {
    if (closed || retry) return;
    failures++;
    const delay = Math.random() * Math.min(30_000, 250 * 2 ** failures);
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((error: Error) => {
        if (client) dropped(client, error);
        else schedule();
      });
    }, delay);
    retry.unref();
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
