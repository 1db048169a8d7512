/** Enrollment policies: who may join with what; list, create, edit and delete. */
import { Space, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { EnrollmentPolicy } from "../api/types";
import { EnrollmentPolicyForm } from "../components/EnrollmentPolicyForm";
import { ResourceList } from "../components/ResourceList";
import { useApi } from "../components/use-api";
import { useNames } from "../components/use-names";

export default function EnrollmentPolicies() {
  const { t } = useTranslation();
  const list = useApi(
    (signal) => api.get("/api/v1/enrollment-policies", { query: { limit: 1000 }, signal }),
    [],
  );
  const names = useNames();
  const [editing, setEditing] = useState<{ existing?: EnrollmentPolicy } | null>(null);
  const mono = (v: readonly string[] | undefined) => (
    <span className="mono">{(v ?? []).join(", ") || "—"}</span>
  );
  return (
    <>
      <ResourceList<EnrollmentPolicy>
        title={t("enrollmentPolicies.title")}
        sub={t("enrollmentPolicies.sub")}
        createLabel={t("enrollmentPolicies.create")}
        empty={t("enrollmentPolicies.empty")}
        plural="enrollment-policies"
        list={list}
        onCreate={() => setEditing({})}
        onEdit={(p) => setEditing({ existing: p })}
        columns={[
          { title: t("nodes.network"), key: "network", render: (_, p) => p.spec.network },
          {
            title: t("nodes.role"),
            key: "role",
            render: (_, p) => t(`roles.node.${p.spec.role ?? "spoke"}`),
          },
          {
            title: t("enrollmentPolicies.nodeNames"),
            key: "names",
            render: (_, p) => mono(p.spec.nodeNames),
          },
          {
            title: t("enrollmentPolicies.subnetPrefixes"),
            key: "subnets",
            render: (_, p) =>
              mono((p.spec.subnetPrefixes ?? []).map((s) => `${s.prefix} /${s.minLength}–/${s.maxLength}`)),
          },
          { title: t("nodes.hubs"), key: "hubs", render: (_, p) => mono(p.spec.hubs) },
          {
            title: t("enrollmentPolicies.approval"),
            key: "approval",
            render: (_, p) => (
              <Tag color={p.spec.approval === "auto" ? "orange" : undefined}>
                {t(`enrollmentPolicies.approvals.${p.spec.approval ?? "manual"}`)}
              </Tag>
            ),
          },
          {
            title: t("nodes.labels"),
            key: "labels",
            render: (_, p) => (
              <Space size={[0, 4]} wrap>
                {Object.entries(p.spec.labels ?? {}).map(([k, v]) => (
                  <Tag key={k}>{`${k}=${v}`}</Tag>
                ))}
              </Space>
            ),
          },
        ]}
      />
      <EnrollmentPolicyForm
        open={editing !== null}
        existing={editing?.existing}
        names={names}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          list.reload();
        }}
      />
    </>
  );
}
