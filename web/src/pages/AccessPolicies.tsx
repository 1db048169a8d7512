/** Access policies: the list in evaluation order, and the rule editor that checks as you type. */
import { App, Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { AccessPolicy, AccessRule } from "../api/types";
import { Mono } from "../components/Mono";
import { PolicyEditor } from "../components/PolicyEditor";
import { ResourceList } from "../components/ResourceList";
import { useApi } from "../components/use-api";

function describeSelector(s: AccessRule["from"]): string {
  const parts = [
    ...(s.nodes ?? []),
    ...Object.entries(s.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(s.cidrs ?? []),
  ];
  return parts.length > 0 ? parts.join(", ") : "*";
}

/** Evaluation order: priority (1000 when unset), then name. */
const byPriority = (a: AccessPolicy, b: AccessPolicy) =>
  (a.spec.priority ?? 1000) - (b.spec.priority ?? 1000) || a.metadata.name.localeCompare(b.metadata.name);

export default function AccessPolicies() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const networks = useApi((signal) => api.get("/api/v1/networks", { query: { limit: 1000 }, signal }), []);
  const nodes = useApi((signal) => api.get("/api/v1/nodes", { query: { limit: 1000 }, signal }), []);
  return (
    <ResourceList<AccessPolicy>
      ns="policies"
      plural="access-policies"
      load={(signal) => api.get("/api/v1/access-policies", { query: { limit: 1000 }, signal })}
      order={byPriority}
      form={(editing) => (
        <PolicyEditor
          {...editing}
          networks={(networks.data?.items ?? []).map((n) => n.metadata.name)}
          nodeNames={(nodes.data?.items ?? []).map((n) => n.metadata.name)}
          onSaved={() => {
            message.success(t("common.saved"));
            editing.onSaved();
          }}
        />
      )}
      expandable={{
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
                render: (_, r) => <Mono value={describeSelector(r.from)} />,
              },
              {
                title: t("policies.to"),
                key: "to",
                render: (_, r) => <Mono value={describeSelector(r.to)} />,
              },
              {
                title: t("policies.ports"),
                key: "ports",
                render: (_, r) => <Mono value={r.ports} empty={t("policies.anyPort")} />,
              },
              { title: t("common.description"), dataIndex: "description" },
            ]}
          />
        ),
      }}
      columns={[
        { title: t("nodes.network"), key: "network", render: (_, p) => p.spec.network },
        { title: t("policies.priority"), key: "priority", render: (_, p) => p.spec.priority ?? 1000 },
        {
          title: t("policies.rules"),
          key: "rules",
          render: (_, p) => (
            <Typography.Text>{t("policies.ruleCount", { count: p.spec.rules.length })}</Typography.Text>
          ),
        },
      ]}
    />
  );
}
