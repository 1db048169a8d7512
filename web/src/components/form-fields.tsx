/**
 * Fields the dialogs share, so a field that means the same looks and checks the same in every
 * form: the required rule, rows of fields side by side, free-text tag lists, fixed choices,
 * numbers, the name (fixed once created), the network, role, hubs, labels, key and note fields.
 * Meant to be imported whole: `import * as Field from "./form-fields"`, then `<Field.Name …/>`.
 */
import { Form, type FormRule, Input, InputNumber, Select, type SelectProps, Space } from "antd";
import {
  Children,
  type CSSProperties,
  cloneElement,
  isValidElement,
  type ReactElement,
  type ReactNode,
} from "react";
import { useTranslation } from "react-i18next";
import type { NodeRole } from "../api/types";

/** The rule of a field that must be filled, with the one message for it. */
export function useRequired(): FormRule[] {
  const { t } = useTranslation();
  return [{ required: true, message: t("common.required") }];
}

/** `["a", "b"]` → Select options showing the values themselves. */
export function optionsOf(values: readonly string[]): Array<{ value: string; label: string }> {
  return values.map((v) => ({ value: v, label: v }));
}

/** What every field here takes: a row sets `style`. */
interface ItemProps {
  style?: CSSProperties;
}

/**
 * Fields side by side: each grows by its share in `flex` (1 when not given), 12 px apart. The
 * children are Form.Items or the fields here, which all take a `style`.
 */
export function Row({ flex = [], children }: { flex?: readonly number[]; children: ReactNode }) {
  const items = Children.toArray(children).filter(isValidElement) as Array<ReactElement<ItemProps>>;
  const last = items.length - 1;
  return (
    <Space.Compact block>
      {items.map((item, i) =>
        cloneElement(item, {
          style: { flex: flex[i] ?? 1, ...(i < last ? { marginInlineEnd: 12 } : {}), ...item.props.style },
        }),
      )}
    </Space.Compact>
  );
}

/**
 * Free-text values typed as tags with no dropdown (CIDRs, labels, ports, name patterns); `,` ends
 * a value unless `tokenSeparators` says more. Form.Item's value, onChange and id pass through.
 */
export function Tags({ tokenSeparators = [","], ...props }: SelectProps) {
  return <Select mode="tags" tokenSeparators={tokenSeparators} open={false} suffixIcon={null} {...props} />;
}

/** One of fixed values, each shown by its label (in `choices`' order). */
export function Choice({
  name,
  label,
  choices,
  style,
}: ItemProps & { name: string; label: string; choices: Readonly<Record<string, string>> }) {
  return (
    <Form.Item name={name} label={label} style={style}>
      <Select options={Object.entries(choices).map(([value, text]) => ({ value, label: text }))} />
    </Form.Item>
  );
}

/** A whole number within `min`–`max`, the input filling its field. */
export function Numeric({
  name,
  label,
  min,
  max,
  placeholder,
  style,
}: ItemProps & { name: string; label: string; min: number; max?: number; placeholder?: string }) {
  return (
    <Form.Item name={name} label={label} style={style}>
      <InputNumber min={min} max={max} placeholder={placeholder} style={{ width: "100%" }} />
    </Form.Item>
  );
}

/** The resource's name: required, and fixed once the resource exists (it is the resource's key). */
export function Name({
  existing,
  placeholder,
  autoComplete,
  style,
}: ItemProps & { existing: boolean; placeholder?: string; autoComplete?: string }) {
  const { t } = useTranslation();
  return (
    <Form.Item name="name" label={t("common.name")} rules={useRequired()} style={style}>
      <Input disabled={existing} placeholder={placeholder} autoComplete={autoComplete} />
    </Form.Item>
  );
}

/** The network a resource belongs to (required), picked from the networks there are. */
export function Network({
  networks,
  showSearch,
  style,
}: ItemProps & { networks: readonly string[]; showSearch?: boolean }) {
  const { t } = useTranslation();
  return (
    <Form.Item name="network" label={t("nodes.network")} rules={useRequired()} style={style}>
      <Select options={optionsOf(networks)} showSearch={showSearch} />
    </Form.Item>
  );
}

/** A node's role, offered in `roles`' order (the form's most likely one first). */
export function Role({ roles, style }: ItemProps & { roles: readonly NodeRole[] }) {
  const { t } = useTranslation();
  const choices = Object.fromEntries(roles.map((r) => [r, t(`roles.node.${r}`)]));
  return <Choice name="role" label={t("nodes.role")} choices={choices} style={style} />;
}

/** A user's or API token's role, least power first. */
export function UserRole() {
  const { t } = useTranslation();
  const roles = ["viewer", "operator", "admin"] as const;
  return (
    <Choice
      name="role"
      label={t("users.role")}
      choices={Object.fromEntries(roles.map((r) => [r, t(`roles.${r}`)]))}
    />
  );
}

/** The hubs a spoke connects to, from the hubs given (those of the chosen network). */
export function Hubs({ hubs }: { hubs: readonly string[] }) {
  const { t } = useTranslation();
  return (
    <Form.Item name="hubs" label={t("nodes.hubs")} extra={t("nodes.hubsHelp")}>
      <Select mode="multiple" options={optionsOf(hubs)} />
    </Form.Item>
  );
}

/** Labels as `key=value` tags. */
export function Labels({ tokenSeparators }: { tokenSeparators?: string[] }) {
  const { t } = useTranslation();
  return (
    <Form.Item name="labels" label={t("nodes.labels")} extra={t("nodes.labelsHelp")}>
      <Tags tokenSeparators={tokenSeparators} />
    </Form.Item>
  );
}

/** A WireGuard public key (base64), in the monospace font keys are read in. */
export function PublicKey({ extra }: { extra?: string }) {
  const { t } = useTranslation();
  return (
    <Form.Item name="publicKey" label={t("nodes.publicKey")} extra={extra}>
      <Input className="mono" />
    </Form.Item>
  );
}

/** A free-text note: the description, or (`name="reason"`) why the resource exists. */
export function Note({ name = "description" }: { name?: "description" | "reason" }) {
  const { t } = useTranslation();
  return (
    <Form.Item name={name} label={name === "reason" ? t("common.reason") : t("common.description")}>
      <Input />
    </Form.Item>
  );
}
