/** Create or edit a node (hub, spoke or external); the API's field errors appear under the fields. */
import { Form, Input } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { NodeResource } from "../api/types";
import * as Field from "./form-fields";
import { labelsFromTags, resourceDoc, tagsFromLabels } from "./resource";
import { type DialogProps, type ResourceKind, ResourceModal, useResourceForm } from "./use-resource-form";

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

function toResource(v: NodeFormValues) {
  return resourceDoc(
    "Node",
    { name: v.name, labels: labelsFromTags(v.labels) },
    {
      network: v.network,
      role: v.role,
      endpoint: v.endpoint?.trim(),
      listenPort: v.listenPort,
      tunnelAddress: v.tunnelAddress?.trim(),
      subnets: v.subnets,
      hubs: v.role === "hub" ? [] : v.hubs,
      publicKey: v.publicKey?.trim(),
      description: v.description,
    },
  );
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

/** Node lists are separated by commas or spaces. */
const SEPARATORS = [",", " "];

const KIND: ResourceKind<NodeFormValues, NodeResource> = {
  ns: "nodes",
  plural: "nodes",
  toResource,
  fromResource,
};

export function NodeForm({ onSaved, ...props }: DialogProps<NodeResource> & { onSaved(name: string): void }) {
  const { t } = useTranslation();
  const [networks, setNetworks] = useState<string[]>([]);
  const [hubs, setHubs] = useState<Array<{ name: string; network: string }>>([]);
  const { form, modal } = useResourceForm(KIND, props, {
    initial: () => ({ role: "spoke" as const }),
    onSaved: (v) => onSaved(v.name),
    // Loaded on each open, so a network or hub made since shows up.
    onOpen: (f) => {
      void api
        .get("/api/v1/networks", { query: { limit: 1000 } })
        .then((r) => {
          setNetworks(r.items.map((n) => n.metadata.name));
          if (!props.existing && r.items.length === 1) f.setFieldValue("network", r.items[0]!.metadata.name);
        })
        .catch(() => setNetworks([]));
      void api
        .get("/api/v1/nodes", { query: { role: "hub", limit: 1000 } })
        .then((r) => setHubs(r.items.map((n) => ({ name: n.metadata.name, network: n.spec.network }))))
        .catch(() => setHubs([]));
    },
  });
  const network = Form.useWatch("network", form);
  const role = Form.useWatch("role", form);
  return (
    <ResourceModal {...modal} width={680}>
      <Field.Row flex={[2, 2, 1.5]}>
        <Field.Name existing={Boolean(props.existing)} placeholder="branch-ber" />
        <Field.Network networks={networks} showSearch />
        <Field.Role roles={["hub", "spoke", "external"]} />
      </Field.Row>
      <Field.Row flex={[2, 1, 2]}>
        <Form.Item
          name="endpoint"
          label={t("nodes.endpoint")}
          extra={role === "hub" ? t("nodes.endpointHubHelp") : undefined}
        >
          <Input placeholder="203.0.113.10:51820" />
        </Form.Item>
        <Field.Numeric name="listenPort" label={t("nodes.listenPort")} min={1} max={65535} />
        <Form.Item name="tunnelAddress" label={t("nodes.tunnelAddress")} extra={t("nodes.tunnelAddressHelp")}>
          <Input placeholder="10.100.1.5" />
        </Form.Item>
      </Field.Row>
      {role !== "hub" ? (
        <Field.Hubs hubs={hubs.filter((h) => !network || h.network === network).map((h) => h.name)} />
      ) : null}
      <Form.Item name="subnets" label={t("nodes.subnets")} extra={t("nodes.subnetsHelp")}>
        <Field.Tags tokenSeparators={SEPARATORS} />
      </Form.Item>
      <Field.Labels tokenSeparators={SEPARATORS} />
      <Field.PublicKey extra={t("nodes.publicKeyHelp")} />
      <Field.Note />
    </ResourceModal>
  );
}
