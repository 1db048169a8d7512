/** Peer overrides: declared peers that replace generated ones; list, create, edit and delete. */
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { PeerOverride } from "../api/types";
import { Mono } from "../components/Mono";
import { PeerOverrideForm } from "../components/PeerOverrideForm";
import { ResourceList } from "../components/ResourceList";
import { useNames } from "../components/use-names";

export default function PeerOverrides() {
  const { t } = useTranslation();
  const names = useNames();
  return (
    <ResourceList<PeerOverride>
      ns="peerOverrides"
      plural="peer-overrides"
      load={(signal) => api.get("/api/v1/peer-overrides", { query: { limit: 1000 }, signal })}
      form={(editing) => <PeerOverrideForm {...editing} names={names} />}
      columns={[
        { title: t("nodes.network"), key: "network", render: (_, o) => o.spec.network },
        { title: t("peerOverrides.peer"), key: "peer", render: (_, o) => o.spec.peer },
        {
          title: t("peerOverrides.nodes"),
          key: "nodes",
          render: (_, o) => (o.spec.nodes ?? []).join(", ") || "*",
        },
        { title: t("nodes.endpoint"), key: "endpoint", render: (_, o) => <Mono value={o.spec.endpoint} /> },
        {
          title: t("peerOverrides.allowedIPs"),
          key: "allowed",
          render: (_, o) => <Mono value={o.spec.allowedIPs} />,
        },
        { title: t("common.reason"), key: "reason", render: (_, o) => o.spec.reason ?? "" },
      ]}
    />
  );
}
