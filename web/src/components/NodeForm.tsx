/** Create or edit a node (hub, spoke or external); the API's field errors appear under the fields. */
import { Form, Input, InputNumber, Select, Space } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { NodeResource } from "../api/types";
import { specField } from "./form-errors";
import { API_VERSION, compact, labelsFromTags, tagsFromLabels } from "./resource";
import { FormModal, useSubmit } from "./use-submit";

interface NodeFormValues {
  name: string;
  network: string;
  role: "hub" | "spoke" | "external";
  endpoint?: string;
  listenPort?: number;
  tunnelAddress?: string;
  subnets?: string[];
  hubs?: string[];
  labels?: string[];
  publicKey?: string;
  description?: string;
}

const FIELDS = [
  "name",
  "network",
  "role",
  "endpoint",
  "listenPort",
  "tunnelAddress",
  "subnets",
  "hubs",
  "publicKey",
  "description",
];

function toResource(v: NodeFormValues) {
  return {
    apiVersion: API_VERSION,
    kind: "Node",
    metadata: compact({ name: v.name, labels: labelsFromTags(v.labels) }),
    spec: compact({
      network: v.network,
      role: v.role,
      endpoint: v.endpoint?.trim(),
      listenPort: v.listenPort,
      tunnelAddress: v.tunnelAddress?.trim(),
      subnets: v.subnets,
      hubs: v.role === "hub" ? [] : v.hubs,
      publicKey: v.publicKey?.trim(),
      description: v.description,
    }),
  };
}

function fromResource(n: NodeResource): NodeFormValues {
  return {
    name: n.metadata.name,
    network: n.spec.network,
    role: n.spec.role,
    endpoint: n.spec.endpoint,
    listenPort: n.spec.listenPort,
    tunnelAddress: n.spec.tunnelAddress,
    subnets: n.spec.subnets ?? [],
    hubs: n.spec.hubs ?? [],
    labels: tagsFromLabels(n.metadata.labels),
    publicKey: n.spec.publicKey,
    description: n.spec.description,
  };
}

export function NodeForm({
  open,
  existing,
  onClose,
  onSaved,
}: {
  open: boolean;
  existing?: NodeResource;
  onClose(): void;
  onSaved(name: string): void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<NodeFormValues>();
  const [networks, setNetworks] = useState<string[]>([]);
  const [hubs, setHubs] = useState<Array<{ name: string; network: string }>>([]);
  const network = Form.useWatch("network", form);
  const role = Form.useWatch("role", form);
  const save = useSubmit(form, {
    send: (v) =>
      existing
        ? api.put(`/api/v1/nodes/${existing.metadata.name}`, toResource(v))
        : api.post("/api/v1/nodes", toResource(v)),
    fieldOf: (p) => (p[0] === "metadata" && p[1] === "labels" ? ["labels"] : specField(FIELDS)(p)),
    onDone: (_, v) => onSaved(v.name),
  });
  const { reset } = save;

  useEffect(() => {
    if (!open) return;
    reset();
    form.resetFields();
    form.setFieldsValue(existing ? fromResource(existing) : { role: "spoke" });
    void api
      .get("/api/v1/networks", { query: { limit: 1000 } })
      .then((r) => {
        setNetworks(r.items.map((n) => n.metadata.name));
        if (!existing && r.items.length === 1) form.setFieldValue("network", r.items[0]!.metadata.name);
      })
      .catch(() => setNetworks([]));
    void api
      .get("/api/v1/nodes", { query: { role: "hub", limit: 1000 } })
      .then((r) => setHubs(r.items.map((n) => ({ name: n.metadata.name, network: n.spec.network }))))
      .catch(() => setHubs([]));
  }, [open, existing, form, reset]);

  return (
    <FormModal
      submit={save}
      open={open}
      title={existing ? t("nodes.edit", { name: existing.metadata.name }) : t("nodes.create")}
      onCancel={onClose}
      width={680}
    >
      <Form form={form} layout="vertical" requiredMark="optional">
        <Space.Compact block>
          <Form.Item
            name="name"
            label={t("common.name")}
            rules={[{ required: true, message: t("common.required") }]}
            style={{ flex: 2, marginInlineEnd: 12 }}
          >
            <Input disabled={Boolean(existing)} placeholder="branch-ber" />
          </Form.Item>
          <Form.Item
            name="network"
            label={t("nodes.network")}
            rules={[{ required: true, message: t("common.required") }]}
            style={{ flex: 2, marginInlineEnd: 12 }}
          >
            <Select options={networks.map((n) => ({ value: n, label: n }))} showSearch />
          </Form.Item>
          <Form.Item name="role" label={t("nodes.role")} style={{ flex: 1.5 }}>
            <Select
              options={(["hub", "spoke", "external"] as const).map((r) => ({
                value: r,
                label: t(`roles.node.${r}`),
              }))}
            />
          </Form.Item>
        </Space.Compact>
        <Space.Compact block>
          <Form.Item
            name="endpoint"
            label={t("nodes.endpoint")}
            extra={role === "hub" ? t("nodes.endpointHubHelp") : undefined}
            style={{ flex: 2, marginInlineEnd: 12 }}
          >
            <Input placeholder="203.0.113.10:51820" />
          </Form.Item>
          <Form.Item name="listenPort" label={t("nodes.listenPort")} style={{ flex: 1, marginInlineEnd: 12 }}>
            <InputNumber min={1} max={65535} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item
            name="tunnelAddress"
            label={t("nodes.tunnelAddress")}
            extra={t("nodes.tunnelAddressHelp")}
            style={{ flex: 2 }}
          >
            <Input placeholder="10.100.1.5" />
          </Form.Item>
        </Space.Compact>
        {role !== "hub" ? (
          <Form.Item name="hubs" label={t("nodes.hubs")} extra={t("nodes.hubsHelp")}>
            <Select
              mode="multiple"
              options={hubs
                .filter((h) => !network || h.network === network)
                .map((h) => ({ value: h.name, label: h.name }))}
            />
          </Form.Item>
        ) : null}
        <Form.Item name="subnets" label={t("nodes.subnets")} extra={t("nodes.subnetsHelp")}>
          <Select mode="tags" tokenSeparators={[",", " "]} open={false} suffixIcon={null} />
        </Form.Item>
        <Form.Item name="labels" label={t("nodes.labels")} extra={t("nodes.labelsHelp")}>
          <Select mode="tags" tokenSeparators={[",", " "]} open={false} suffixIcon={null} />
        </Form.Item>
        <Form.Item name="publicKey" label={t("nodes.publicKey")} extra={t("nodes.publicKeyHelp")}>
          <Input className="mono" />
        </Form.Item>
        <Form.Item name="description" label={t("common.description")}>
          <Input />
        </Form.Item>
      </Form>
    </FormModal>
  );
}
