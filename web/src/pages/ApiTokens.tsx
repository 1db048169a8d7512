/** API tokens for automation (admins only): create with a role and lifetime, shown once; revoke. */
import { Form, Input, Tag } from "antd";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { ApiToken, CreatedApiToken, Role } from "../api/types";
import * as Field from "../components/form-fields";
import { ListTable } from "../components/ListTable";
import { Mono } from "../components/Mono";
import { PageHeader } from "../components/PageHeader";
import { TokenDialogs, useTokenCreate } from "../components/token-create";
import { expiresColumn, RevokeButton, TokenState } from "../components/tokens";
import { useApi } from "../components/use-api";
import { useAction } from "../components/use-submit";
import { formatDate } from "../i18n/format";

export default function ApiTokens() {
  const { t } = useTranslation();
  const list = useApi((signal) => api.get("/api/v1/tokens", { signal }), []);
  const action = useAction(list.reload);
  const create = useTokenCreate<{ name: string; role: Role; ttl?: string }>({
    send: (v) =>
      api.post<CreatedApiToken>("/api/v1/tokens", {
        name: v.name,
        role: v.role,
        ...(v.ttl ? { ttl: v.ttl } : {}),
      }),
    fields: ["name", "role", "ttl"],
    defaults: { role: "viewer", ttl: "90d" },
    onCreated: list.reload,
  });

  return (
    <>
      <PageHeader
        title={t("apiTokens.title")}
        sub={t("apiTokens.sub")}
        create={{ label: t("apiTokens.create"), onClick: create.start }}
      />
      <ListTable<ApiToken>
        list={list}
        error={action.error}
        empty={t("apiTokens.empty")}
        rowKey="id"
        columns={[
          { title: t("common.name"), dataIndex: "name" },
          { title: "ID", dataIndex: "id", render: (v: string) => <Mono value={v} /> },
          { title: t("users.role"), dataIndex: "role", render: (r: Role) => <Tag>{t(`roles.${r}`)}</Tag> },
          { title: t("joinTokens.createdBy"), dataIndex: "createdBy" },
          expiresColumn(t),
          {
            title: t("apiTokens.lastUsed"),
            dataIndex: "lastUsedAt",
            render: (v: string | null) => formatDate(v),
          },
          {
            title: t("nodes.state"),
            key: "state",
            render: (_, k) => <TokenState revoked={Boolean(k.revokedAt)} />,
          },
          {
            title: t("common.actions"),
            key: "actions",
            render: (_, k) => (
              <RevokeButton
                revoked={Boolean(k.revokedAt)}
                onConfirm={() =>
                  action.run(() => api.del(`/api/v1/tokens/${k.id}`), t("joinTokens.revokedMsg"))
                }
              />
            ),
          },
        ]}
      />
      <TokenDialogs create={create} title={t("apiTokens.create")} createdTitle={t("apiTokens.created")}>
        <Field.Name existing={false} placeholder="ci-deploy" />
        <Field.UserRole />
        <Form.Item name="ttl" label={t("joinTokens.ttl")} extra={t("apiTokens.ttlHelp")}>
          <Input placeholder="90d" />
        </Form.Item>
      </TokenDialogs>
    </>
  );
}
