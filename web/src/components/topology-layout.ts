/**
 * Where the topology draws each node, computed rather than left to a force layout so that it is
 * fast and readable at 10, 100 and 1,000 nodes: hubs on a ring (a single hub in the middle), each
 * spoke in a cluster of rings around the hub carrying it, so spokes sit near their active hub and
 * clusters never overlap. Above GROUP_ABOVE spokes, a hub's spokes are drawn as one group node
 * (with their count) until it is expanded. Pure: positions depend only on the input.
 */

/** Spokes in all beyond which each hub's spokes start as one group node. */
export const GROUP_ABOVE = 150;
/** Centre-to-centre distance of neighbouring spokes, px (a spoke is 22 px, its label below it). */
export const SPOKE_SPACING = 46;
/** Distance from a hub to its first ring of spokes, px. */
const FIRST_RING = 90;

export interface LayoutInput {
  readonly hubs: readonly string[];
  /** Each non-hub node with the hub it is drawn next to (null: none, drawn in its own cluster). */
  readonly spokes: ReadonlyArray<{ readonly name: string; readonly hub: string | null }>;
  /** Hubs whose group was expanded (meaningful only when grouping). */
  readonly expanded: ReadonlySet<string>;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Layout {
  readonly positions: ReadonlyMap<string, Point>;
  /** Hub (or "" for spokes with no hub) → group node id, for the clusters drawn as one node. */
  readonly groups: ReadonlyMap<string, { id: string; count: number; members: readonly string[] }>;
  readonly grouped: boolean;
}

/** The id of the group node of `hub`'s spokes. */
export const groupId = (hub: string) => `group:${hub || "-"}`;

/** How far a cluster of `count` spokes reaches from its hub, and each spoke's offset. */
function cluster(count: number): { radius: number; offsets: Point[] } {
  const offsets: Point[] = [];
  let ring = 0;
  let placed = 0;
  let radius = 0;
  while (placed < count) {
    radius = FIRST_RING + ring * SPOKE_SPACING;
    const capacity = Math.max(1, Math.floor((2 * Math.PI * radius) / SPOKE_SPACING));
    const here = Math.min(capacity, count - placed);
    for (let i = 0; i < here; i++) {
      const angle = (2 * Math.PI * i) / here + (ring % 2 ? Math.PI / here : 0);
      offsets.push({ x: radius * Math.cos(angle), y: radius * Math.sin(angle) });
    }
    placed += here;
    ring++;
  }
  return { radius: count === 0 ? 40 : radius + SPOKE_SPACING / 2, offsets };
}

export function layoutTopology(input: LayoutInput): Layout {
  const grouped = input.spokes.length > GROUP_ABOVE;
  const members = new Map<string, string[]>();
  const hubs = [...input.hubs];
  for (const h of hubs) members.set(h, []);
  for (const s of input.spokes) {
    const key = s.hub !== null && members.has(s.hub) ? s.hub : "";
    if (!members.has(key)) members.set(key, []);
    members.get(key)!.push(s.name);
  }
  for (const list of members.values()) list.sort();
  const centres = [...members.keys()]; // hubs in order, then "" for spokes without a hub
  const groups = new Map<string, { id: string; count: number; members: readonly string[] }>();
  const shapes = centres.map((c) => {
    const list = members.get(c)!;
    if (grouped && !input.expanded.has(c) && list.length > 0) {
      groups.set(c, { id: groupId(c), count: list.length, members: list });
      return cluster(1);
    }
    return cluster(list.length);
  });
  // Neighbouring centres on the ring are at least the sum of their clusters' radii apart.
  const n = centres.length;
  let ringRadius = 0;
  if (n > 1) {
    const widest = Math.max(...shapes.map((s) => s.radius));
    ringRadius = (widest + 30) / Math.sin(Math.PI / n);
  }
  const positions = new Map<string, Point>();
  centres.forEach((c, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    const centre = { x: ringRadius * Math.cos(angle), y: ringRadius * Math.sin(angle) };
    if (c !== "") positions.set(c, centre);
    const shape = shapes[i]!;
    const group = groups.get(c);
    if (group) {
      // Outward from the ring, away from the other hubs (below a lone hub).
      const out = n > 1 ? angle : Math.PI / 2;
      positions.set(group.id, {
        x: centre.x + FIRST_RING * Math.cos(out),
        y: centre.y + FIRST_RING * Math.sin(out),
      });
      return;
    }
    members.get(c)!.forEach((name, k) => {
      const o = shape.offsets[k]!;
      positions.set(name, { x: centre.x + o.x, y: centre.y + o.y });
    });
  });
  return { positions, groups, grouped };
}
