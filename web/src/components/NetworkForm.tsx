/** Create or edit a network; the API's field errors appear under the fields. */
import { Form, Input, InputNumber, Select, Space, Switch } from "antd";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Network } from "../api/types";
import { specField } from "./form-errors";
import { API_VERSION, compact } from "./resource";
import { FormModal, useSubmit } from "./use-submit";

interface NetworkFormValues {
  name: string;
  cidr: string;
  cidr6?: string;
  topology: "hub-and-spoke" | "mesh";
  defaultAction: "deny" | "allow";
  mtu?: number;
  persistentKeepalive?: number;
  portFrom?: number;
  portTo?: number;
  presharedKeys?: boolean;
  description?: string;
}

const FIELDS = [
  "name",
  "cidr",
  "cidr6",
  "topology",
  "defaultAction",
  "mtu",
  "persistentKeepalive",
  "presharedKeys",
  "description",
];

function toResource(v: NetworkFormValues) {
  return {
    apiVersion: API_VERSION,
    kind: "Network",
    metadata: { name: v.name },
    spec: compact({
      cidr: v.cidr,
      cidr6: v.cidr6,
      topology: v.topology,
      defaultAction: v.defaultAction,
      mtu: v.mtu,
      persistentKeepalive: v.persistentKeepalive,
      presharedKeys: v.presharedKeys,
      description: v.description,
      listenPortRange: v.portFrom && v.portTo ? { from: v.portFrom, to: v.portTo } : undefined,
    }),
  };
}

function fromResource(n: Network): NetworkFormValues {
  return {
    name: n.metadata.name,
    cidr: n.spec.cidr,
    cidr6: n.spec.cidr6,
    topology: n.spec.topology ?? "hub-and-spoke",
    defaultAction: n.spec.defaultAction ?? "deny",
    mtu: n.spec.mtu,
    persistentKeepalive: n.spec.persistentKeepalive,
    portFrom: n.spec.listenPortRange?.from,
    portTo: n.spec.listenPortRange?.to,
    presharedKeys: n.spec.presharedKeys,
    description: n.spec.description,
  };
}

const NEW: Partial<NetworkFormValues> = {
  topology: "hub-and-spoke",
  defaultAction: "deny",
  portFrom: 51820,
  portTo: 52820,
};

export function NetworkForm({
  open,
  existing,
  onClose,
  onSaved,
}: {
  open: boolean;
  existing?: Network;
  onClose(): void;
  onSaved(name: string): void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<NetworkFormValues>();
  const save = useSubmit(form, {
    send: (v) =>
      existing
        ? api.put(`/api/v1/networks/${existing.metadata.name}`, toResource(v))
        : api.post("/api/v1/networks", toResource(v)),
    fieldOf: (p) => (p[0] === "spec" && p[1] === "listenPortRange" ? ["portFrom"] : specField(FIELDS)(p)),
    success: t("common.saved"),
    onDone: (_, v) => onSaved(v.name),
  });
  const { reset } = save;
  useEffect(() => {
    if (!open) return;
    reset();
    form.resetFields();
    form.setFieldsValue(existing ? fromResource(existing) : NEW);
  }, [open, existing, form, reset]);

  return (
    <FormModal
      submit={save}
      open={open}
      title={existing ? t("networks.edit", { name: existing.metadata.name }) : t("networks.create")}
      onCancel={onClose}
      width={640}
    >
      <Form form={form} layout="vertical" requiredMark="optional">
        <Space.Compact block>
          <Form.Item
            name="name"
            label={t("common.name")}
            rules={[{ required: true, message: t("common.required") }]}
            style={{ flex: 1, marginInlineEnd: 12 }}
          >
            <Input disabled={Boolean(existing)} placeholder="corp" />
          </Form.Item>
          <Form.Item
            name="cidr"
            label={t("networks.cidr4")}
            rules={[{ required: true, message: t("common.required") }]}
            style={{ flex: 1 }}
          >
            <Input placeholder="10.100.0.0/16" />
          </Form.Item>
        </Space.Compact>
        <Form.Item name="cidr6" label={t("networks.cidr6")}>
          <Input placeholder="fd10:100::/64" />
        </Form.Item>
        <Space.Compact block>
          <Form.Item name="topology" label={t("networks.topology")} style={{ flex: 1, marginInlineEnd: 12 }}>
            <Select
              options={[
                { value: "hub-and-spoke", label: t("networks.topologies.hub-and-spoke") },
                { value: "mesh", label: t("networks.topologies.mesh") },
              ]}
            />
          </Form.Item>
          <Form.Item name="defaultAction" label={t("networks.defaultAction")} style={{ flex: 1 }}>
            <Select
              options={[
                { value: "deny", label: t("policies.deny") },
                { value: "allow", label: t("policies.allow") },
              ]}
            />
          </Form.Item>
        </Space.Compact>
        <Space.Compact block>
          <Form.Item name="portFrom" label={t("networks.portFrom")} style={{ flex: 1, marginInlineEnd: 12 }}>
            <InputNumber min={1} max={65535} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item name="portTo" label={t("networks.portTo")} style={{ flex: 1, marginInlineEnd: 12 }}>
            <InputNumber min={1} max={65535} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item name="mtu" label="MTU" style={{ flex: 1, marginInlineEnd: 12 }}>
            <InputNumber min={1280} max={9000} placeholder="1420" style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item name="persistentKeepalive" label={t("networks.keepalive")} style={{ flex: 1 }}>
            <InputNumber min={0} max={65535} placeholder="25" style={{ width: "100%" }} />
          </Form.Item>
        </Space.Compact>
        <Form.Item name="presharedKeys" label={t("networks.presharedKeys")} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="description" label={t("common.description")}>
          <Input />
        </Form.Item>
      </Form>
    </FormModal>
  );
}
