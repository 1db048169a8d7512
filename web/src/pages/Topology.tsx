/**
 * The live topology: hubs and their spokes for one network. A spoke's uplinks
 * are colored by their probed health (green: up, orange: up but lossy or slow,
 * red: down; handshake age where the agent reports no probes; grey: no live
 * status); the uplink carrying it now is bold, its backups dashed. Hubs say
 * how many spokes they carry. Click a node to open it. Large networks show
 * the first spokes only, and say so.
 */
import { Alert, Card, Collapse, Flex, Select, Space, Table, Tag, Typography } from "antd";
import cytoscape from "cytoscape";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { GetResult, NodeResource, NodeStatusView } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import type { LinkHealth } from "../components/health";
import { PageHeader } from "../components/PageHeader";
import { spokesCarried, type TopologyLink, topologyLinks } from "../components/topology-model";
import { useApi } from "../components/use-api";
import { formatLoss, formatRtt } from "../i18n/format";

const MAX_NODES = 600;
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

async function loadGraph(network: string, signal: AbortSignal) {
  const [hubs, others] = await Promise.all([
    api.get<GetResult<"/api/v1/nodes">>("/api/v1/nodes", {
      query: { network, role: "hub", limit: 1000 },
      signal,
    }),
    api.get<GetResult<"/api/v1/nodes">>("/api/v1/nodes", { query: { network, limit: MAX_NODES }, signal }),
  ]);
  const statuses = await api
    .get<{ items: NodeStatusView[] }>("/api/v1/node-status", { query: { network, limit: 1000 }, signal })
    .then((r) => new Map(r.items.map((s) => [s.node, s])))
    .catch(() => undefined);
  const nodes = new Map<string, NodeResource>();
  for (const n of [...hubs.items, ...others.items]) nodes.set(n.metadata.name, n);
  return { nodes: [...nodes.values()], truncated: Boolean(others.continue), statuses };
}

export default function Topology() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const networks = useApi(
    (signal) =>
      api.get<GetResult<"/api/v1/networks">>("/api/v1/networks", { query: { limit: 1000 }, signal }),
    [],
  );
  const [network, setNetwork] = useState<string>();
  const current = network ?? networks.data?.items[0]?.metadata.name;
  const graph = useApi(
    (signal) => (current ? loadGraph(current, signal) : Promise.resolve(undefined)),
    [current],
  );
  const ref = useRef<HTMLDivElement>(null);

  const links = useMemo<TopologyLink[]>(
    () => (graph.data ? topologyLinks(graph.data.nodes, graph.data.statuses) : []),
    [graph.data],
  );
  const carried = useMemo(() => {
    const g = graph.data;
    if (!g) return new Map<string, number>();
    const hubs = g.nodes.filter((n) => n.spec.role === "hub").map((n) => n.metadata.name);
    return spokesCarried(links, hubs, g.statuses);
  }, [graph.data, links]);

  useEffect(() => {
    const g = graph.data;
    if (!ref.current || !g) return;
    const cy = cytoscape({
      container: ref.current,
      elements: [
        ...g.nodes.map((n) => ({
          data: {
            id: n.metadata.name,
            label:
              n.spec.role === "hub"
                ? `${n.metadata.name}\n${t("topology.carries", { count: carried.get(n.metadata.name) ?? 0 })}`
                : n.metadata.name,
            role: n.spec.role,
            online: g.statuses?.get(n.metadata.name)?.online,
          },
        })),
        ...links.map((l) => ({
          data: {
            id: `${l.from}--${l.to}`,
            source: l.from,
            target: l.to,
            color: COLORS[l.health],
            use: l.use,
            health: l.health,
          },
        })),
      ],
      style: [
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
      ],
      layout: {
        name: "concentric",
        concentric: (n: cytoscape.NodeSingular) => (n.data("role") === "hub" ? 2 : 1),
        levelWidth: () => 1,
        minNodeSpacing: 18,
        animate: false,
      } as cytoscape.LayoutOptions,
      wheelSensitivity: 0.3,
      maxZoom: 1.4,
    });
    // Browser tests find a node's position on the canvas through this handle.
    (ref.current as HTMLDivElement & { cy?: cytoscape.Core }).cy = cy;
    cy.on("tap", "node", (e) => navigate(`/nodes/${e.target.id()}`));
    cy.on("mouseover", "node", () => {
      if (ref.current) ref.current.style.cursor = "pointer";
    });
    cy.on("mouseout", "node", () => {
      if (ref.current) ref.current.style.cursor = "";
    });
    return () => cy.destroy();
  }, [graph.data, links, carried, navigate, t]);

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
            onChange={setNetwork}
            options={(networks.data?.items ?? []).map((n) => ({
              value: n.metadata.name,
              label: n.metadata.name,
            }))}
          />
        }
      />
      <ErrorAlert error={networks.error ?? graph.error} />
      {graph.data && !graph.data.statuses ? (
        <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t("topology.noLiveStatus")} />
      ) : null}
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
