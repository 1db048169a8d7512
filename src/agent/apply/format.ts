/** Readable, secret-free log lines for plan steps (`~ hw_corp: peer nyc allowedIPs a → a, b`). */
import { added, changed, fields, of, removed, show } from "../../wgconf/change-lines.js";
import type { PlanStep } from "./plan.js";

/** One readable log line per step; never holds a secret. */
export function formatStep(s: PlanStep): string {
  switch (s.op) {
    case "replace-firewall":
      return changed("firewall", `load table inet ${s.table} (sha256 ${s.hash.slice(0, 12)})`);
    case "update-firewall-sets": {
      const n = (k: "add" | "remove") => s.changes.reduce((sum, c) => sum + c[k].length, 0);
      return changed(
        "firewall",
        `update sets of table inet ${s.table} (${s.changes.map((c) => c.set).join(", ") || "none"}: +${n("add")} -${n("remove")} intervals; sha256 ${s.fromHash.slice(0, 12)} → ${s.hash.slice(0, 12)})`,
      );
    }
    case "delete-firewall":
      return removed(`firewall: table inet ${s.table}`);
    case "enable-forwarding":
      return changed(`${s.family} forwarding off → on`);
    case "create-interface":
      return added(`interface ${s.iface}`);
    case "set-private-key":
      return changed(s.iface, "private key");
    case "set-listen-port":
      return changed(s.iface, fields([{ field: "listenPort", from: show(s.from), to: show(s.to) }]));
    case "set-mtu":
      return changed(s.iface, fields([{ field: "mtu", from: show(s.from), to: show(s.to) }]));
    case "set-up":
      return changed(s.iface, "up");
    case "add-address":
      return added(of(s.iface, `address ${s.address}`));
    case "remove-address":
      return removed(of(s.iface, `address ${s.address}`));
    case "remove-peer":
      return removed(of(s.iface, `peer ${s.publicKey}`));
    case "add-peer":
      return added(
        of(s.iface, `peer ${s.peer.name} (${s.peer.publicKey}) allowedIPs ${show(s.peer.allowedIPs)}`),
      );
    case "change-peer":
      return changed(s.iface, `peer ${s.peer.name} ${fields(s.changes)}`);
    case "add-route":
      return added(of(s.iface, `route ${s.prefix} metric ${s.metric}`));
    case "remove-route":
      return removed(of(s.iface, `route ${s.prefix} metric ${s.metric}`));
    case "delete-interface":
      return removed(`interface ${s.iface}`);
  }
}
