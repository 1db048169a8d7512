/**
 * A node's live state as a tag: online, offline, never reported (the controller knows the node
 * but no agent has ever reported for it), or unknown when there is no live status at all.
 */
import { Tag } from "antd";
import { useTranslation } from "react-i18next";

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
