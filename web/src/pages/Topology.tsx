/**
 * The live topology: hubs and their spokes for one network. A spoke's uplinks
 * are colored by their probed health (green: up, orange: up but lossy or slow,
 * red: down; handshake age where the agent reports no probes; grey: no live
 * status); the uplink carrying it now is bold, its backups dashed. Hubs say
 * how many spokes they carry. Hubs sit on a ring, each spoke near the hub
 * carrying it (topology-layout.ts); above a few hundred spokes each hub's
 * spokes are one group node until clicked. It refreshes every few seconds,
 * updating colors in place (no redraw, zoom and expansions kept). Click a
 * node to open it.
 */
import { Alert, Button, Card, Collapse, Flex, Select, Space, Table, Tag, Typography } from "antd";
import cytoscape from "cytoscape";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api } from "../api/client";
import { ErrorAlert } from "../components/ErrorAlert";
import type { LinkHealth } from "../components/health";
import { PageHeader } from "../components/PageHeader";
import { type Layout, layoutTopology } from "../components/topology-layout";
import { carryingHub, spokesCarried, type TopologyLink, topologyLinks } from "../components/topology-model";
import { useApi, useLive } from "../components/use-api";
import { formatLoss, formatRtt } from "../i18n/format";

/** Nodes fetched for one network at most (pages of 1,000). */
const MAX_NODES = 5000;
const COLORS: Record<LinkHealth, string> = {
  healthy: "#389e0d",
  degraded: "#d46b08",
  down: "#cf1322",
  unknown: "#8c8c8c",
};
const TAG_COLORS: Record<LinkHealth, string | undefined> = {
  healthy: "green",
  degraded: "orange",
  down: "red",
  unknown: undefined,
};

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: "node",
    style: {
      label: "data(label)",
      "font-size": 11,
      color: "#1f2329",
      "text-valign": "bottom",
      "text-margin-y": 4,
      width: 22,
      height: 22,
      "background-color": "#69b1ff",
      "border-width": 2,
      "border-color": "#1f5fbf",
    },
  },
  {
    selector: 'node[role = "hub"]',
    style: {
      width: 40,
      height: 40,
      shape: "round-rectangle",
      "background-color": "#1f5fbf",
      "font-weight": "bold",
      "text-wrap": "wrap",
    },
  },
  {
    selector: 'node[role = "external"]',
    style: { shape: "diamond", "background-color": "#b37feb", "border-color": "#722ed1" },
  },
  {
    selector: 'node[role = "group"]',
    style: {
      width: 34,
      height: 34,
      shape: "ellipse",
      "background-color": "#d6e4ff",
      "border-style": "double",
      "border-width": 4,
      "font-weight": "bold",
    },
  },
  { selector: "node[?online]", style: { "border-color": COLORS.healthy, "border-width": 3 } },
  {
    selector: "edge",
    style: { width: 2, "line-color": "data(color)", "curve-style": "bezier", opacity: 0.85 },
  },
  // The uplink carrying a spoke is drawn bold; its backups thin and dashed.
  { selector: 'edge[use = "active"]', style: { width: 3.5 } },
  {
    selector: 'edge[use = "backup"]',
    style: { width: 1.5, "line-style": "dashed", "line-dash-pattern": [6, 4], opacity: 0.7 },
  },
  { selector: 'edge[use = "hub"]', style: { width: 2.5, "line-style": "dotted" } },
];

/** Every page of a listing, up to MAX_NODES items. */
async function all<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; next?: string }>,
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const r = await page(cursor);
    items.push(...r.items);
    cursor = r.next;
  } while (cursor && items.length < MAX_NODES);
  return { items, truncated: cursor !== undefined };
}

async function loadGraph(network: string, signal: AbortSignal) {
  const listed = await all(async (cursor) => {
    const r = await api.get("/api/v1/nodes", {
      query: { network, limit: 1000, continue: cursor },
      signal,
    });
    return { items: r.items, next: r.continue };
  });
  const statuses = await all((after) =>
    api.get("/api/v1/node-status", {
      query: { network, limit: 1000, after },
      signal,
    }),
  ).then((r) => new Map(r.items.map((s) => [s.node, s])));
  return { nodes: listed.items, truncated: listed.truncated, statuses };
}

type Cy = cytoscape.Core;
type Elements = cytoscape.ElementDefinition[];

/** What the graph draws: nodes, collapsed groups and links, with their live data. */
function elementsOf(
  g: NonNullable<Awaited<ReturnType<typeof loadGraph>>>,
  links: readonly TopologyLink[],
  layout: Layout,
  label: (hub: string) => string,
  groupLabel: (count: number) => string,
): Elements {
  const inGroup = new Map<string, string>();
  for (const [, grp] of layout.groups) for (const m of grp.members) inGroup.set(m, grp.id);
  const out: Elements = [];
  for (const n of g.nodes) {
    const name = n.metadata.name;
    if (inGroup.has(name)) continue;
    out.push({
      data: {
        id: name,
        label: n.spec.role === "hub" ? label(name) : name,
        role: n.spec.role,
        online: g.statuses?.get(name)?.online,
      },
      position: { ...(layout.positions.get(name) ?? { x: 0, y: 0 }) },
    });
  }
  for (const [hub, grp] of layout.groups)
    out.push({
      data: { id: grp.id, label: groupLabel(grp.count), role: "group", hub },
      position: { ...(layout.positions.get(grp.id) ?? { x: 0, y: 0 }) },
    });
  // A group's links: one per hub its members use, colored by the worst of them.
  const rank: Record<LinkHealth, number> = { down: 3, degraded: 2, unknown: 1, healthy: 0 };
  const merged = new Map<string, { source: string; target: string; use: string; health: LinkHealth }>();
  for (const l of links) {
    const source = inGroup.get(l.from) ?? l.from;
    const id = `${source}--${l.to}`;
    const prev = merged.get(id);
    if (!prev) merged.set(id, { source, target: l.to, use: l.use, health: l.health });
    else {
      if (rank[l.health] > rank[prev.health]) prev.health = l.health;
      if (l.use === "active") prev.use = "active";
    }
  }
  for (const [id, e] of merged)
    out.push({
      data: { id, source: e.source, target: e.target, use: e.use, health: e.health, color: COLORS[e.health] },
    });
  return out;
}

export default function Topology() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const networks = useApi((signal) => api.get("/api/v1/networks", { query: { limit: 1000 }, signal }), []);
  const [network, setNetwork] = useState<string>();
  const current = network ?? networks.data?.items[0]?.metadata.name;
  const graph = useLive(
    (signal) => (current ? loadGraph(current, signal) : Promise.resolve(undefined)),
    [current],
  );
  const ref = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Cy | undefined>(undefined);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());

  const links = useMemo<TopologyLink[]>(
    () => (graph.data ? topologyLinks(graph.data.nodes, graph.data.statuses) : []),
    [graph.data],
  );
  const hubs = useMemo(
    () => (graph.data?.nodes ?? []).filter((n) => n.spec.role === "hub").map((n) => n.metadata.name),
    [graph.data],
  );
  const carried = useMemo(() => spokesCarried(links, hubs, graph.data?.statuses), [links, hubs, graph.data]);
  const layout = useMemo(() => {
    const g = graph.data;
    const hubSet = new Set(hubs);
    const spokes = (g?.nodes ?? [])
      .filter((n) => n.spec.role !== "hub")
      .map((n) => ({
        name: n.metadata.name,
        hub:
          carryingHub(n, g?.statuses?.get(n.metadata.name), hubSet) ??
          n.spec.hubs?.find((h) => hubSet.has(h)) ??
          null,
      }));
    return layoutTopology({ hubs, spokes, expanded });
  }, [graph.data, hubs, expanded]);
  const elements = useMemo(
    () =>
      graph.data
        ? elementsOf(
            graph.data,
            links,
            layout,
            (h) => `${h}\n${t("topology.carries", { count: carried.get(h) ?? 0 })}`,
            (count) => t("topology.group", { count }),
          )
        : [],
    [graph.data, links, layout, carried, t],
  );
  /** Which elements exist and where: a new value redraws the graph, anything else updates it in place. */
  const shape = useMemo(
    () =>
      elements
        .map(
          (e) =>
            `${e.data.id}@${e.position ? `${Math.round(e.position.x)},${Math.round(e.position.y)}` : ""}`,
        )
        .join("|"),
    [elements],
  );
  const elementsRef = useRef(elements);
  elementsRef.current = elements;

  // biome-ignore lint/correctness/useExhaustiveDependencies: redrawn only when the shape changes
  useEffect(() => {
    if (!ref.current || elementsRef.current.length === 0) return;
    const cy = cytoscape({
      container: ref.current,
      elements: elementsRef.current,
      style: STYLE,
      layout: { name: "preset", fit: true, padding: 30 },
      wheelSensitivity: 0.3,
      maxZoom: 1.4,
    });
    cyRef.current = cy;
    // Browser tests find a node's position on the canvas through this handle.
    (ref.current as HTMLDivElement & { cy?: cytoscape.Core }).cy = cy;
    cy.on("tap", "node", (e) => {
      const hub = e.target.data("hub") as string | undefined;
      if (e.target.data("role") === "group" && hub !== undefined)
        setExpanded((old) => new Set([...old, hub]));
      else navigate(`/nodes/${e.target.id()}`);
    });
    cy.on("mouseover", "node", () => {
      if (ref.current) ref.current.style.cursor = "pointer";
    });
    cy.on("mouseout", "node", () => {
      if (ref.current) ref.current.style.cursor = "";
    });
    return () => {
      cyRef.current = undefined;
      cy.destroy();
    };
  }, [shape, navigate]);

  // Live data into the drawn graph, without redrawing it.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.batch(() => {
      for (const e of elements) cy.getElementById(String(e.data.id)).data(e.data);
    });
  }, [elements]);

  const counts: Record<LinkHealth, number> = { healthy: 0, degraded: 0, down: 0, unknown: 0 };
  for (const l of links) counts[l.health]++;
  const summary = t("topology.summary", {
    nodes: graph.data?.nodes.length ?? 0,
    links: links.length,
    healthy: counts.healthy,
    degraded: counts.degraded,
    down: counts.down,
  });

  return (
    <>
      <PageHeader
        title={t("topology.title")}
        sub={t("topology.sub")}
        extra={
          <Select
            aria-label={t("nodes.network")}
            style={{ width: 200 }}
            value={current}
            onChange={(v) => {
              setNetwork(v);
              setExpanded(new Set());
            }}
            options={(networks.data?.items ?? []).map((n) => ({
              value: n.metadata.name,
              label: n.metadata.name,
            }))}
          />
        }
      />
      <ErrorAlert error={networks.error ?? graph.error} />
      {graph.data?.truncated ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          title={t("topology.truncated", { count: MAX_NODES })}
        />
      ) : null}
      <Card styles={{ body: { padding: 0 } }}>
        <Flex gap={16} style={{ padding: "10px 16px", borderBottom: "1px solid #f0f0f0" }} wrap>
          <Typography.Text>{summary}</Typography.Text>
          <Space>
            {(Object.keys(COLORS) as LinkHealth[]).map((h) => (
              <Tag key={h} color={TAG_COLORS[h]}>
                {t(`topology.health.${h}`)}
              </Tag>
            ))}
          </Space>
          <Typography.Text type="secondary">{t("topology.legendUse")}</Typography.Text>
          {layout.grouped && expanded.size > 0 ? (
            <Button size="small" onClick={() => setExpanded(new Set())}>
              {t("topology.collapse")}
            </Button>
          ) : null}
        </Flex>
        {networks.data && networks.data.items.length === 0 ? (
          <Typography.Paragraph style={{ padding: 24 }}>{t("topology.empty")}</Typography.Paragraph>
        ) : (
          <div
            ref={ref}
            role="img"
            aria-label={summary}
            data-testid="topology-graph"
            style={{ height: 560, width: "100%" }}
          />
        )}
      </Card>
      <Collapse
        style={{ marginTop: 16 }}
        items={[
          {
            key: "links",
            label: t("topology.asList"),
            children: (
              <Table<TopologyLink>
                size="small"
                rowKey={(l) => `${l.from}--${l.to}`}
                dataSource={links}
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                columns={[
                  { title: t("topology.from"), dataIndex: "from" },
                  { title: t("topology.to"), dataIndex: "to" },
                  {
                    title: t("topology.use"),
                    dataIndex: "use",
                    render: (u: TopologyLink["use"], l) =>
                      u === "hub" ? t("topology.uses.hub") : `${t(`topology.uses.${u}`)} (${l.priority})`,
                  },
                  {
                    title: t("topology.linkHealth"),
                    dataIndex: "health",
                    render: (h: LinkHealth) => <Tag color={TAG_COLORS[h]}>{t(`topology.health.${h}`)}</Tag>,
                  },
                  {
                    title: t("nodes.rtt"),
                    dataIndex: "rttMs",
                    render: (v: number | null | undefined) => formatRtt(v),
                  },
                  {
                    title: t("nodes.loss"),
                    dataIndex: "loss",
                    render: (v: number | undefined) => formatLoss(v),
                  },
                ]}
              />
            ),
          },
        ]}
      />
    </>
  );
}
