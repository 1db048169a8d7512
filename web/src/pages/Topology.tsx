/**
 * The live topology: hubs and their spokes for one network, links colored by
 * the health of their last handshake (green: recent, red: stale or never,
 * grey: no live status). Click a node to open it. Large networks show the
 * first spokes only, and say so.
 */
import { Alert, Card, Collapse, Flex, Select, Space, Table, Tag, Typography } from "antd";
import cytoscape from "cytoscape";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { GetResult, NodeResource, NodeStatusView } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { HEALTHY_HANDSHAKE_SECONDS } from "../components/health";
import { PageHeader } from "../components/PageHeader";
import { useApi } from "../components/use-api";

const MAX_NODES = 600;
const COLORS = { healthy: "#389e0d", down: "#cf1322", unknown: "#8c8c8c" } as const;
type Health = keyof typeof COLORS;

interface Link {
  readonly from: string;
  readonly to: string;
  readonly health: Health;
}

/** A link's health from either end's report (a spoke with no agent still shows its hub's view). */
function linkHealth(statuses: Map<string, NodeStatusView> | undefined, a: string, b: string): Health {
  const seen = [
    statuses?.get(a)?.peers.find((p) => p.name === b),
    statuses?.get(b)?.peers.find((p) => p.name === a),
  ].filter((p) => p !== undefined);
  if (seen.length === 0) return "unknown";
  return seen.some((p) => p.handshakeAgeSeconds !== null && p.handshakeAgeSeconds < HEALTHY_HANDSHAKE_SECONDS)
    ? "healthy"
    : "down";
}

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

  const links = useMemo<Link[]>(() => {
    const g = graph.data;
    if (!g) return [];
    const hubs = g.nodes.filter((n) => n.spec.role === "hub").map((n) => n.metadata.name);
    const out: Link[] = [];
    for (const n of g.nodes) {
      if (n.spec.role === "hub") continue;
      for (const h of n.spec.hubs ?? []) {
        if (hubs.includes(h))
          out.push({ from: n.metadata.name, to: h, health: linkHealth(g.statuses, n.metadata.name, h) });
      }
    }
    for (let i = 0; i < hubs.length; i++)
      for (let j = i + 1; j < hubs.length; j++)
        out.push({ from: hubs[i]!, to: hubs[j]!, health: linkHealth(g.statuses, hubs[i]!, hubs[j]!) });
    return out;
  }, [graph.data]);

  useEffect(() => {
    const g = graph.data;
    if (!ref.current || !g) return;
    const cy = cytoscape({
      container: ref.current,
      elements: [
        ...g.nodes.map((n) => ({
          data: {
            id: n.metadata.name,
            label: n.metadata.name,
            role: n.spec.role,
            online: g.statuses?.get(n.metadata.name)?.online,
          },
        })),
        ...links.map((l) => ({
          data: { id: `${l.from}--${l.to}`, source: l.from, target: l.to, color: COLORS[l.health] },
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
  }, [graph.data, links, navigate]);

  const counts = { healthy: 0, down: 0, unknown: 0 };
  for (const l of links) counts[l.health]++;
  const summary = t("topology.summary", {
    nodes: graph.data?.nodes.length ?? 0,
    links: links.length,
    healthy: counts.healthy,
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
            {(Object.keys(COLORS) as Health[]).map((h) => (
              <Tag key={h} color={h === "healthy" ? "green" : h === "down" ? "red" : undefined}>
                {t(`topology.health.${h}`)}
              </Tag>
            ))}
          </Space>
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
              <Table<Link>
                size="small"
                rowKey={(l) => `${l.from}--${l.to}`}
                dataSource={links}
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                columns={[
                  { title: t("topology.from"), dataIndex: "from" },
                  { title: t("topology.to"), dataIndex: "to" },
                  {
                    title: t("topology.linkHealth"),
                    dataIndex: "health",
                    render: (h: Health) => (
                      <Tag color={h === "healthy" ? "green" : h === "down" ? "red" : undefined}>
                        {t(`topology.health.${h}`)}
                      </Tag>
                    ),
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
