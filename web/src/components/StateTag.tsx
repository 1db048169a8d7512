/** A node's live state as a tag: online, offline, or unknown when no agent has reported. */
import { Tag } from "antd";
import { useTranslation } from "react-i18next";

export function StateTag({ online }: { online: boolean | undefined }) {
  const { t } = useTranslation();
  if (online === undefined) return <Tag>{t("status.unknown")}</Tag>;
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
