/** What API and join tokens show alike: the revoke button, the state tag, the expiry column. */
import { Tag } from "antd";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { formatDate } from "../i18n/format";
import { ConfirmButton } from "./ConfirmButton";

/** Asks, then revokes; none once the token is revoked. */
export function RevokeButton({ revoked, onConfirm }: { revoked: boolean; onConfirm: () => unknown }) {
  const { t } = useTranslation();
  if (revoked) return null;
  return (
    <ConfirmButton
      question={t("joinTokens.confirmRevoke")}
      label={t("joinTokens.revoke")}
      onConfirm={onConfirm}
    />
  );
}

/** Revoked (red) or active (green); `other` is a further state a join token may be in. */
export function TokenState({ revoked, other }: { revoked: boolean; other?: "expired" | "usedUp" }) {
  const { t } = useTranslation();
  if (revoked) return <Tag color="red">{t("joinTokens.revoked")}</Tag>;
  if (other) return <Tag>{t(`joinTokens.${other}`)}</Tag>;
  return <Tag color="green">{t("joinTokens.active")}</Tag>;
}

/** When the token stops working; never when it has no expiry. */
export function expiresColumn(t: TFunction) {
  return {
    title: t("joinTokens.expires"),
    dataIndex: "expiresAt",
    render: (v: string | null) => (v ? formatDate(v) : t("joinTokens.never")),
  };
}
