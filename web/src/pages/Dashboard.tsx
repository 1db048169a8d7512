/**
 * The first screen: nodes online and offline by role, the hubs' health, total
 * traffic (`GET /api/v1/overview`), and the latest audit events; all polled.
 */
import { Card, Col, Row, Statistic, Table, Tag, Typography } from "antd";
import { type ReactNode, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import type { AuditEntry } from "../api/types";
import { DeliveryHolds } from "../components/DeliveryHolds";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { useRates } from "../components/rates";
import { useLive } from "../components/use-api";
import { actionLabel } from "../i18n/actions";
import { formatBitRate, formatBytes, formatDate, formatNumber } from "../i18n/format";

type Hub = {
  name: string;
  network: string;
  online: boolean | null;
  peers: number | null;
  healthy: number | null;
};

/** One of the four figures across the top; a dash until the overview has loaded. */
function StatCard({
  title,
  value,
  color,
  children,
}: {
  title: string;
  value: string | undefined;
  color?: string;
  children?: ReactNode;
}) {
  return (
    <Col xs={24} md={6}>
      <Card>
        <Statistic title={title} value={value ?? "—"} styles={color ? { content: { color } } : undefined} />
        {children}
      </Card>
    </Col>
  );
}

export default function Dashboard() {
  const { t } = useTranslation();
  const overview = useLive((signal) => api.get("/api/v1/overview", { signal }), []);
  const events = useLive((signal) => api.get("/api/v1/audit", { query: { limit: 8 }, signal }), []);
  const o = overview.data;
  // The overview's totals carry no time: an answer is timed when it arrives changed.
  const reading = useMemo(() => (o ? { ...o.traffic, at: new Date().toISOString() } : undefined), [o]);
  const rate = useRates(new Map(reading ? [["all", reading]] : [])).get("all");
  const hubs: Hub[] = (o?.hubs ?? []).map((h) => ({ ...h, healthy: h.peersWithRecentHandshake }));
  const roles = ["hub", "spoke", "external"] as const;
  return (
    <>
      <PageHeader title={t("dashboard.title")} />
      <DeliveryHolds />
      <ErrorAlert error={overview.error} />
      <Row gutter={[16, 16]}>
        <StatCard title={t("dashboard.nodesTotal")} value={o && formatNumber(o.nodes.total)} />
        <StatCard title={t("dashboard.online")} value={o && formatNumber(o.nodes.online)} color="#237804" />
        <StatCard
          title={t("dashboard.offline")}
          value={o && formatNumber(o.nodes.offline)}
          color={o && o.nodes.offline > 0 ? "#a8071a" : undefined}
        />
        <StatCard
          title={t("dashboard.traffic")}
          value={o && `↓ ${formatBytes(o.traffic.rxBytes)} ↑ ${formatBytes(o.traffic.txBytes)}`}
        >
          <Typography.Text type="secondary" data-testid="dashboard-rate">
            {`${t("nodes.rate")}: `}
            {rate ? `↓ ${formatBitRate(rate.rxBps)} ↑ ${formatBitRate(rate.txBps)}` : t("nodes.rateWaiting")}
          </Typography.Text>
        </StatCard>
      </Row>
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        <Col xs={24} lg={10}>
          <Card title={<h2 className="card-title">{t("dashboard.byRole")}</h2>}>
            <Table
              size="small"
              pagination={false}
              rowKey="role"
              dataSource={roles.map((role) => ({
                role,
                online: o?.nodes.byRole[role].online,
                offline: o?.nodes.byRole[role].offline,
              }))}
              columns={[
                {
                  title: t("nodes.role"),
                  dataIndex: "role",
                  render: (r: string) => t(`roles.node.${r as "hub"}`),
                },
                {
                  title: t("dashboard.online"),
                  dataIndex: "online",
                  render: (n?: number) => formatNumber(n),
                },
                {
                  title: t("dashboard.offline"),
                  dataIndex: "offline",
                  render: (n?: number) => formatNumber(n),
                },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} lg={14}>
          <Card title={<h2 className="card-title">{t("dashboard.hubs")}</h2>}>
            <Table<Hub>
              size="small"
              pagination={false}
              rowKey="name"
              loading={overview.loading}
              dataSource={hubs}
              locale={{ emptyText: t("dashboard.noHubs") }}
              columns={[
                {
                  title: t("common.name"),
                  dataIndex: "name",
                  render: (n: string) => <Link to={`/nodes/${n}`}>{n}</Link>,
                },
                { title: t("nodes.network"), dataIndex: "network" },
                {
                  title: t("nodes.state"),
                  dataIndex: "online",
                  render: (v: boolean | null) =>
                    v === null ? (
                      <Tag>{t("status.unknown")}</Tag>
                    ) : v ? (
                      <Tag color="green">{t("status.online")}</Tag>
                    ) : (
                      <Tag color="red">{t("status.offline")}</Tag>
                    ),
                },
                {
                  title: t("dashboard.healthyPeers"),
                  key: "peers",
                  render: (_: unknown, h) =>
                    h.peers === null ? "—" : `${formatNumber(h.healthy)} / ${formatNumber(h.peers)}`,
                },
              ]}
            />
          </Card>
        </Col>
      </Row>
      <Card
        title={<h2 className="card-title">{t("dashboard.recentEvents")}</h2>}
        style={{ marginTop: 16 }}
        extra={<Link to="/audit">{t("dashboard.allEvents")}</Link>}
      >
        <ErrorAlert error={events.error} />
        <Table<AuditEntry>
          size="small"
          pagination={false}
          rowKey="id"
          loading={events.loading}
          dataSource={events.data?.items ?? []}
          columns={[
            { title: t("audit.at"), dataIndex: "at", render: (v: string) => formatDate(v) },
            { title: t("audit.actor"), dataIndex: "actor" },
            {
              title: t("audit.action"),
              dataIndex: "action",
              render: (a: string) => <Tag>{actionLabel(t, a)}</Tag>,
            },
            {
              title: t("audit.resource"),
              key: "res",
              render: (_: unknown, e) =>
                e.kind ? <Typography.Text code>{`${e.kind}/${e.name ?? ""}`}</Typography.Text> : "—",
            },
          ]}
        />
      </Card>
    </>
  );
}
