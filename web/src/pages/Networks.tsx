import { Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Network } from "../api/types";
import { NetworkForm } from "../components/NetworkForm";
import { ResourceList } from "../components/ResourceList";
import { useApi } from "../components/use-api";

export default function Networks() {
  const { t } = useTranslation();
  const list = useApi((signal) => api.get("/api/v1/networks", { query: { limit: 1000 }, signal }), []);
  const [editing, setEditing] = useState<{ existing?: Network } | null>(null);

  return (
    <>
      <ResourceList<Network>
        title={t("networks.title")}
        sub={t("networks.sub")}
        createLabel={t("networks.create")}
        empty={t("networks.empty")}
        plural="networks"
        list={list}
        onCreate={() => setEditing({})}
        onEdit={(n) => setEditing({ existing: n })}
        columns={[
          {
            title: t("networks.cidr"),
            key: "cidr",
            render: (_, n) => (
              <span className="mono">{[n.spec.cidr, n.spec.cidr6].filter(Boolean).join(", ")}</span>
            ),
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
