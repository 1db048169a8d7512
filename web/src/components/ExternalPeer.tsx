/**
 * An external peer's wg-quick file. WireGuard's apps (phones, macOS, Windows)
 * run no PostUp lines, so a file that works there must carry the private key:
 * the obvious path is a key pair generated on the controller, whose file and
 * QR code exist in this browser tab only, once (the controller keeps only the
 * public key). For a device that has its own key the file is offered with a
 * placeholder to paste the key over, or for Linux wg-quick with the key read
 * from a file. A QR code is shown only for the file that works as scanned.
 */
import { DownloadOutlined, KeyOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Checkbox, Flex, Modal, QRCode, Segmented, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, download } from "../api/client";
import { ErrorAlert } from "./ErrorAlert";
import { useApi } from "./use-api";

function ConfigView({
  name,
  text,
  testId,
  qr,
}: {
  name: string;
  text: string;
  testId: string;
  /** Only for a file that works as scanned (it holds the private key). */
  qr: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Flex gap={24} wrap align="flex-start">
      <div style={{ flex: "1 1 360px", minWidth: 0 }}>
        <Typography.Paragraph
          copyable={{ text, tooltips: [t("common.copy"), t("common.copied")] }}
          style={{ marginBottom: 8 }}
        >
          <Typography.Text strong>{name}</Typography.Text>{" "}
          <Typography.Text type="secondary">{t("nodes.fileHelp")}</Typography.Text>
        </Typography.Paragraph>
        <pre
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
          tabIndex={0}
          className="mono scroll-text"
          data-testid={`${testId}-text`}
        >
          {text}
        </pre>
      </div>
      {qr ? (
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
      ) : null}
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
  /** `placeholder`: for WireGuard's apps, the key pasted in; `file`: Linux wg-quick reads it from a file. */
  const [form, setForm] = useState<"placeholder" | "file">("placeholder");
  const file = useApi(
    (signal) =>
      api.get("/api/v1/nodes/{name}/wg-quick", { params: { name }, query: { privateKey: form }, signal }),
    [name, hasKey, form],
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
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        title={t("nodes.externalConfigHelp")}
        description={canWrite ? t("nodes.externalGenerateHint") : t("nodes.externalAskOperator")}
      />
      {canWrite ? (
        <Button
          type="primary"
          icon={<KeyOutlined />}
          style={{ marginBottom: 16 }}
          onClick={() => {
            setReplace(false);
            setConfirm(true);
          }}
        >
          {t("nodes.generateKey")}
        </Button>
      ) : null}
      <ErrorAlert error={file.error} />
      <Typography.Paragraph strong>{t("nodes.ownKeyTitle")}</Typography.Paragraph>
      <Space style={{ marginBottom: 16 }} wrap>
        <Segmented
          aria-label={t("nodes.configForm")}
          value={form}
          onChange={(v) => setForm(v as typeof form)}
          options={[
            { value: "placeholder", label: t("nodes.formApp") },
            { value: "file", label: t("nodes.formLinux") },
          ]}
        />
        <Button
          icon={<DownloadOutlined />}
          disabled={!file.data}
          onClick={() => download(fileName, file.data ?? "")}
        >
          {t("nodes.downloadConfig")}
        </Button>
      </Space>
      <Typography.Paragraph type="secondary">
        {form === "placeholder" ? t("nodes.formAppHelp") : t("nodes.formLinuxHelp")}
      </Typography.Paragraph>
      {file.data ? <ConfigView name={fileName} text={file.data} testId="wgquick" qr={false} /> : null}
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
        {generated ? <ConfigView name={fileName} text={generated} testId="generated" qr /> : null}
      </Modal>
    </Card>
  );
}
