/** Create or edit a peer override; the API's field errors appear under the fields. */
import { Form, Input, Select } from "antd";
import { useTranslation } from "react-i18next";
import type { PeerOverride } from "../api/types";
import * as Field from "./form-fields";
import { resourceDoc } from "./resource";
import type { Names } from "./use-names";
import { type DialogProps, type ResourceKind, ResourceModal, useResourceForm } from "./use-resource-form";

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

function toResource({ name, publicKey, endpoint, ...spec }: Values) {
  return resourceDoc(
    "PeerOverride",
    { name },
    { ...spec, publicKey: publicKey?.trim(), endpoint: endpoint?.trim() },
  );
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

const KIND: ResourceKind<Values, PeerOverride> = {
  ns: "peerOverrides",
  plural: "peer-overrides",
  toResource,
  fromResource,
};

export function PeerOverrideForm({
  names,
  onSaved,
  ...props
}: DialogProps<PeerOverride> & { names: Names; onSaved(): void }) {
  const { t } = useTranslation();
  const required = Field.useRequired();
  const { form, modal } = useResourceForm(KIND, props, {
    initial: () => ({ network: names.networks[0] }),
    deps: [names.networks],
    success: t("common.saved"),
    onSaved,
  });
  const network = Form.useWatch("network", form);
  const nodeOptions = Field.optionsOf(
    names.nodes.filter((n) => !network || n.network === network).map((n) => n.name),
  );
  return (
    <ResourceModal {...modal} width={680}>
      <Field.Row>
        <Field.Name existing={Boolean(props.existing)} placeholder="sha-via-backup" />
        <Field.Network networks={names.networks} />
        <Form.Item
          name="peer"
          label={t("peerOverrides.peer")}
          extra={t("peerOverrides.peerHelp")}
          rules={required}
        >
          <Select showSearch options={nodeOptions} />
        </Form.Item>
      </Field.Row>
      <Form.Item name="nodes" label={t("peerOverrides.nodes")} extra={t("peerOverrides.nodesHelp")}>
        <Select mode="multiple" options={nodeOptions} />
      </Form.Item>
      <Field.Row>
        <Form.Item name="endpoint" label={t("nodes.endpoint")}>
          <Input placeholder="203.0.113.10:51820" />
        </Form.Item>
        <Field.Numeric name="persistentKeepalive" label={t("networks.keepalive")} min={0} max={65535} />
      </Field.Row>
      <Form.Item
        name="allowedIPs"
        label={t("peerOverrides.allowedIPs")}
        extra={t("enrollmentPolicies.prefixListHelp")}
      >
        <Field.Tags />
      </Form.Item>
      <Field.PublicKey />
      <Field.Note name="reason" />
    </ResourceModal>
  );
}
