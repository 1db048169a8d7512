/** Networks: overlay address ranges, topology and the default access rule; list, create, edit and delete. */
import { Tag } from "antd";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Network } from "../api/types";
import { Mono } from "../components/Mono";
import { NetworkForm } from "../components/NetworkForm";
import { ResourceList } from "../components/ResourceList";

export default function Networks() {
  const { t } = useTranslation();
  return (
    <ResourceList<Network>
      ns="networks"
      plural="networks"
      load={(signal) => api.get("/api/v1/networks", { query: { limit: 1000 }, signal })}
      form={(editing) => <NetworkForm {...editing} />}
      columns={[
        {
          title: t("networks.cidr"),
          key: "cidr",
          render: (_, n) => <Mono value={[n.spec.cidr, n.spec.cidr6]} empty="" />,
        },
        {
          title: t("networks.topology"),
          key: "topology",
          render: (_, n) => t(`networks.topologies.${n.spec.topology ?? "hub-and-spoke"}`),
        },
        {
          title: t("networks.defaultAction"),
          key: "default",
          render: (_, n) =>
            n.spec.defaultAction === "allow" ? (
              <Tag color="orange">{t("policies.allow")}</Tag>
            ) : (
              <Tag>{t("policies.deny")}</Tag>
            ),
        },
        {
          title: t("networks.ports"),
          key: "ports",
          render: (_, n) => `${n.spec.listenPortRange?.from ?? ""}–${n.spec.listenPortRange?.to ?? ""}`,
        },
        { title: "MTU", key: "mtu", render: (_, n) => n.spec.mtu },
        { title: t("common.description"), key: "description", render: (_, n) => n.spec.description ?? "" },
      ]}
    />
  );
}
