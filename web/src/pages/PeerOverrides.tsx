/** Peer overrides: declared peers that replace generated ones; list, create, edit and delete. */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { PeerOverride } from "../api/types";
import { PeerOverrideForm } from "../components/PeerOverrideForm";
import { ResourceList } from "../components/ResourceList";
import { useApi } from "../components/use-api";
import { useNames } from "../components/use-names";

export default function PeerOverrides() {
  const { t } = useTranslation();
  const list = useApi((signal) => api.get("/api/v1/peer-overrides", { query: { limit: 1000 }, signal }), []);
  const names = useNames();
  const [editing, setEditing] = useState<{ existing?: PeerOverride } | null>(null);
  const mono = (v: string | undefined) => <span className="mono">{v || "—"}</span>;
  return (
    <>
      <ResourceList<PeerOverride>
        title={t("peerOverrides.title")}
        sub={t("peerOverrides.sub")}
        createLabel={t("peerOverrides.create")}
        empty={t("peerOverrides.empty")}
        plural="peer-overrides"
        list={list}
        onCreate={() => setEditing({})}
        onEdit={(o) => setEditing({ existing: o })}
        columns={[
          { title: t("nodes.network"), key: "network", render: (_, o) => o.spec.network },
          { title: t("peerOverrides.peer"), key: "peer", render: (_, o) => o.spec.peer },
          {
            title: t("peerOverrides.nodes"),
            key: "nodes",
            render: (_, o) => (o.spec.nodes ?? []).join(", ") || "*",
          },
          { title: t("nodes.endpoint"), key: "endpoint", render: (_, o) => mono(o.spec.endpoint) },
          {
            title: t("peerOverrides.allowedIPs"),
            key: "allowed",
            render: (_, o) => mono((o.spec.allowedIPs ?? []).join(", ")),
          },
          { title: t("common.reason"), key: "reason", render: (_, o) => o.spec.reason ?? "" },
        ]}
      />
      <PeerOverrideForm
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
