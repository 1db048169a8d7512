/** Create or edit an enrollment policy; the API's field errors appear under the fields. */
import { Form, Input } from "antd";
import { useTranslation } from "react-i18next";
import type { EnrollmentPolicy } from "../api/types";
import * as Field from "./form-fields";
import { labelsFromTags, resourceDoc, tagsFromLabels } from "./resource";
import type { Names } from "./use-names";
import { type DialogProps, type ResourceKind, ResourceModal, useResourceForm } from "./use-resource-form";

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
/** `10.64.0.0/12 24-32` → `{ prefix, minLength: 24, maxLength: 32 }`; one length is both bounds, none the prefix's own to /32 or /128. */
export function parseSubnetPrefix(text: string): { prefix: string; minLength: number; maxLength: number } {
  const [prefix = "", lengths] = text.trim().split(/\s+/, 2);
  const own = Number(prefix.split("/")[1] ?? 0);
  const max = prefix.includes(":") ? 128 : 32;
  if (!lengths) return { prefix, minLength: own, maxLength: max };
  const [lo, hi] = lengths.split("-").map(Number);
  return { prefix, minLength: lo ?? own, maxLength: hi ?? lo ?? max };
}

function toResource({ name, subnetPrefixes, labels, ttl, ...spec }: Values) {
  return resourceDoc(
    "EnrollmentPolicy",
    { name },
    {
      ...spec,
      subnetPrefixes: subnetPrefixes?.map(parseSubnetPrefix),
      labels: labelsFromTags(labels),
      ttl: ttl?.trim(),
    },
  );
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

/** The policy's list fields, each labelled by its own dictionary key. */
type ListKey = "nodeNames" | "tunnelAddressPrefixes" | "subnetPrefixes" | "endpointPrefixes";
type ListHelp = "nodeNamesHelp" | "prefixListHelp" | "subnetPrefixesHelp";

/** One list field of prefixes or patterns, typed as tags. */
function ListItem({ name, extra, required }: { name: ListKey; extra: ListHelp; required?: boolean }) {
  const { t } = useTranslation();
  const rules = Field.useRequired();
  return (
    <Form.Item
      name={name}
      label={t(`enrollmentPolicies.${name}`)}
      extra={t(`enrollmentPolicies.${extra}`)}
      rules={required ? rules : undefined}
    >
      <Field.Tags />
    </Form.Item>
  );
}

const KIND: ResourceKind<Values, EnrollmentPolicy> = {
  ns: "enrollmentPolicies",
  plural: "enrollment-policies",
  toResource,
  fromResource,
};

export function EnrollmentPolicyForm({
  names,
  onSaved,
  ...props
}: DialogProps<EnrollmentPolicy> & { names: Names; onSaved(): void }) {
  const { t } = useTranslation();
  const { form, modal } = useResourceForm(KIND, props, {
    initial: () => ({ role: "spoke" as const, approval: "manual" as const, network: names.networks[0] }),
    deps: [names.networks],
    success: t("common.saved"),
    onSaved,
  });
  const network = Form.useWatch("network", form);
  return (
    <ResourceModal {...modal} width={720}>
      <Field.Row>
        <Field.Name existing={Boolean(props.existing)} placeholder="branches" />
        <Field.Network networks={names.networks} />
        <Field.Role roles={["spoke", "hub", "external"]} />
        <Field.Choice
          name="approval"
          label={t("enrollmentPolicies.approval")}
          choices={{
            manual: t("enrollmentPolicies.approvals.manual"),
            auto: t("enrollmentPolicies.approvals.auto"),
          }}
        />
      </Field.Row>
      <ListItem name="nodeNames" extra="nodeNamesHelp" required />
      <ListItem name="tunnelAddressPrefixes" extra="prefixListHelp" />
      <ListItem name="subnetPrefixes" extra="subnetPrefixesHelp" />
      <ListItem name="endpointPrefixes" extra="prefixListHelp" />
      <Field.Hubs
        hubs={names.nodes
          .filter((n) => n.role === "hub" && (!network || n.network === network))
          .map((n) => n.name)}
      />
      <Field.Labels />
      <Field.Row>
        <Form.Item name="ttl" label={t("enrollmentPolicies.ttl")} extra={t("enrollmentPolicies.ttlHelp")}>
          <Input placeholder="720h" />
        </Form.Item>
        <Field.Numeric name="maxUses" label={t("enrollmentPolicies.maxUses")} min={1} />
      </Field.Row>
    </ResourceModal>
  );
}
