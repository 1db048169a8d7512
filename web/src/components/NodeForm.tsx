/** Create or edit a node (hub, spoke or external); the API's field errors appear under the fields. */
import { Form, Input, InputNumber, Modal, Select, Space } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { GetResult, Issue, NodeResource } from "../api/types";
import { ErrorAlert } from "./ErrorAlert";
import { clearIssues, showIssues, specField } from "./form-errors";
import { API_VERSION, compact, labelsFromTags, tagsFromLabels } from "./resource";

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
  const [busy, setBusy] = useState(false);
  const [rest, setRest] = useState<{ error: unknown; issues: Issue[] } | null>(null);
  const [networks, setNetworks] = useState<string[]>([]);
  const [hubs, setHubs] = useState<Array<{ name: string; network: string }>>([]);
  const network = Form.useWatch("network", form);
  const role = Form.useWatch("role", form);

  useEffect(() => {
    if (!open) return;
    setRest(null);
    form.resetFields();
    if (existing) {
      form.setFieldsValue({
        name: existing.metadata.name,
        network: existing.spec.network,
        role: existing.spec.role,
        endpoint: existing.spec.endpoint,
        listenPort: existing.spec.listenPort,
        tunnelAddress: existing.spec.tunnelAddress,
        subnets: existing.spec.subnets ?? [],
        hubs: existing.spec.hubs ?? [],
        labels: tagsFromLabels(existing.metadata.labels),
        publicKey: existing.spec.publicKey,
        description: existing.spec.description,
      });
    } else form.setFieldsValue({ role: "spoke" });
    void api
      .get<GetResult<"/api/v1/networks">>("/api/v1/networks", { query: { limit: 1000 } })
      .then((r) => {
        setNetworks(r.items.map((n) => n.metadata.name));
        if (!existing && r.items.length === 1) form.setFieldValue("network", r.items[0]!.metadata.name);
      })
      .catch(() => setNetworks([]));
    void api
      .get<GetResult<"/api/v1/nodes">>("/api/v1/nodes", { query: { role: "hub", limit: 1000 } })
      .then((r) => setHubs(r.items.map((n) => ({ name: n.metadata.name, network: n.spec.network }))))
      .catch(() => setHubs([]));
  }, [open, existing, form]);

  const save = async () => {
    const v = await form.validateFields();
    setBusy(true);
    clearIssues(form);
    setRest(null);
    const doc = {
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
    try {
      if (existing) await api.put(`/api/v1/nodes/${existing.metadata.name}`, doc);
      else await api.post("/api/v1/nodes", doc);
      onSaved(v.name);
    } catch (e) {
      const left = showIssues(form, e, (p) =>
        p[0] === "metadata" && p[1] === "labels" ? ["labels"] : specField(FIELDS)(p),
      );
      setRest({ error: e, issues: left });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={existing ? t("nodes.edit", { name: existing.metadata.name }) : t("nodes.create")}
      onCancel={onClose}
      onOk={() => void save()}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={busy}
      width={680}
      destroyOnHidden
    >
      {rest ? <ErrorAlert error={rest.error} issues={rest.issues} /> : null}
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
    </Modal>
  );
}
