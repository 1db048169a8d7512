/**
 * The access-policy rule editor. Every change is checked against the whole
 * intent with the API's dry run (`POST /api/v1/apply?dryRun=true`) a moment
 * after typing stops, and each issue is shown under the field it names
 * (`spec.rules[1].ports[0]` → rule 2's ports).
 */
import { CheckCircleOutlined, DeleteOutlined, LoadingOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Drawer, Flex, Form, Input, InputNumber, Select, Space, Typography } from "antd";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { AccessPolicy, ApplyPlan, Issue } from "../api/types";
import { ErrorAlert } from "./ErrorAlert";
import { clearIssues, showIssues } from "./form-errors";
import * as Field from "./form-fields";
import { fieldOf, fromPolicy, type PolicyForm, toPolicy } from "./policy-form";

/** Nodes, labels, CIDRs and ports are separated by commas or spaces. */
const SEPARATORS = [",", " "];

function SelectorFields({
  rule,
  side,
  nodeNames,
}: {
  rule: number;
  side: "from" | "to";
  nodeNames: string[];
}) {
  const { t } = useTranslation();
  return (
    <Card
      size="small"
      title={side === "from" ? t("policies.from") : t("policies.to")}
      style={{ flex: 1, minWidth: 260 }}
    >
      <Form.Item name={[rule, side, "nodes"]} label={t("policies.nodes")} style={{ marginBottom: 8 }}>
        <Select mode="tags" options={Field.optionsOf(nodeNames)} tokenSeparators={SEPARATORS} />
      </Form.Item>
      <Form.Item name={[rule, side, "labels"]} label={t("nodes.labels")} style={{ marginBottom: 8 }}>
        <Field.Tags tokenSeparators={SEPARATORS} placeholder="tier=branch" />
      </Form.Item>
      <Form.Item name={[rule, side, "cidrs"]} label={t("policies.cidrs")} style={{ marginBottom: 0 }}>
        <Field.Tags tokenSeparators={SEPARATORS} placeholder="10.20.0.0/16" />
      </Form.Item>
    </Card>
  );
}

export function PolicyEditor({
  open,
  existing,
  networks,
  nodeNames,
  onClose,
  onSaved,
}: {
  open: boolean;
  existing?: AccessPolicy;
  networks: string[];
  nodeNames: string[];
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<PolicyForm>();
  const [check, setCheck] = useState<{
    state: "idle" | "checking" | "ok" | "error";
    plan?: ApplyPlan;
    rest?: Issue[];
    error?: unknown;
  }>({ state: "idle" });
  const [saving, setSaving] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const seq = useRef(0);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    setCheck({ state: "idle" });
    form.setFieldsValue(
      existing
        ? fromPolicy(existing)
        : { network: networks[0], priority: 1000, rules: [{ action: "allow", from: {}, to: {}, ports: [] }] },
    );
  }, [open, existing, networks, form]);

  const runCheck = useCallback(async () => {
    const mine = ++seq.current;
    const v = form.getFieldsValue(true) as PolicyForm;
    if (!v.name || !v.network) return;
    setCheck((c) => ({ ...c, state: "checking" }));
    try {
      const plan = await api.post<ApplyPlan>(
        "/api/v1/apply",
        { items: [toPolicy(v)] },
        { query: { dryRun: "true" } },
      );
      if (mine !== seq.current) return;
      clearIssues(form);
      setCheck({ state: "ok", plan });
    } catch (e) {
      if (mine !== seq.current) return;
      clearIssues(form);
      const rest = showIssues(form, e, fieldOf);
      setCheck({ state: "error", rest, error: e });
    }
  }, [form]);

  const onChange = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void runCheck(), 400);
  };

  const save = async () => {
    const v = form.getFieldsValue(true) as PolicyForm;
    setSaving(true);
    try {
      const doc = toPolicy(v);
      if (existing) await api.put(`/api/v1/access-policies/${existing.metadata.name}`, doc);
      else await api.post("/api/v1/access-policies", doc);
      onSaved();
    } catch (e) {
      clearIssues(form);
      const rest = showIssues(form, e, fieldOf);
      setCheck({ state: "error", rest, error: e });
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open={open}
      size="large"
      width={920}
      title={existing ? t("policies.edit", { name: existing.metadata.name }) : t("policies.create")}
      onClose={onClose}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="primary" onClick={() => void save()} loading={saving}>
            {t("common.save")}
          </Button>
        </Space>
      }
    >
      <div aria-live="polite" style={{ marginBottom: 16 }} data-testid="policy-check">
        {check.state === "checking" ? (
          <Typography.Text type="secondary">
            <LoadingOutlined /> {t("policies.checking")}
          </Typography.Text>
        ) : check.state === "ok" ? (
          <Alert
            type="success"
            showIcon
            icon={<CheckCircleOutlined />}
            title={t("policies.valid", { count: check.plan?.nodes.length ?? 0 })}
          />
        ) : check.state === "error" ? (
          check.rest && check.rest.length > 0 ? (
            <ErrorAlert error={check.error} issues={check.rest} />
          ) : (
            <Alert type="error" showIcon title={t("policies.invalid")} />
          )
        ) : (
          <Typography.Text type="secondary">{t("policies.checkHelp")}</Typography.Text>
        )}
      </div>
      <Form form={form} layout="vertical" onValuesChange={onChange}>
        <Flex gap={12}>
          <Field.Name existing={Boolean(existing)} placeholder="branches-to-dc" style={{ flex: 2 }} />
          <Form.Item name="network" label={t("nodes.network")} style={{ flex: 2 }}>
            <Select options={Field.optionsOf(networks)} />
          </Form.Item>
          <Form.Item
            name="priority"
            label={t("policies.priority")}
            extra={t("policies.priorityHelp")}
            style={{ flex: 1 }}
          >
            <InputNumber min={0} max={1000000} style={{ width: "100%" }} />
          </Form.Item>
        </Flex>
        <Form.List name="rules">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f, i) => (
                <Card
                  key={f.key}
                  size="small"
                  style={{ marginBottom: 12, background: "#fafbfc" }}
                  title={t("policies.rule", { n: i + 1 })}
                  extra={
                    <Button
                      size="small"
                      icon={<DeleteOutlined />}
                      onClick={() => {
                        remove(f.name);
                        onChange();
                      }}
                      disabled={fields.length <= 1}
                      aria-label={t("policies.removeRule", { n: i + 1 })}
                    >
                      {t("common.remove")}
                    </Button>
                  }
                >
                  <Flex gap={12} wrap>
                    <Form.Item name={[f.name, "action"]} label={t("policies.action")} style={{ width: 140 }}>
                      <Select
                        options={[
                          { value: "allow", label: t("policies.allow") },
                          { value: "deny", label: t("policies.deny") },
                        ]}
                      />
                    </Form.Item>
                    <Form.Item
                      name={[f.name, "ports"]}
                      label={t("policies.ports")}
                      extra={t("policies.portsHelp")}
                      style={{ flex: 1, minWidth: 240 }}
                    >
                      <Field.Tags
                        tokenSeparators={SEPARATORS}
                        placeholder="tcp/443"
                        aria-label={t("policies.portsOf", { n: i + 1 })}
                      />
                    </Form.Item>
                    <Form.Item
                      name={[f.name, "description"]}
                      label={t("common.description")}
                      style={{ flex: 1, minWidth: 200 }}
                    >
                      <Input />
                    </Form.Item>
                  </Flex>
                  <Flex gap={12} wrap>
                    <SelectorFields rule={f.name} side="from" nodeNames={nodeNames} />
                    <SelectorFields rule={f.name} side="to" nodeNames={nodeNames} />
                  </Flex>
                </Card>
              ))}
              <Button
                icon={<PlusOutlined />}
                onClick={() => {
                  add({ action: "allow", from: {}, to: {}, ports: [] });
                  onChange();
                }}
              >
                {t("policies.addRule")}
              </Button>
            </>
          )}
        </Form.List>
      </Form>
    </Drawer>
  );
}
