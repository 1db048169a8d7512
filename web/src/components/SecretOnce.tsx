/** A secret shown once (API token, join token): copy button and a warning that it will not be shown again. */
import { Alert, Button, Modal, Typography } from "antd";
import type React from "react";
import { useTranslation } from "react-i18next";

export function SecretOnce({
  title,
  secret,
  onClose,
  children,
}: {
  title: string;
  secret: string | undefined;
  onClose(): void;
  /** More to show under the secret (a join token's install commands). */
  children?: React.ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      open={secret !== undefined}
      title={title}
      onCancel={onClose}
      footer={
        <Button type="primary" onClick={onClose}>
          {t("common.done")}
        </Button>
      }
      width={640}
    >
      <Alert type="warning" showIcon title={t("common.shownOnce")} style={{ marginBottom: 16 }} />
      <Typography.Paragraph
        className="mono"
        data-testid="secret-once"
        copyable={{ text: secret, tooltips: [t("common.copy"), t("common.copied")] }}
        style={{ wordBreak: "break-all", background: "#f6f8fa", padding: 12, borderRadius: 6 }}
      >
        {secret}
      </Typography.Paragraph>
      {children}
    </Modal>
  );
}
