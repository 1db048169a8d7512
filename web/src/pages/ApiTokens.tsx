/** API tokens for automation (admins only): create with a role and lifetime, shown once; revoke. */
import { PlusOutlined } from "@ant-design/icons";
import { App, Button, Form, Input, Modal, Select, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { ApiToken, CreatedApiToken, Issue, Role } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorAlert } from "../components/ErrorAlert";
import { clearIssues, showIssues } from "../components/form-errors";
import { PageHeader } from "../components/PageHeader";
import { SecretOnce } from "../components/SecretOnce";
import { useApi } from "../components/use-api";
import { formatDate } from "../i18n/format";

export default function ApiTokens() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const list = useApi((signal) => api.get<{ items: ApiToken[] }>("/api/v1/tokens", { signal }), []);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<{ name: string; role: Role; ttl?: string }>();
  const [rest, setRest] = useState<{ error: unknown; issues: Issue[] }>();
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<unknown>();

  const create = async () => {
    const v = await form.validateFields();
    clearIssues(form);
    setRest(undefined);
    try {
      const r = await api.post<CreatedApiToken>("/api/v1/tokens", {
        name: v.name,
        role: v.role,
        ...(v.ttl ? { ttl: v.ttl } : {}),
      });
      setCreating(false);
      setSecret(r.token);
      list.reload();
    } catch (e) {
      const left = showIssues(form, e, (p) =>
        ["name", "role", "ttl"].includes(String(p[0])) ? [String(p[0])] : undefined,
      );
      setRest({ error: e, issues: left });
    }
  };
  const revoke = async (id: string) => {
    try {
      await api.del(`/api/v1/tokens/${id}`);
      message.success(t("joinTokens.revokedMsg"));
      list.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <PageHeader
        title={t("apiTokens.title")}
        sub={t("apiTokens.sub")}
        extra={
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => {
              form.resetFields();
              form.setFieldsValue({ role: "viewer", ttl: "90d" });
              setRest(undefined);
              setCreating(true);
            }}
          >
            {t("apiTokens.create")}
          </Button>
        }
      />
      <ErrorAlert error={list.error ?? error} />
      <Table<ApiToken>
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: t("apiTokens.empty") }}
        columns={[
          { title: t("common.name"), dataIndex: "name" },
          { title: "ID", dataIndex: "id", render: (v: string) => <span className="mono">{v}</span> },
          { title: t("users.role"), dataIndex: "role", render: (r: Role) => <Tag>{t(`roles.${r}`)}</Tag> },
          { title: t("joinTokens.createdBy"), dataIndex: "createdBy" },
          {
            title: t("joinTokens.expires"),
            dataIndex: "expiresAt",
            render: (v: string | null) => (v ? formatDate(v) : t("joinTokens.never")),
          },
          {
            title: t("apiTokens.lastUsed"),
            dataIndex: "lastUsedAt",
            render: (v: string | null) => formatDate(v),
          },
          {
            title: t("nodes.state"),
            key: "state",
            render: (_, k) =>
              k.revokedAt ? (
                <Tag color="red">{t("joinTokens.revoked")}</Tag>
              ) : (
                <Tag color="green">{t("joinTokens.active")}</Tag>
              ),
          },
          {
            title: t("common.actions"),
            key: "actions",
            render: (_, k) =>
              k.revokedAt ? null : (
                <ConfirmButton
                  question={t("joinTokens.confirmRevoke")}
                  label={t("joinTokens.revoke")}
                  onConfirm={() => revoke(k.id)}
                />
              ),
          },
        ]}
      />
      <Modal
        open={creating}
        title={t("apiTokens.create")}
        onCancel={() => setCreating(false)}
        onOk={() => void create()}
        okText={t("joinTokens.createOk")}
        cancelText={t("common.cancel")}
        destroyOnHidden
      >
        {rest ? <ErrorAlert error={rest.error} issues={rest.issues} /> : null}
        <Form form={form} layout="vertical">
          <Form.Item
            name="name"
            label={t("common.name")}
            rules={[{ required: true, message: t("common.required") }]}
          >
            <Input placeholder="ci-deploy" />
          </Form.Item>
          <Form.Item name="role" label={t("users.role")}>
            <Select
              options={(["viewer", "operator", "admin"] as const).map((r) => ({
                value: r,
                label: t(`roles.${r}`),
              }))}
            />
          </Form.Item>
          <Form.Item name="ttl" label={t("joinTokens.ttl")} extra={t("apiTokens.ttlHelp")}>
            <Input placeholder="90d" />
          </Form.Item>
        </Form>
      </Modal>
      <SecretOnce title={t("apiTokens.created")} secret={secret} onClose={() => setSecret(undefined)} />
    </>
  );
}
