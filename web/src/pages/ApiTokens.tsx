/** API tokens for automation (admins only): create with a role and lifetime, shown once; revoke. */
import { PlusOutlined } from "@ant-design/icons";
import { Button, Form, Input, Select, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { ApiToken, CreatedApiToken, Role } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { SecretOnce } from "../components/SecretOnce";
import { useApi } from "../components/use-api";
import { FormModal, topFields, useAction, useSubmit } from "../components/use-submit";
import { formatDate } from "../i18n/format";

export default function ApiTokens() {
  const { t } = useTranslation();
  const list = useApi((signal) => api.get("/api/v1/tokens", { signal }), []);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<{ name: string; role: Role; ttl?: string }>();
  const [secret, setSecret] = useState<string>();
  const action = useAction(list.reload);
  const create = useSubmit(form, {
    send: (v) =>
      api.post<CreatedApiToken>("/api/v1/tokens", {
        name: v.name,
        role: v.role,
        ...(v.ttl ? { ttl: v.ttl } : {}),
      }),
    fieldOf: topFields(["name", "role", "ttl"]),
    onDone: (r) => {
      setCreating(false);
      setSecret(r.token);
      list.reload();
    },
  });

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
              create.reset();
              setCreating(true);
            }}
          >
            {t("apiTokens.create")}
          </Button>
        }
      />
      <ErrorAlert error={list.error ?? action.error} />
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
                  onConfirm={() =>
                    action.run(() => api.del(`/api/v1/tokens/${k.id}`), t("joinTokens.revokedMsg"))
                  }
                />
              ),
          },
        ]}
      />
      <FormModal
        submit={create}
        open={creating}
        title={t("apiTokens.create")}
        onCancel={() => setCreating(false)}
        okText={t("joinTokens.createOk")}
      >
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
      </FormModal>
      <SecretOnce title={t("apiTokens.created")} secret={secret} onClose={() => setSecret(undefined)} />
    </>
  );
}
