/** Networks: list, create, edit (NetworkForm) and delete. */
import { PlusOutlined } from "@ant-design/icons";
import { Button, Space, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Network } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorAlert } from "../components/ErrorAlert";
import { NetworkForm } from "../components/NetworkForm";
import { PageHeader } from "../components/PageHeader";
import { useApi } from "../components/use-api";
import { useAction } from "../components/use-submit";
import { useCanWrite } from "../session";

export default function Networks() {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const list = useApi((signal) => api.get("/api/v1/networks", { query: { limit: 1000 }, signal }), []);
  const [editing, setEditing] = useState<{ existing?: Network } | null>(null);
  const action = useAction(list.reload);

  return (
    <>
      <PageHeader
        title={t("networks.title")}
        sub={t("networks.sub")}
        extra={
          canWrite ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})}>
              {t("networks.create")}
            </Button>
          ) : null
        }
      />
      <ErrorAlert error={list.error ?? action.error} />
      <Table<Network>
        rowKey={(n) => n.metadata.name}
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: t("networks.empty") }}
        columns={[
          { title: t("common.name"), render: (_, n) => n.metadata.name },
          {
            title: t("networks.cidr"),
            render: (_, n) => (
              <span className="mono">{[n.spec.cidr, n.spec.cidr6].filter(Boolean).join(", ")}</span>
            ),
          },
          {
            title: t("networks.topology"),
            render: (_, n) => t(`networks.topologies.${n.spec.topology ?? "hub-and-spoke"}`),
          },
          {
            title: t("networks.defaultAction"),
            render: (_, n) =>
              n.spec.defaultAction === "allow" ? (
                <Tag color="orange">{t("policies.allow")}</Tag>
              ) : (
                <Tag>{t("policies.deny")}</Tag>
              ),
          },
          {
            title: t("networks.ports"),
            render: (_, n) => `${n.spec.listenPortRange?.from ?? ""}–${n.spec.listenPortRange?.to ?? ""}`,
          },
          { title: "MTU", render: (_, n) => n.spec.mtu },
          { title: t("common.description"), render: (_, n) => n.spec.description ?? "" },
          ...(canWrite
            ? [
                {
                  title: t("common.actions"),
                  key: "actions",
                  render: (_: unknown, n: Network) => (
                    <Space>
                      <Button size="small" onClick={() => setEditing({ existing: n })}>
                        {t("common.edit")}
                      </Button>
                      <ConfirmButton
                        question={t("common.confirmDelete", { name: n.metadata.name })}
                        label={t("common.delete")}
                        onConfirm={() =>
                          action.run(
                            () => api.del(`/api/v1/networks/${n.metadata.name}`),
                            t("common.deleted"),
                          )
                        }
                      />
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <NetworkForm
        open={editing !== null}
        existing={editing?.existing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          list.reload();
        }}
      />
    </>
  );
}
