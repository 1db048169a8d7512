/** Access policies: the list in evaluation order, and the rule editor that checks as you type. */
import { PlusOutlined } from "@ant-design/icons";
import { App, Button, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { AccessPolicy, AccessRule } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { PolicyEditor } from "../components/PolicyEditor";
import { useApi } from "../components/use-api";
import { useCanWrite } from "../session";

function describeSelector(s: AccessRule["from"]): string {
  const parts = [
    ...(s.nodes ?? []),
    ...Object.entries(s.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(s.cidrs ?? []),
  ];
  return parts.length > 0 ? parts.join(", ") : "*";
}

export default function AccessPolicies() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const canWrite = useCanWrite();
  const list = useApi(
    (signal) =>
      api.get("/api/v1/access-policies", {
        query: { limit: 1000 },
        signal,
      }),
    [],
  );
  const networks = useApi((signal) => api.get("/api/v1/networks", { query: { limit: 1000 }, signal }), []);
  const nodes = useApi((signal) => api.get("/api/v1/nodes", { query: { limit: 1000 }, signal }), []);
  const [editing, setEditing] = useState<{ policy?: AccessPolicy } | null>(null);
  const [error, setError] = useState<unknown>();
  const sorted = [...(list.data?.items ?? [])].sort(
    (a, b) =>
      (a.spec.priority ?? 1000) - (b.spec.priority ?? 1000) || a.metadata.name.localeCompare(b.metadata.name),
  );
  const remove = async (name: string) => {
    try {
      await api.del(`/api/v1/access-policies/${name}`);
      message.success(t("common.deleted"));
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <PageHeader
        title={t("policies.title")}
        sub={t("policies.sub")}
        extra={
          canWrite ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})}>
              {t("policies.create")}
            </Button>
          ) : null
        }
      />
      <ErrorAlert error={list.error} />
      <ErrorAlert error={error} />
      <Table<AccessPolicy>
        rowKey={(p) => p.metadata.name}
        loading={list.loading}
        dataSource={sorted}
        pagination={false}
        locale={{ emptyText: t("policies.empty") }}
        expandable={{
          defaultExpandAllRows: false,
          expandedRowRender: (p) => (
            <Table<AccessRule>
              size="small"
              pagination={false}
              rowKey={(_, i) => String(i)}
              dataSource={p.spec.rules}
              columns={[
                { title: "#", key: "n", render: (_, _r, i) => i + 1, width: 48 },
                {
                  title: t("policies.action"),
                  dataIndex: "action",
                  render: (a: string) => (
                    <Tag color={a === "allow" ? "green" : "red"}>
                      {t(a === "allow" ? "policies.allow" : "policies.deny")}
                    </Tag>
                  ),
                },
                {
                  title: t("policies.from"),
                  key: "from",
                  render: (_, r) => <span className="mono">{describeSelector(r.from)}</span>,
                },
                {
                  title: t("policies.to"),
                  key: "to",
                  render: (_, r) => <span className="mono">{describeSelector(r.to)}</span>,
                },
                {
                  title: t("policies.ports"),
                  key: "ports",
                  render: (_, r) => (
                    <span className="mono">{(r.ports ?? []).join(", ") || t("policies.anyPort")}</span>
                  ),
                },
                { title: t("common.description"), dataIndex: "description" },
              ]}
            />
          ),
        }}
        columns={[
          { title: t("common.name"), render: (_, p) => p.metadata.name },
          { title: t("nodes.network"), render: (_, p) => p.spec.network },
          { title: t("policies.priority"), render: (_, p) => p.spec.priority ?? 1000 },
          {
            title: t("policies.rules"),
            render: (_, p) => (
              <Typography.Text>{t("policies.ruleCount", { count: p.spec.rules.length })}</Typography.Text>
            ),
          },
          ...(canWrite
            ? [
                {
                  title: t("common.actions"),
                  key: "actions",
                  render: (_: unknown, p: AccessPolicy) => (
                    <Space>
                      <Button size="small" onClick={() => setEditing({ policy: p })}>
                        {t("common.edit")}
                      </Button>
                      <ConfirmButton
                        question={t("common.confirmDelete", { name: p.metadata.name })}
                        label={t("common.delete")}
                        onConfirm={() => remove(p.metadata.name)}
                      />
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <PolicyEditor
        open={editing !== null}
        existing={editing?.policy}
        networks={(networks.data?.items ?? []).map((n) => n.metadata.name)}
        nodeNames={(nodes.data?.items ?? []).map((n) => n.metadata.name)}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          message.success(t("common.saved"));
          list.reload();
        }}
      />
    </>
  );
}
