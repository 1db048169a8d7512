/**
 * A node's live state as a tag: online, offline, never reported (the controller knows the node
 * but no agent has ever reported for it), or unknown when there is no live status at all.
 */
import { Tag } from "antd";
import { useTranslation } from "react-i18next";
import type { NodeStatusView } from "../api/types";
import { formatDate } from "../i18n/format";

export function StateTag({ online, never }: { online: boolean | undefined; never?: boolean }) {
  const { t } = useTranslation();
  if (online === undefined) return <Tag>{t("status.unknown")}</Tag>;
  if (never) return <Tag color="default">{t("status.never")}</Tag>;
  return online ? (
    <Tag color="green">{t("status.online")}</Tag>
  ) : (
    <Tag color="red">{t("status.offline")}</Tag>
  );
}

export function RoleTag({ role }: { role: string }) {
  const { t } = useTranslation();
  const color = role === "hub" ? "geekblue" : role === "external" ? "purple" : undefined;
  return <Tag color={color}>{t(`roles.node.${role as "hub"}`)}</Tag>;
}

/**
 * Whether the node runs the current configuration, in words: up to date, or behind with both
 * revisions (applied by the agent, current at the controller) and as of which report.
 */
export function RevisionState({ status }: { status: NodeStatusView | undefined }) {
  const { t } = useTranslation();
  if (!status?.desiredRevision) return <span className="mono">{status?.appliedRevision ?? "—"}</span>;
  const { appliedRevision: applied, desiredRevision: desired } = status;
  if (applied === desired) {
    return <span data-testid="revision-state">{t("nodes.upToDate", { revision: applied })}</span>;
  }
  return (
    <span data-testid="revision-state">
      <Tag color="orange">
        {applied === null ? t("nodes.nothingApplied", { desired }) : t("nodes.behind", { applied, desired })}
      </Tag>
      {status.lastSeenAt ? ` ${t("nodes.behindAsOf", { at: formatDate(status.lastSeenAt) })}` : null}
    </span>
  );
}
