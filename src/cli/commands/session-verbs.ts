/**
 * `whoami`, `logout` and `status [NODE]`: who the saved credentials are, ending the session, and
 * nodes' live status from the API (state, last report, active hub, revision, traffic; with NODE
 * its hub links' health too).
 */
import { rm } from "node:fs/promises";
import type { Command } from "commander";
import { apiRequest, credentialsPath, loadCredentials, nodeStatuses } from "../api-client.js";
import type { Io } from "../io.js";
import { age, table } from "../table.js";

interface Link {
  interface: string;
  remote: string;
  priority?: number;
  state: string;
  rttMs: number | null;
  loss: number;
  since: string | null;
}
interface Status {
  node: string;
  network: string;
  role: string;
  online: boolean;
  lastSeenAt: string | null;
  appliedRevision: string | null;
  desiredRevision: string | null;
  activeHub: string | null;
  attachedSpokes: number | null;
  rxBytes: number;
  txBytes: number;
  applyError: string | null;
  links: Link[];
}

const state = (s: Status) => (s.lastSeenAt === null ? "never-reported" : s.online ? "online" : "offline");
const rev = (s: Status) =>
  s.appliedRevision === s.desiredRevision
    ? (s.appliedRevision ?? "-").slice(0, 12)
    : `${(s.appliedRevision ?? "none").slice(0, 12)} (wants ${(s.desiredRevision ?? "-").slice(0, 12)})`;
const bytes = (n: number) => {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
};

export function registerSessionVerbs(program: Command, io: Io): void {
  program
    .command("whoami")
    .description("show who the saved login or HUBWIRE_TOKEN is, and on which controller")
    .action(async () => {
      const creds = await loadCredentials();
      const me = (await apiRequest(creds, "GET", "/api/v1/me")).json<{ actor: string; role: string }>();
      io.stdout(`${me.actor} (${me.role}) on ${creds.controller}\n`);
    });

  program
    .command("logout")
    .description("end the saved session on the controller and forget it here")
    .action(async () => {
      const creds = await loadCredentials();
      if (!creds.session) {
        io.stdout("no saved session (API tokens from HUBWIRE_TOKEN are revoked with the API, not here)\n");
        return;
      }
      await apiRequest(creds, "POST", "/api/v1/logout").catch(() => undefined);
      await rm(credentialsPath(), { force: true });
      io.stdout(`logged out of ${creds.controller}\n`);
    });

  program
    .command("status")
    .description("live status of every node, or of one with its hub links")
    .argument("[node]", "one node")
    .option("--network <name>", "only this network")
    .action(async (node: string | undefined, flags: { network?: string }) => {
      const creds = await loadCredentials();
      if (node) {
        const s = (
          await apiRequest(creds, "GET", `/api/v1/node-status/${encodeURIComponent(node)}`)
        ).json<Status>();
        const lines = [
          `node:        ${s.node} (${s.role}, network ${s.network})`,
          `state:       ${state(s)}${s.lastSeenAt ? `, last report ${age(s.lastSeenAt)} ago` : ""}`,
          `revision:    ${rev(s)}`,
          `traffic:     rx ${bytes(s.rxBytes)}, tx ${bytes(s.txBytes)}`,
          ...(s.role === "hub"
            ? [`spokes:      ${s.attachedSpokes ?? "-"}`]
            : [`active hub:  ${s.activeHub ?? "-"}`]),
          ...(s.applyError ? [`apply error: ${s.applyError}`] : []),
        ];
        io.stdout(`${lines.join("\n")}\n`);
        if (s.links.length > 0)
          io.stdout(
            `\n${table(
              ["HUB", "PRIORITY", "INTERFACE", "STATE", "RTT", "LOSS", "SINCE"],
              s.links.map((l) => [
                `${l.remote}${l.remote === s.activeHub ? " *" : ""}`,
                l.priority === undefined ? "-" : String(l.priority + 1),
                l.interface,
                l.state,
                l.rttMs === null ? "-" : `${l.rttMs.toFixed(1)} ms`,
                `${(l.loss * 100).toFixed(0)}%`,
                l.since ? age(l.since) : "start",
              ]),
            )}`,
          );
        return;
      }
      const items: Status[] = [];
      for await (const s of nodeStatuses<Status>(creds, flags.network)) items.push(s);
      io.stdout(
        table(
          ["NAME", "NETWORK", "ROLE", "STATE", "LAST-REPORT", "ACTIVE-HUB", "REVISION", "RX", "TX"],
          items.map((s) => [
            s.node,
            s.network,
            s.role,
            state(s),
            s.lastSeenAt ? `${age(s.lastSeenAt)} ago` : "-",
            s.role === "hub" ? `(${s.attachedSpokes ?? 0} spokes)` : (s.activeHub ?? "-"),
            rev(s),
            bytes(s.rxBytes),
            bytes(s.txBytes),
          ]),
        ),
      );
    });
}
