/** Enrollment policies: who may join with what; list, create, edit and delete. */
import { Tag } from "antd";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { EnrollmentPolicy } from "../api/types";
import { EnrollmentPolicyForm } from "../components/EnrollmentPolicyForm";
import { LabelTags } from "../components/LabelTags";
import { Mono } from "../components/Mono";
import { ResourceList } from "../components/ResourceList";
import { useNames } from "../components/use-names";

export default function EnrollmentPolicies() {
  const { t } = useTranslation();
  const names = useNames();
  return (
    <ResourceList<EnrollmentPolicy>
      ns="enrollmentPolicies"
      plural="enrollment-policies"
      load={(signal) => api.get("/api/v1/enrollment-policies", { query: { limit: 1000 }, signal })}
      form={(editing) => <EnrollmentPolicyForm {...editing} names={names} />}
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
          render: (_, p) => <Mono value={p.spec.nodeNames} />,
        },
        {
          title: t("enrollmentPolicies.subnetPrefixes"),
          key: "subnets",
          render: (_, p) => (
            <Mono
              value={(p.spec.subnetPrefixes ?? []).map((s) => `${s.prefix} /${s.minLength}–/${s.maxLength}`)}
            />
          ),
        },
        { title: t("nodes.hubs"), key: "hubs", render: (_, p) => <Mono value={p.spec.hubs} /> },
        {
          title: t("enrollmentPolicies.approval"),
          key: "approval",
          render: (_, p) => (
            <Tag color={p.spec.approval === "auto" ? "orange" : undefined}>
              {t(`enrollmentPolicies.approvals.${p.spec.approval ?? "manual"}`)}
            </Tag>
          ),
        },
        { title: t("nodes.labels"), key: "labels", render: (_, p) => <LabelTags labels={p.spec.labels} /> },
      ]}
    />
  );
}
