/**
 * Which routes the live link health lets a desired state install. Routes of a down uplink or hub
 * link are withdrawn where another interface that is not down routes the same prefix, so the
 * kernel falls through to the next path by metric (the compiler gives every alternative path the
 * same prefixes at a higher metric). A prefix with no other path keeps its route: traffic then
 * waits in the tunnel instead of leaking to the underlay's default route. The probe address of
 * each link is pinned to it, so probes test that link whatever carries the traffic. Pure.
 */
import type { DesiredState, InterfaceConfig } from "../../model/index.js";

/** Metric of the route that pins a link's probe address to it: below every path's metric. */
export const PROBE_METRIC = 10;

const failsOver = (i: InterfaceConfig) => i.purpose === "uplink" || i.purpose === "hub-link";

const probePrefix = (address: string) => (address.includes(":") ? `${address}/128` : `${address}/32`);

/** `desired` as the agent installs it with the links in `down` down. */
export function routedState(desired: DesiredState, down: ReadonlySet<string>): DesiredState {
  const alive = new Set<string>();
  for (const i of desired.interfaces)
    if (!down.has(i.name) || !failsOver(i)) for (const r of i.routes) alive.add(r.prefix);
  const interfaces = desired.interfaces.map((i) => {
    if (!failsOver(i) || i.probe === undefined) return i;
    const pin = probePrefix(i.probe);
    const kept = down.has(i.name) ? i.routes.filter((r) => !alive.has(r.prefix)) : i.routes;
    return { ...i, routes: [{ prefix: pin, metric: PROBE_METRIC }, ...kept] };
  });
  return { ...desired, interfaces };
}

/** The hub whose uplink is preferred among those not down; null when every uplink is down (or none). */
export function activeHub(desired: DesiredState, down: ReadonlySet<string>): string | null {
  const uplinks = desired.interfaces
    .filter((i) => i.purpose === "uplink" && i.peers.length > 0 && i.remote !== undefined)
    .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
  return uplinks.find((i) => !down.has(i.name))?.remote ?? null;
}

/**
 * Which interface carries each prefix (the lowest metric wins, as in the kernel), leaving out the
 * pinned probe routes: what a failover move changes. Backup paths coming and going are not moves.
 */
export function carriers(state: DesiredState): string {
  const best = new Map<string, { iface: string; metric: number }>();
  for (const i of state.interfaces)
    for (const r of i.routes) {
      if (r.metric === PROBE_METRIC) continue;
      const b = best.get(r.prefix);
      if (!b || r.metric < b.metric) best.set(r.prefix, { iface: i.name, metric: r.metric });
    }
  return [...best]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([p, b]) => `${p}>${b.iface}`)
    .join(",");
}
