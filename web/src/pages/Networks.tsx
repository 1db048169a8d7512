/** Networks: list, create, edit and delete; the API's field errors appear under the fields. */
import { PlusOutlined } from "@ant-design/icons";
import { App, Button, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { GetResult, Issue, Network } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorAlert } from "../components/ErrorAlert";
import { clearIssues, showIssues, specField } from "../components/form-errors";
import { PageHeader } from "../components/PageHeader";
import { API_VERSION, compact } from "../components/resource";
import { useApi } from "../components/use-api";
import { useCanWrite } from "../session";

interface NetworkForm {
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

function toResource(v: NetworkForm) {
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

function fromResource(n: Network): NetworkForm {
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

export default function Networks() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const canWrite = useCanWrite();
  const list = useApi(
    (signal) =>
      api.get<GetResult<"/api/v1/networks">>("/api/v1/networks", { query: { limit: 1000 }, signal }),
    [],
  );
  const [editing, setEditing] = useState<{ existing?: string } | null>(null);
  const [form] = Form.useForm<NetworkForm>();
  const [busy, setBusy] = useState(false);
  const [rest, setRest] = useState<{ error: unknown; issues: Issue[] } | null>(null);

  const open = (n?: Network) => {
    form.resetFields();
    setRest(null);
    form.setFieldsValue(
      n
        ? fromResource(n)
        : { topology: "hub-and-spoke", defaultAction: "deny", portFrom: 51820, portTo: 52820 },
    );
    setEditing({ existing: n?.metadata.name });
  };
  const save = async () => {
    const v = await form.validateFields();
    setBusy(true);
    clearIssues(form);
    setRest(null);
    try {
      const doc = toResource(v);
      if (editing?.existing) await api.put(`/api/v1/networks/${editing.existing}`, doc);
      else await api.post("/api/v1/networks", doc);
      message.success(t("common.saved"));
      setEditing(null);
      list.reload();
    } catch (e) {
      const left = showIssues(form, e, (p) =>
        p[0] === "spec" && p[1] === "listenPortRange" ? ["portFrom"] : specField(FIELDS)(p),
      );
      setRest({ error: e, issues: left });
    } finally {
      setBusy(false);
    }
  };
  const remove = async (name: string) => {
    try {
      await api.del(`/api/v1/networks/${name}`);
      message.success(t("common.deleted"));
      list.reload();
    } catch (e) {
      setRest({ error: e, issues: [] });
    }
  };

  return (
    <>
      <PageHeader
        title={t("networks.title")}
        sub={t("networks.sub")}
        extra={
          canWrite ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => open()}>
              {t("networks.create")}
            </Button>
          ) : null
        }
      />
      <ErrorAlert error={list.error} />
      {!editing && rest ? <ErrorAlert error={rest.error} /> : null}
      <Table<Network>
        rowKey={(n) => n.metadata.name}
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: t("networks.empty") }}
        columns={[
          { title: t("common.name"), render: (_, n) => n.metadata.name },
          {
            title: t("networks.cidr"),
            render: (_, n) => (
              <span className="mono">{[n.spec.cidr, n.spec.cidr6].filter(Boolean).join(", ")}</span>
            ),
          },
          {
            title: t("networks.topology"),
            render: (_, n) => t(`networks.topologies.${n.spec.topology ?? "hub-and-spoke"}`),
          },
          {
            title: t("networks.defaultAction"),
            render: (_, n) =>
              n.spec.defaultAction === "allow" ? (
                <Tag color="orange">{t("policies.allow")}</Tag>
              ) : (
                <Tag>{t("policies.deny")}</Tag>
              ),
          },
          {
            title: t("networks.ports"),
            render: (_, n) => `${n.spec.listenPortRange?.from ?? ""}–${n.spec.listenPortRange?.to ?? ""}`,
          },
          { title: "MTU", render: (_, n) => n.spec.mtu },
          { title: t("common.description"), render: (_, n) => n.spec.description ?? "" },
          ...(canWrite
            ? [
                {
                  title: t("common.actions"),
                  key: "actions",
                  render: (_: unknown, n: Network) => (
                    <Space>
                      <Button size="small" onClick={() => open(n)}>
                        {t("common.edit")}
                      </Button>
                      <ConfirmButton
                        question={t("common.confirmDelete", { name: n.metadata.name })}
                        label={t("common.delete")}
                        onConfirm={() => remove(n.metadata.name)}
                      />
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={editing !== null}
        title={editing?.existing ? t("networks.edit", { name: editing.existing }) : t("networks.create")}
        onCancel={() => setEditing(null)}
        onOk={() => void save()}
        okText={t("common.save")}
        cancelText={t("common.cancel")}
        confirmLoading={busy}
        width={640}
        destroyOnHidden
      >
        {rest ? <ErrorAlert error={rest.error} issues={rest.issues} /> : null}
        <Form form={form} layout="vertical" requiredMark="optional">
          <Space.Compact block>
            <Form.Item
              name="name"
              label={t("common.name")}
              rules={[{ required: true, message: t("common.required") }]}
              style={{ flex: 1, marginInlineEnd: 12 }}
            >
              <Input disabled={Boolean(editing?.existing)} placeholder="corp" />
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
            <Form.Item
              name="topology"
              label={t("networks.topology")}
              style={{ flex: 1, marginInlineEnd: 12 }}
            >
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
            <Form.Item
              name="portFrom"
              label={t("networks.portFrom")}
              style={{ flex: 1, marginInlineEnd: 12 }}
            >
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
      </Modal>
    </>
  );
}
