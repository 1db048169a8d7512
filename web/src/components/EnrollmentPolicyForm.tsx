/** Create or edit an enrollment policy; the API's field errors appear under the fields. */
import { Form, Input, InputNumber, Select, Space } from "antd";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { EnrollmentPolicy } from "../api/types";
import { specField } from "./form-errors";
import { API_VERSION, compact, labelsFromTags, tagsFromLabels } from "./resource";
import type { Names } from "./use-names";
import { FormModal, useSubmit } from "./use-submit";

interface Values {
  name: string;
  network: string;
  role: "hub" | "spoke" | "external";
  nodeNames: string[];
  tunnelAddressPrefixes?: string[];
  /** `10.64.0.0/12 24-32` each. */
  subnetPrefixes?: string[];
  endpointPrefixes?: string[];
  hubs?: string[];
  labels?: string[];
  approval: "auto" | "manual";
  ttl?: string;
  maxUses?: number;
}

const FIELDS = [
  "name",
  "network",
  "role",
  "nodeNames",
  "tunnelAddressPrefixes",
  "subnetPrefixes",
  "endpointPrefixes",
  "hubs",
  "approval",
  "ttl",
  "maxUses",
];

/** `10.64.0.0/12 24-32` → `{ prefix, minLength: 24, maxLength: 32 }`; one length is both bounds, none the prefix's own to /32 or /128. */
export function parseSubnetPrefix(text: string): { prefix: string; minLength: number; maxLength: number } {
  const [prefix = "", lengths] = text.trim().split(/\s+/, 2);
  const own = Number(prefix.split("/")[1] ?? 0);
  const max = prefix.includes(":") ? 128 : 32;
  if (!lengths) return { prefix, minLength: own, maxLength: max };
  const [lo, hi] = lengths.split("-").map(Number);
  return { prefix, minLength: lo ?? own, maxLength: hi ?? lo ?? max };
}

function toResource(v: Values) {
  return {
    apiVersion: API_VERSION,
    kind: "EnrollmentPolicy",
    metadata: { name: v.name },
    spec: compact({
      network: v.network,
      role: v.role,
      nodeNames: v.nodeNames,
      tunnelAddressPrefixes: v.tunnelAddressPrefixes,
      subnetPrefixes: v.subnetPrefixes?.map(parseSubnetPrefix),
      endpointPrefixes: v.endpointPrefixes,
      hubs: v.hubs,
      labels: labelsFromTags(v.labels),
      approval: v.approval,
      ttl: v.ttl?.trim(),
      maxUses: v.maxUses,
    }),
  };
}

function fromResource(p: EnrollmentPolicy): Values {
  const s = p.spec;
  return {
    name: p.metadata.name,
    network: s.network,
    role: s.role ?? "spoke",
    nodeNames: [...s.nodeNames],
    tunnelAddressPrefixes: [...(s.tunnelAddressPrefixes ?? [])],
    subnetPrefixes: (s.subnetPrefixes ?? []).map((x) => `${x.prefix} ${x.minLength}-${x.maxLength}`),
    endpointPrefixes: [...(s.endpointPrefixes ?? [])],
    hubs: [...(s.hubs ?? [])],
    labels: tagsFromLabels(s.labels),
    approval: s.approval ?? "manual",
    ttl: s.ttl,
    maxUses: s.maxUses,
  };
}

const tags = <Select mode="tags" tokenSeparators={[","]} open={false} suffixIcon={null} />;

export function EnrollmentPolicyForm({
  open,
  existing,
  names,
  onClose,
  onSaved,
}: {
  open: boolean;
  existing?: EnrollmentPolicy;
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
        ? api.put(`/api/v1/enrollment-policies/${existing.metadata.name}`, toResource(v))
        : api.post("/api/v1/enrollment-policies", toResource(v)),
    fieldOf: (p) => (p[0] === "spec" && p[1] === "labels" ? ["labels"] : specField(FIELDS)(p)),
    success: t("common.saved"),
    onDone: onSaved,
  });
  const { reset } = save;
  useEffect(() => {
    if (!open) return;
    reset();
    form.resetFields();
    form.setFieldsValue(
      existing ? fromResource(existing) : { role: "spoke", approval: "manual", network: names.networks[0] },
    );
  }, [open, existing, form, reset, names.networks]);
  const required = [{ required: true, message: t("common.required") }];
  const half = { flex: 1, marginInlineEnd: 12 };
  return (
    <FormModal
      submit={save}
      open={open}
      width={720}
      title={
        existing
          ? t("enrollmentPolicies.edit", { name: existing.metadata.name })
          : t("enrollmentPolicies.create")
      }
      onCancel={onClose}
    >
      <Form form={form} layout="vertical" requiredMark="optional">
        <Space.Compact block>
          <Form.Item name="name" label={t("common.name")} rules={required} style={half}>
            <Input disabled={Boolean(existing)} placeholder="branches" />
          </Form.Item>
          <Form.Item name="network" label={t("nodes.network")} rules={required} style={half}>
            <Select options={names.networks.map((n) => ({ value: n, label: n }))} />
          </Form.Item>
          <Form.Item name="role" label={t("nodes.role")} style={half}>
            <Select
              options={(["spoke", "hub", "external"] as const).map((r) => ({
                value: r,
                label: t(`roles.node.${r}`),
              }))}
            />
          </Form.Item>
          <Form.Item name="approval" label={t("enrollmentPolicies.approval")} style={{ flex: 1 }}>
            <Select
              options={(["manual", "auto"] as const).map((a) => ({
                value: a,
                label: t(`enrollmentPolicies.approvals.${a}`),
              }))}
            />
          </Form.Item>
        </Space.Compact>
        <Form.Item
          name="nodeNames"
          label={t("enrollmentPolicies.nodeNames")}
          extra={t("enrollmentPolicies.nodeNamesHelp")}
          rules={required}
        >
          {tags}
        </Form.Item>
        <Form.Item
          name="tunnelAddressPrefixes"
          label={t("enrollmentPolicies.tunnelAddressPrefixes")}
          extra={t("enrollmentPolicies.prefixListHelp")}
        >
          {tags}
        </Form.Item>
        <Form.Item
          name="subnetPrefixes"
          label={t("enrollmentPolicies.subnetPrefixes")}
          extra={t("enrollmentPolicies.subnetPrefixesHelp")}
        >
          {tags}
        </Form.Item>
        <Form.Item
          name="endpointPrefixes"
          label={t("enrollmentPolicies.endpointPrefixes")}
          extra={t("enrollmentPolicies.prefixListHelp")}
        >
          {tags}
        </Form.Item>
        <Form.Item name="hubs" label={t("nodes.hubs")} extra={t("nodes.hubsHelp")}>
          <Select
            mode="multiple"
            options={names.nodes
              .filter((n) => n.role === "hub" && (!network || n.network === network))
              .map((n) => ({ value: n.name, label: n.name }))}
          />
        </Form.Item>
        <Form.Item name="labels" label={t("nodes.labels")} extra={t("nodes.labelsHelp")}>
          {tags}
        </Form.Item>
        <Space.Compact block>
          <Form.Item
            name="ttl"
            label={t("enrollmentPolicies.ttl")}
            extra={t("enrollmentPolicies.ttlHelp")}
            style={half}
          >
            <Input placeholder="720h" />
          </Form.Item>
          <Form.Item name="maxUses" label={t("enrollmentPolicies.maxUses")} style={{ flex: 1 }}>
            <InputNumber min={1} style={{ width: "100%" }} />
          </Form.Item>
        </Space.Compact>
      </Form>
    </FormModal>
  );
}
