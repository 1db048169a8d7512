/**
 * Join tokens: create one for an enrollment policy with a lifetime and a use
 * limit, see it once (with a copy button), revoke it.
 */
import { Form, Input, InputNumber, Select, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../api/client";
import type { CreatedJoinToken, JoinToken } from "../api/types";
import * as Field from "../components/form-fields";
import { ListTable } from "../components/ListTable";
import { Mono } from "../components/Mono";
import { PageHeader } from "../components/PageHeader";
import { TokenDialogs, useTokenCreate } from "../components/token-create";
import { expiresColumn, RevokeButton, TokenState } from "../components/tokens";
import { useApi } from "../components/use-api";
import { useAction } from "../components/use-submit";
import { formatDate, formatNumber } from "../i18n/format";
import { useCanWrite } from "../session";

/**
 * What to paste on the node: the token into a 0600 file (never argv), a key made there, then the
 * join or the agent. The node's name is the only thing to fill in.
 */
function InstallCommands({ token }: { token: string }) {
  const { t } = useTranslation();
  const text = [
    "umask 077",
    `printf '%s\n' '${token}' > token`,
    "npx hubwire keygen -o key",
    "npx hubwire join --token-file token --key-file key --name NODE-NAME --wait",
    "# or run the agent, which joins and then applies its configuration:",
    "sudo npx hubwire agent --name NODE-NAME --token-file token --state-dir /var/lib/hubwire/agent",
  ].join("\n");
  return (
    <>
      <Typography.Paragraph strong>{t("joinTokens.installTitle")}</Typography.Paragraph>
      <Typography.Paragraph type="secondary">{t("joinTokens.installHelp")}</Typography.Paragraph>
      <Typography.Paragraph
        copyable={{ text, tooltips: [t("common.copy"), t("common.copied")] }}
        style={{ marginBottom: 4 }}
      >
        <Typography.Text strong>{t("joinTokens.installCopy")}</Typography.Text>
      </Typography.Paragraph>
      <pre
        className="mono"
        data-testid="install-commands"
        style={{
          background: "#f6f8fa",
          padding: 12,
          borderRadius: 6,
          fontSize: 12,
          whiteSpace: "pre-wrap",
          wordBreak: "break-all",
        }}
      >
        {text}
      </pre>
    </>
  );
}

interface CreateForm {
  policy: string;
  ttl?: string;
  uses?: number;
}

export default function JoinTokens() {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const list = useApi((signal) => api.get("/api/v1/join-tokens", { signal }), []);
  const policies = useApi(
    (signal) => api.get("/api/v1/enrollment-policies", { query: { limit: 1000 }, signal }),
    [],
  );
  const action = useAction(list.reload);
  const required = Field.useRequired();
  const create = useTokenCreate<CreateForm>({
    send: (v) =>
      api
        .post<CreatedJoinToken>("/api/v1/join-tokens", {
          policy: v.policy,
          ...(v.ttl ? { ttl: v.ttl.trim() } : {}),
          ...(v.uses ? { uses: v.uses } : {}),
        })
        .catch((e: unknown) => {
          // A controller without an enrollment listener refuses (400) to make tokens nodes could not
          // use: say what to do in the user's language (the code stays in the alert's title).
          if (e instanceof ApiError && e.code === "bad-request" && /--enroll-listen/.test(e.message)) {
            throw new ApiError(e.status, e.code, t("joinTokens.noListener"), e.issues, true);
          }
          throw e;
        }),
    fields: ["policy", "ttl", "uses"],
    defaults: { ttl: "24h", uses: 1 },
    onCreated: list.reload,
  });

  const other = (j: JoinToken) =>
    j.expiresAt && new Date(j.expiresAt) < new Date()
      ? "expired"
      : j.maxUses !== null && j.uses >= j.maxUses
        ? "usedUp"
        : undefined;

  return (
    <>
      <PageHeader
        title={t("joinTokens.title")}
        sub={t("joinTokens.sub")}
        create={canWrite ? { label: t("joinTokens.create"), onClick: create.start } : undefined}
      />
      <ListTable<JoinToken>
        list={list}
        error={action.error}
        empty={t("joinTokens.empty")}
        rowKey="id"
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        columns={[
          { title: "ID", dataIndex: "id", render: (v: string) => <Mono value={v} /> },
          { title: t("enrollments.policy"), dataIndex: "policy" },
          {
            title: t("nodes.state"),
            key: "state",
            render: (_, j) => <TokenState revoked={Boolean(j.revokedAt)} other={other(j)} />,
          },
          {
            title: t("joinTokens.uses"),
            key: "uses",
            render: (_, j) =>
              `${formatNumber(j.uses)} / ${j.maxUses === null ? "∞" : formatNumber(j.maxUses)}`,
          },
          expiresColumn(t),
          { title: t("joinTokens.createdBy"), dataIndex: "createdBy" },
          {
            title: t("joinTokens.createdAt"),
            dataIndex: "createdAt",
            render: (v: string) => formatDate(v),
          },
          ...(canWrite
            ? [
                {
                  title: t("common.actions"),
                  key: "actions",
                  render: (_: unknown, j: JoinToken) => (
                    <RevokeButton
                      revoked={Boolean(j.revokedAt)}
                      onConfirm={() =>
                        action.run(
                          () => api.post(`/api/v1/join-tokens/${j.id}/revoke`),
                          t("joinTokens.revokedMsg"),
                        )
                      }
                    />
                  ),
                },
              ]
            : []),
        ]}
      />
      <TokenDialogs
        create={create}
        title={t("joinTokens.create")}
        createdTitle={t("joinTokens.created")}
        shown={(token) => <InstallCommands token={token} />}
      >
        <Form.Item name="policy" label={t("enrollments.policy")} rules={required}>
          <Select
            showSearch
            notFoundContent={t("joinTokens.noPolicies")}
            options={(policies.data?.items ?? []).map((p) => ({
              value: p.metadata.name,
              label: `${p.metadata.name} (${p.spec.network})`,
            }))}
          />
        </Form.Item>
        <Form.Item name="ttl" label={t("joinTokens.ttl")} extra={t("joinTokens.ttlHelp")}>
          <Input placeholder="24h" />
        </Form.Item>
        <Form.Item name="uses" label={t("joinTokens.maxUses")} extra={t("joinTokens.maxUsesHelp")}>
          <InputNumber min={1} max={100000} style={{ width: "100%" }} />
        </Form.Item>
      </TokenDialogs>
    </>
  );
}
