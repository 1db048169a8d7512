/**
 * The simulated agents of the propagation benchmark, in their own process (forked by
 * propagation-bench.ts): one real `ConfigClient` per node (each with its own keep-alive
 * connection, as separate agents would have), connected with bounded concurrency, then
 * long-polling forever. Messages to the parent: `{type: "ready"}` once every agent holds its
 * first state, `{type: "done", at: number[]}` once every agent got a revision different from its
 * first — `at` the wall-clock millisecond each did. Told `{type: "report"}`, every agent sends one
 * status report; then `{type: "reported", ms}`.
 *
 * argv: URL CREDENTIALS_JSON_FILE. No WireGuard.
 */
import { readFile } from "node:fs/promises";
import { ConfigClient } from "../agent/client/config-client.js";

const [url, file] = process.argv.slice(2) as [string, string];
const creds = JSON.parse(await readFile(file, "utf8")) as Array<{ node: string; credential: string }>;
const CONNECT_CONCURRENCY = 200;

const clients = creds.map(
  (c) =>
    new ConfigClient({ urls: [url], credential: c.credential, waitSeconds: 60, backoff: { initialMs: 200 } }),
);
const first: string[] = new Array(creds.length);
const changedAt: number[] = new Array(creds.length).fill(0);
let changed = 0;

let nextIndex = 0;
await Promise.all(
  Array.from({ length: CONNECT_CONCURRENCY }, async () => {
    while (nextIndex < clients.length) {
      const i = nextIndex++;
      first[i] = (await clients[i]!.next(undefined))!.revision;
    }
  }),
);
process.send!({ type: "ready" });

// On request, every agent sends one status report (as agents do every 5 s), concurrency bounded.
process.on("message", (m: { type: string }) => {
  if (m.type !== "report") return;
  void (async () => {
    const started = Date.now();
    let k = 0;
    await Promise.all(
      Array.from({ length: CONNECT_CONCURRENCY }, async () => {
        while (k < clients.length) {
          const i = k++;
          await clients[i]!.report({
            agentVersion: "bench",
            appliedRevision: first[i]!,
            applyError: null,
            interfaces: [
              {
                name: "hw_wan_hub-0",
                up: true,
                listenPort: 51820,
                peers: [
                  {
                    publicKey: `bench${String(i).padStart(38, "0")}=`,
                    endpoint: "192.0.2.1:51820",
                    rxBytes: i,
                    txBytes: 2 * i,
                    latestHandshake: Math.floor(Date.now() / 1000),
                  },
                ],
              },
            ],
          });
        }
      }),
    );
    process.send!({ type: "reported", ms: Date.now() - started });
  })();
});

for (const [i, client] of clients.entries()) {
  void (async () => {
    let have = first[i]!;
    for (;;) {
      const state = await client.next(have);
      if (!state) continue;
      have = state.revision;
      if (changedAt[i] === 0) {
        changedAt[i] = Date.now();
        if (++changed === clients.length) process.send!({ type: "done", at: changedAt });
      }
    }
  })();
}
