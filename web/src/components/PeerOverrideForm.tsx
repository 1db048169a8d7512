/** Create or edit a peer override; the API's field errors appear under the fields. */
import { Form, Input, InputNumber, Select, Space } from "antd";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { PeerOverride } from "../api/types";
import { specField } from "./form-errors";
import { API_VERSION, compact } from "./resource";
import type { Names } from "./use-names";
import { FormModal, useSubmit } from "./use-submit";

interface Values {
  name: string;
  network: string;
  peer: string;
  nodes?: string[];
  publicKey?: string;
  endpoint?: string;
  allowedIPs?: string[];
  persistentKeepalive?: number;
  reason?: string;
}

const FIELDS = [
  "name",
  "network",
  "peer",
  "nodes",
  "publicKey",
  "endpoint",
  "allowedIPs",
  "persistentKeepalive",
  "reason",
];

function toResource(v: Values) {
  return {
    apiVersion: API_VERSION,
    kind: "PeerOverride",
    metadata: { name: v.name },
    spec: compact({
      network: v.network,
      peer: v.peer,
      nodes: v.nodes,
      publicKey: v.publicKey?.trim(),
      endpoint: v.endpoint?.trim(),
      allowedIPs: v.allowedIPs,
      persistentKeepalive: v.persistentKeepalive,
      reason: v.reason,
    }),
  };
}

function fromResource(o: PeerOverride): Values {
  const s = o.spec;
  return {
    name: o.metadata.name,
    network: s.network,
    peer: s.peer,
    nodes: [...(s.nodes ?? [])],
    publicKey: s.publicKey,
    endpoint: s.endpoint,
    allowedIPs: [...(s.allowedIPs ?? [])],
    persistentKeepalive: s.persistentKeepalive,
    reason: s.reason,
  };
}

export function PeerOverrideForm({
  open,
  existing,
  names,
  onClose,
  onSaved,
}: {
  open: boolean;
  existing?: PeerOverride;
  names: Names;
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const network = Form.useWatch("network", form);
  const save = useSubmit(form, {
    send: (v) =>
      existing
        ? api.put(`/api/v1/peer-overrides/${existing.metadata.name}`, toResource(v))
        : api.post("/api/v1/peer-overrides", toResource(v)),
    fieldOf: specField(FIELDS),
    success: t("common.saved"),
    onDone: onSaved,
  });
  const { reset } = save;
  useEffect(() => {
    if (!open) return;
    reset();
    form.resetFields();
    form.setFieldsValue(existing ? fromResource(existing) : { network: names.networks[0] });
  }, [open, existing, form, reset, names.networks]);
  const required = [{ required: true, message: t("common.required") }];
  const nodeOptions = names.nodes
    .filter((n) => !network || n.network === network)
    .map((n) => ({ value: n.name, label: n.name }));
  const half = { flex: 1, marginInlineEnd: 12 };
  return (
    <FormModal
      submit={save}
      open={open}
      width={680}
      title={existing ? t("peerOverrides.edit", { name: existing.metadata.name }) : t("peerOverrides.create")}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical" requiredMark="optional">
        <Space.Compact block>
          <Form.Item name="name" label={t("common.name")} rules={required} style={half}>
            <Input disabled={Boolean(existing)} placeholder="sha-via-backup" />
          </Form.Item>
          <Form.Item name="network" label={t("nodes.network")} rules={required} style={half}>
            <Select options={names.networks.map((n) => ({ value: n, label: n }))} />
          </Form.Item>
          <Form.Item
            name="peer"
            label={t("peerOverrides.peer")}
            extra={t("peerOverrides.peerHelp")}
            rules={required}
            style={{ flex: 1 }}
          >
            <Select showSearch options={nodeOptions} />
          </Form.Item>
        </Space.Compact>
        <Form.Item name="nodes" label={t("peerOverrides.nodes")} extra={t("peerOverrides.nodesHelp")}>
          <Select mode="multiple" options={nodeOptions} />
        </Form.Item>
        <Space.Compact block>
          <Form.Item name="endpoint" label={t("nodes.endpoint")} style={half}>
            <Input placeholder="203.0.113.10:51820" />
          </Form.Item>
          <Form.Item name="persistentKeepalive" label={t("networks.keepalive")} style={{ flex: 1 }}>
            <InputNumber min={0} max={65535} style={{ width: "100%" }} />
          </Form.Item>
        </Space.Compact>
        <Form.Item
          name="allowedIPs"
          label={t("peerOverrides.allowedIPs")}
          extra={t("enrollmentPolicies.prefixListHelp")}
        >
          <Select mode="tags" tokenSeparators={[","]} open={false} suffixIcon={null} />
        </Form.Item>
        <Form.Item name="publicKey" label={t("nodes.publicKey")}>
          <Input className="mono" />
        </Form.Item>
        <Form.Item name="reason" label={t("common.reason")}>
          <Input />
        </Form.Item>
      </Form>
    </FormModal>
  );
}
