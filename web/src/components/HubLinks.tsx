/**
 * A node's paths to its hubs as its agent probes them: for a spoke each uplink (the one carrying
 * it now marked), for a hub its links to the other hubs — state, round trip, loss, and since when.
 * Uplinks the intent declares but the agent has not reported appear as not reported.
 */
import { Table, Tag } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import type { NodeStatusView } from "../api/types";
import { formatDate, formatLoss, formatNumber, formatRtt } from "../i18n/format";
import { type LinkHealth, probedHealth } from "./health";

type LinkReport = NodeStatusView["links"][number];

interface Row {
  readonly remote: string;
  readonly link?: LinkReport;
  /** 1 for the preferred hub. */
  readonly priority?: number;
  readonly active: boolean;
}

const TAG: Record<LinkHealth, string | undefined> = {
  healthy: "green",
  degraded: "orange",
  down: "red",
  unknown: undefined,
};

/** The rows: reported links first in priority order, then declared hubs with no report. */
function rows(hubs: readonly string[], status: NodeStatusView | undefined): Row[] {
  const links = status?.links ?? [];
  const out: Row[] = links.map((l) => ({
    remote: l.remote,
    link: l,
    ...(l.priority !== undefined ? { priority: l.priority + 1 } : {}),
    active: status?.activeHub === l.remote,
  }));
  hubs.forEach((h, i) => {
    if (!links.some((l) => l.remote === h)) out.push({ remote: h, priority: i + 1, active: false });
  });
  return out.sort((a, b) => (a.priority ?? 1e9) - (b.priority ?? 1e9) || a.remote.localeCompare(b.remote));
}

export function HubLinks({ hubs, status }: { hubs: readonly string[]; status: NodeStatusView | undefined }) {
  const { t } = useTranslation();
  return (
    <Table<Row>
      size="small"
      rowKey="remote"
      data-testid="hub-links"
      pagination={false}
      dataSource={rows(hubs, status)}
      locale={{ emptyText: t("nodes.noLinks") }}
      columns={[
        {
          title: t("nodes.hub"),
          dataIndex: "remote",
          render: (v: string, r) => (
            <>
              <Link to={`/nodes/${v}`}>{v}</Link>{" "}
              {r.active ? <Tag color="blue">{t("nodes.activeTag")}</Tag> : null}
            </>
          ),
        },
        {
          title: t("nodes.priority"),
          dataIndex: "priority",
          render: (v: number | undefined) => (v === undefined ? "—" : formatNumber(v)),
        },
        {
          title: t("nodes.interface"),
          render: (_: unknown, r) => <span className="mono">{r.link?.interface ?? "—"}</span>,
        },
        {
          title: t("nodes.linkState"),
          render: (_: unknown, r) => {
            const h = r.link ? probedHealth(r.link) : "unknown";
            return <Tag color={TAG[h]}>{t(`topology.health.${h}`)}</Tag>;
          },
        },
        { title: t("nodes.rtt"), render: (_: unknown, r) => formatRtt(r.link?.rttMs) },
        { title: t("nodes.loss"), render: (_: unknown, r) => formatLoss(r.link?.loss) },
        {
          title: t("nodes.probes"),
          render: (_: unknown, r) =>
            r.link
              ? t("nodes.probesLost", {
                  lost: formatNumber(r.link.probesLost),
                  sent: formatNumber(r.link.probesSent),
                })
              : "—",
        },
        {
          title: t("nodes.since"),
          render: (_: unknown, r) =>
            r.link ? (r.link.since ? formatDate(r.link.since) : t("nodes.sinceStart")) : "—",
        },
      ]}
    />
  );
}
