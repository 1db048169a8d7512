/** Create or edit a network; the API's field errors appear under the fields. */
import { Form, Input, Switch } from "antd";
import { useTranslation } from "react-i18next";
import type { Network } from "../api/types";
import * as Field from "./form-fields";
import { resourceDoc } from "./resource";
import { type DialogProps, type ResourceKind, ResourceModal, useResourceForm } from "./use-resource-form";

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

function toResource(v: NetworkFormValues) {
  const { name, portFrom, portTo, ...spec } = v;
  return resourceDoc(
    "Network",
    { name },
    { ...spec, listenPortRange: portFrom && portTo ? { from: portFrom, to: portTo } : undefined },
  );
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

const KIND: ResourceKind<NetworkFormValues, Network> = {
  ns: "networks",
  plural: "networks",
  toResource,
  fromResource,
  aliases: { listenPortRange: "portFrom" },
};

export function NetworkForm({ onSaved, ...props }: DialogProps<Network> & { onSaved(name: string): void }) {
  const { t } = useTranslation();
  const required = Field.useRequired();
  const { modal } = useResourceForm(KIND, props, {
    initial: () => NEW,
    success: t("common.saved"),
    onSaved: (v) => onSaved(v.name),
  });
  return (
    <ResourceModal {...modal} width={640}>
      <Field.Row>
        <Field.Name existing={Boolean(props.existing)} placeholder="corp" />
        <Form.Item name="cidr" label={t("networks.cidr4")} rules={required}>
          <Input placeholder="10.100.0.0/16" />
        </Form.Item>
      </Field.Row>
      <Form.Item name="cidr6" label={t("networks.cidr6")}>
        <Input placeholder="fd10:100::/64" />
      </Form.Item>
      <Field.Row>
        <Field.Choice
          name="topology"
          label={t("networks.topology")}
          choices={{
            "hub-and-spoke": t("networks.topologies.hub-and-spoke"),
            mesh: t("networks.topologies.mesh"),
          }}
        />
        <Field.Choice
          name="defaultAction"
          label={t("networks.defaultAction")}
          choices={{ deny: t("policies.deny"), allow: t("policies.allow") }}
        />
      </Field.Row>
      <Field.Row>
        <Field.Numeric name="portFrom" label={t("networks.portFrom")} min={1} max={65535} />
        <Field.Numeric name="portTo" label={t("networks.portTo")} min={1} max={65535} />
        <Field.Numeric name="mtu" label="MTU" min={1280} max={9000} placeholder="1420" />
        <Field.Numeric
          name="persistentKeepalive"
          label={t("networks.keepalive")}
          min={0}
          max={65535}
          placeholder="25"
        />
      </Field.Row>
      <Form.Item name="presharedKeys" label={t("networks.presharedKeys")} valuePropName="checked">
        <Switch />
      </Form.Item>
      <Field.Note />
    </ResourceModal>
  );
}
