/** Readable, secret-free log lines for plan steps (`~ hw_corp: peer nyc allowedIPs a → a, b`). */
import type { PlanStep } from "./plan.js";

const show = (v: readonly string[] | string | number | null | undefined): string =>
  v === undefined || v === null ? "(none)" : Array.isArray(v) ? v.join(", ") || "(none)" : String(v);

/** One readable log line per step; never holds a secret. */
export function formatStep(s: PlanStep): string {
  switch (s.op) {
    case "replace-firewall":
      return `~ firewall: load table inet ${s.table} (sha256 ${s.hash.slice(0, 12)})`;
    case "delete-firewall":
      return `- firewall: table inet ${s.table}`;
    case "enable-forwarding":
      return `~ ${s.family} forwarding off → on`;
    case "create-interface":
      return `+ interface ${s.iface}`;
    case "set-private-key":
      return `~ ${s.iface}: private key`;
    case "set-listen-port":
      return `~ ${s.iface}: listenPort ${show(s.from)} → ${s.to}`;
    case "set-mtu":
      return `~ ${s.iface}: mtu ${show(s.from)} → ${s.to}`;
    case "set-up":
      return `~ ${s.iface}: up`;
    case "add-address":
      return `+ ${s.iface}: address ${s.address}`;
    case "remove-address":
      return `- ${s.iface}: address ${s.address}`;
    case "remove-peer":
      return `- ${s.iface}: peer ${s.publicKey}`;
    case "add-peer":
      return `+ ${s.iface}: peer ${s.peer.name} (${s.peer.publicKey}) allowedIPs ${show(s.peer.allowedIPs)}`;
    case "change-peer":
      return `~ ${s.iface}: peer ${s.peer.name} ${s.changes.map((c) => `${c.field} ${c.from} → ${c.to}`).join("; ")}`;
    case "add-route":
      return `+ ${s.iface}: route ${s.prefix} metric ${s.metric}`;
    case "remove-route":
      return `- ${s.iface}: route ${s.prefix} metric ${s.metric}`;
    case "delete-interface":
      return `- interface ${s.iface}`;
  }
}
