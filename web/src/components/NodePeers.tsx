/**
 * A node's peers: the configured ones (from its compiled state) from the start, with what the
 * agent reports about each (endpoint, handshake, traffic) once it does; a reported peer that the
 * configuration no longer has is listed too.
 */
import { Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import type { CompiledNode, PeerStatus } from "../api/types";
import { formatAge, formatBytes } from "../i18n/format";
import { HEALTHY_HANDSHAKE_SECONDS } from "./health";

interface PeerRow {
  readonly publicKey: string;
  readonly name: string | null;
  readonly interface?: string;
  readonly allowedIPs?: readonly string[];
  readonly configuredEndpoint?: string;
  readonly reported?: PeerStatus;
}

export function peerRows(compiled: CompiledNode | undefined, reported: readonly PeerStatus[]): PeerRow[] {
  const byKey = new Map(reported.map((p) => [p.publicKey, p]));
  const rows: PeerRow[] = [];
  for (const iface of compiled?.interfaces ?? []) {
    for (const p of iface.peers) {
      rows.push({
        publicKey: p.publicKey,
        name: p.name,
        interface: iface.name,
        allowedIPs: p.allowedIPs,
        configuredEndpoint: p.endpoint,
        reported: byKey.get(p.publicKey),
      });
      byKey.delete(p.publicKey);
    }
  }
  for (const p of byKey.values()) rows.push({ publicKey: p.publicKey, name: p.name, reported: p });
  return rows;
}

export function NodePeers({
  compiled,
  reported,
}: {
  compiled: CompiledNode | undefined;
  reported: readonly PeerStatus[];
}) {
  const { t } = useTranslation();
  const rows = peerRows(compiled, reported);
  return (
    <>
      {rows.length > 0 && reported.length === 0 ? (
        <Typography.Paragraph type="secondary" data-testid="peers-configured-only">
          {t("nodes.configuredPeers")}
        </Typography.Paragraph>
      ) : null}
      <Table<PeerRow>
        size="small"
        rowKey={(r) => `${r.interface ?? ""}/${r.publicKey}`}
        pagination={false}
        dataSource={rows}
        locale={{ emptyText: t("nodes.noPeers") }}
        data-testid="node-peers"
        columns={[
          {
            title: t("common.name"),
            dataIndex: "name",
            render: (v: string | null) => (v ? <Link to={`/nodes/${v}`}>{v}</Link> : "—"),
          },
          {
            title: t("nodes.interface"),
            dataIndex: "interface",
            render: (v?: string) => <span className="mono">{v ?? "—"}</span>,
          },
          {
            title: t("nodes.endpoint"),
            key: "endpoint",
            render: (_, r) => (
              <span className="mono">{r.reported?.endpoint ?? r.configuredEndpoint ?? "—"}</span>
            ),
          },
          {
            title: t("nodes.allowedIPs"),
            key: "allowed",
            render: (_, r) => <span className="mono">{(r.allowedIPs ?? []).join(", ") || "—"}</span>,
          },
          {
            title: t("nodes.handshake"),
            key: "handshake",
            render: (_, r) => {
              if (!r.reported) return <Tag>{t("nodes.notReported")}</Tag>;
              const age = r.reported.handshakeAgeSeconds;
              return age === null ? (
                <Tag>{t("nodes.never")}</Tag>
              ) : (
                <Tag color={age < HEALTHY_HANDSHAKE_SECONDS ? "green" : "red"}>{formatAge(age)}</Tag>
              );
            },
          },
          {
            title: t("nodes.received"),
            key: "rx",
            render: (_, r) => (r.reported ? formatBytes(r.reported.rxBytes) : "—"),
          },
          {
            title: t("nodes.sent"),
            key: "tx",
            render: (_, r) => (r.reported ? formatBytes(r.reported.txBytes) : "—"),
          },
          {
            title: t("nodes.publicKey"),
            dataIndex: "publicKey",
            render: (v: string) => <span className="mono">{v}</span>,
          },
        ]}
      />
    </>
  );
}
