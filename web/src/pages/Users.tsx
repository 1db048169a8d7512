/** Users (admins only): create, change role or language, reset a password, disable, delete. */
import { PlusOutlined } from "@ant-design/icons";
import { Button, Form, Input, Select, Space, Switch, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Role, User } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { useApi } from "../components/use-api";
import { FormModal, topFields, useAction, useSubmit } from "../components/use-submit";
import { formatDate } from "../i18n/format";

interface UserForm {
  name: string;
  role: Role;
  password?: string;
  language: "en" | "zh-CN";
}

export default function Users() {
  const { t, i18n } = useTranslation();
  const list = useApi((signal) => api.get("/api/v1/users", { signal }), []);
  const [editing, setEditing] = useState<{ existing?: User } | null>(null);
  const [form] = Form.useForm<UserForm>();
  const action = useAction(list.reload);
  const roles: Role[] = ["viewer", "operator", "admin"];
  const save = useSubmit(form, {
    send: (v) =>
      editing?.existing
        ? api.patch(`/api/v1/users/${v.name}`, {
            role: v.role,
            language: v.language,
            ...(v.password ? { password: v.password } : {}),
          })
        : api.post("/api/v1/users", {
            name: v.name,
            role: v.role,
            language: v.language,
            password: v.password,
          }),
    fieldOf: topFields(["name", "role", "password", "language"]),
    success: t("common.saved"),
    onDone: () => {
      setEditing(null);
      list.reload();
    },
  });

  const open = (u?: User) => {
    form.resetFields();
    save.reset();
    form.setFieldsValue(
      u
        ? { name: u.name, role: u.role, language: u.language as "en" }
        : { role: "viewer", language: i18n.language === "zh-CN" ? "zh-CN" : "en" },
    );
    setEditing({ existing: u });
  };

  return (
    <>
      <PageHeader
        title={t("users.title")}
        sub={t("users.sub")}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => open()}>
            {t("users.create")}
          </Button>
        }
      />
      <ErrorAlert error={list.error ?? action.error} />
      <Table<User>
        rowKey="name"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        columns={[
          { title: t("common.name"), dataIndex: "name" },
          {
            title: t("users.role"),
            dataIndex: "role",
            render: (r: Role) => (
              <Tag color={r === "admin" ? "volcano" : r === "operator" ? "blue" : undefined}>
                {t(`roles.${r}`)}
              </Tag>
            ),
          },
          {
            title: t("users.language"),
            dataIndex: "language",
            render: (l: string) => (l === "zh-CN" ? "中文" : "English"),
          },
          {
            title: t("users.enabled"),
            dataIndex: "disabled",
            render: (d: boolean, u) => (
              <Switch
                checked={!d}
                aria-label={t("users.enabledOf", { name: u.name })}
                onChange={(on) =>
                  void action.run(() => api.patch(`/api/v1/users/${u.name}`, { disabled: !on }))
                }
              />
            ),
          },
          { title: t("joinTokens.createdAt"), dataIndex: "createdAt", render: (v: string) => formatDate(v) },
          {
            title: t("common.actions"),
            key: "actions",
            render: (_, u) => (
              <Space>
                <Button size="small" onClick={() => open(u)}>
                  {t("common.edit")}
                </Button>
                <ConfirmButton
                  question={t("common.confirmDelete", { name: u.name })}
                  label={t("common.delete")}
                  onConfirm={() => action.run(() => api.del(`/api/v1/users/${u.name}`), t("common.deleted"))}
                />
              </Space>
            ),
          },
        ]}
      />
      <FormModal
        submit={save}
        open={editing !== null}
        title={editing?.existing ? t("users.edit", { name: editing.existing.name }) : t("users.create")}
        onCancel={() => setEditing(null)}
      >
        <Form form={form} layout="vertical">
          <Form.Item
            name="name"
            label={t("common.name")}
            rules={[{ required: true, message: t("common.required") }]}
          >
            <Input disabled={Boolean(editing?.existing)} autoComplete="off" />
          </Form.Item>
          <Form.Item name="role" label={t("users.role")}>
            <Select options={roles.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
          </Form.Item>
          <Form.Item name="language" label={t("users.language")}>
            <Select
              options={[
                { value: "en", label: "English" },
                { value: "zh-CN", label: "中文" },
              ]}
            />
          </Form.Item>
          <Form.Item
            name="password"
            label={editing?.existing ? t("users.newPassword") : t("login.password")}
            extra={t("users.passwordHelp")}
            rules={editing?.existing ? [] : [{ required: true, message: t("common.required") }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </FormModal>
    </>
  );
}
