/** Users (admins only): create, change role or language, reset a password, disable, delete. */
import { Button, Form, Input, Space, Switch, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Role, User } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import * as Field from "../components/form-fields";
import { ListTable } from "../components/ListTable";
import { PageHeader } from "../components/PageHeader";
import { useApi } from "../components/use-api";
import { FormModal, topFields, useAction, useSubmit } from "../components/use-submit";
import { formatDate } from "../i18n/format";

/** Each language by its own name. */
const LANGUAGES = { en: "English", "zh-CN": "中文" } as const;

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
  const required = Field.useRequired();
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
        create={{ label: t("users.create"), onClick: () => open() }}
      />
      <ListTable<User>
        list={list}
        error={action.error}
        rowKey="name"
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
            render: (l: string) => (l === "zh-CN" ? LANGUAGES["zh-CN"] : LANGUAGES.en),
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
          <Field.Name existing={Boolean(editing?.existing)} autoComplete="off" />
          <Field.UserRole />
          <Field.Choice name="language" label={t("users.language")} choices={LANGUAGES} />
          <Form.Item
            name="password"
            label={editing?.existing ? t("users.newPassword") : t("login.password")}
            extra={t("users.passwordHelp")}
            rules={editing?.existing ? [] : required}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </FormModal>
    </>
  );
}
