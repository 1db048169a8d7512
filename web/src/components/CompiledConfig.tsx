/** A node's compiled configuration, read-only: each interface with addresses and routes, and a hub's firewall script. */
import { Descriptions, Empty, Space, Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import type { CompiledNode } from "../api/types";

type Iface = CompiledNode["interfaces"][number];

export function CompiledConfig({ compiled }: { compiled: CompiledNode | undefined }) {
  const { t } = useTranslation();
  if (!compiled) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("nodes.noCompiled")} />;
  return (
    <Space direction="vertical" style={{ width: "100%" }} data-testid="compiled-config">
      <Typography.Text type="secondary">{t("nodes.compiledHelp")}</Typography.Text>
      <Descriptions size="small" column={{ xs: 1, md: 2 }} bordered>
        <Descriptions.Item label={t("nodes.compiledRevision")}>
          <span className="mono">{compiled.revision}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("nodes.forwarding")}>
          {compiled.forwarding ? t("nodes.on") : t("nodes.off")}
        </Descriptions.Item>
      </Descriptions>
      <Table<Iface>
        size="small"
        rowKey="name"
        pagination={false}
        dataSource={compiled.interfaces}
        data-testid="compiled-interfaces"
        columns={[
          {
            title: t("nodes.interface"),
            dataIndex: "name",
            render: (v: string) => <span className="mono">{v}</span>,
          },
          {
            title: t("nodes.purpose"),
            key: "purpose",
            render: (_, i) => (
              <Space size={4} wrap>
                <Tag>{t(`nodes.purposes.${i.purpose}`)}</Tag>
                {i.remote ? <span>{`→ ${i.remote}`}</span> : null}
                {i.priority !== undefined ? <span>{`#${i.priority + 1}`}</span> : null}
              </Space>
            ),
          },
          {
            title: t("nodes.addresses"),
            key: "addr",
            render: (_, i) => <span className="mono">{i.addresses.join(", ")}</span>,
          },
          { title: t("nodes.listenPort"), dataIndex: "listenPort", render: (v?: number) => v ?? "—" },
          { title: "MTU", dataIndex: "mtu" },
          {
            title: t("nodes.routes"),
            key: "routes",
            render: (_, i) => (
              <span className="mono">
                {i.routes.map((r) => `${r.prefix} (${r.metric})`).join(", ") || "—"}
              </span>
            ),
          },
        ]}
      />
      <Typography.Title level={3} style={{ fontSize: 15, margin: "8px 0 0" }}>
        {t("nodes.firewall")}
      </Typography.Title>
      {compiled.firewall ? (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        <pre className="mono scroll-text" data-testid="compiled-firewall" tabIndex={0}>
          {compiled.firewall.script}
        </pre>
      ) : (
        <Typography.Text type="secondary">{t("nodes.noFirewall")}</Typography.Text>
      )}
    </Space>
  );
}
