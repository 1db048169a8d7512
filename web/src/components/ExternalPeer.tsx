/**
 * An external peer's wg-quick file: shown, downloadable and as a QR code for
 * the WireGuard mobile apps. Key generation is opt-in and labelled: the
 * controller makes a key pair, keeps only the public key, and the file with
 * the private key exists in this browser tab only, once.
 */
import { DownloadOutlined, KeyOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Checkbox, Flex, Modal, QRCode, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, download } from "../api/client";
import { ErrorAlert } from "./ErrorAlert";
import { useApi } from "./use-api";

function ConfigView({ name, text, testId }: { name: string; text: string; testId: string }) {
  const { t } = useTranslation();
  return (
    <Flex gap={24} wrap align="flex-start">
      <div style={{ flex: "1 1 360px", minWidth: 0 }}>
        <Typography.Paragraph
          copyable={{ text, tooltips: [t("common.copy"), t("common.copied")] }}
          style={{ marginBottom: 8 }}
        >
          <Typography.Text strong>{name}</Typography.Text>
        </Typography.Paragraph>
        <pre
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
          tabIndex={0}
          className="mono"
          data-testid={`${testId}-text`}
          style={{
            background: "#f6f8fa",
            padding: 12,
            borderRadius: 6,
            fontSize: 12,
            overflowX: "auto",
            margin: 0,
          }}
        >
          {text}
        </pre>
      </div>
      <figure style={{ margin: 0 }} data-testid={`${testId}-qr`}>
        <QRCode
          value={text}
          size={400}
          errorLevel="L"
          type="canvas"
          bordered
          aria-label={t("nodes.qrLabel")}
        />
        <figcaption style={{ textAlign: "center", marginTop: 8 }}>
          <Typography.Text type="secondary">{t("nodes.qrCaption")}</Typography.Text>
        </figcaption>
      </figure>
    </Flex>
  );
}

export function ExternalPeer({
  name,
  hasKey,
  canWrite,
  onKeyChanged,
}: {
  name: string;
  hasKey: boolean;
  canWrite: boolean;
  onKeyChanged(): void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const file = useApi(
    (signal) => api.get<string>(`/api/v1/nodes/${name}/wg-quick`, { text: true, signal }),
    [name, hasKey],
  );
  const [confirm, setConfirm] = useState(false);
  const [replace, setReplace] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [generated, setGenerated] = useState<string>();
  const fileName = `${name}.conf`;

  const generate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const text = await api.post<string>(
        `/api/v1/nodes/${name}/wg-quick/generate-key`,
        { replaceExistingKey: replace },
        { text: true },
      );
      setGenerated(text);
      setConfirm(false);
      onKeyChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={<h2 className="card-title">{t("nodes.externalConfig")}</h2>} style={{ marginTop: 16 }}>
      <Typography.Paragraph type="secondary">{t("nodes.externalConfigHelp")}</Typography.Paragraph>
      <ErrorAlert error={file.error} />
      {file.data ? (
        <>
          <Space style={{ marginBottom: 16 }}>
            <Button icon={<DownloadOutlined />} onClick={() => download(fileName, file.data ?? "")}>
              {t("nodes.downloadConfig")}
            </Button>
            {canWrite ? (
              <Button
                icon={<KeyOutlined />}
                danger
                onClick={() => {
                  setReplace(false);
                  setConfirm(true);
                }}
              >
                {t("nodes.generateKey")}
              </Button>
            ) : null}
          </Space>
          <ConfigView name={fileName} text={file.data} testId="wgquick" />
        </>
      ) : null}
      <Modal
        open={confirm}
        title={t("nodes.generateKeyTitle")}
        onCancel={() => setConfirm(false)}
        onOk={() => void generate()}
        okText={t("nodes.generateKeyConfirm")}
        cancelText={t("common.cancel")}
        okButtonProps={{ danger: true, disabled: hasKey && !replace }}
        confirmLoading={busy}
      >
        <Alert type="warning" showIcon title={t("nodes.generateKeyWarning")} style={{ marginBottom: 12 }} />
        {hasKey ? (
          <Checkbox checked={replace} onChange={(e) => setReplace(e.target.checked)}>
            {t("nodes.replaceKey")}
          </Checkbox>
        ) : null}
        <ErrorAlert error={error} />
      </Modal>
      <Modal
        open={generated !== undefined}
        title={t("nodes.generatedTitle")}
        width={960}
        // The dialog would otherwise keep its last content in the DOM, private key included.
        destroyOnHidden
        onCancel={() => setGenerated(undefined)}
        footer={[
          <Button key="dl" icon={<DownloadOutlined />} onClick={() => download(fileName, generated ?? "")}>
            {t("nodes.downloadConfig")}
          </Button>,
          <Button
            key="done"
            type="primary"
            onClick={() => {
              setGenerated(undefined);
              message.info(t("nodes.generatedGone"));
            }}
          >
            {t("common.done")}
          </Button>,
        ]}
      >
        <Alert type="warning" showIcon title={t("nodes.generatedOnce")} style={{ marginBottom: 16 }} />
        {generated ? <ConfigView name={fileName} text={generated} testId="generated" /> : null}
      </Modal>
    </Card>
  );
}
