/**
 * Join tokens: create one for an enrollment policy with a lifetime and a use
 * limit, see it once (with a copy button), revoke it. Controllers without
 * join tokens show an empty state.
 */
import { PlusOutlined } from "@ant-design/icons";
import { App, Button, Form, Input, InputNumber, Modal, Select, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, isMissingRoute } from "../api/client";
import type { CreatedJoinToken, GetResult, Issue, JoinToken } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorAlert } from "../components/ErrorAlert";
import { clearIssues, showIssues } from "../components/form-errors";
import { Missing } from "../components/Missing";
import { PageHeader } from "../components/PageHeader";
import { SecretOnce } from "../components/SecretOnce";
import { useApi } from "../components/use-api";
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
  const { message } = App.useApp();
  const canWrite = useCanWrite();
  const list = useApi(
    (signal) => api.get<GetResult<"/api/v1/join-tokens">>("/api/v1/join-tokens", { signal }),
    [],
  );
  const policies = useApi(
    (signal) =>
      api.get<GetResult<"/api/v1/enrollment-policies">>("/api/v1/enrollment-policies", {
        query: { limit: 1000 },
        signal,
      }),
    [],
  );
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<CreateForm>();
  const [rest, setRest] = useState<{ error: unknown; issues: Issue[] }>();
  const [token, setToken] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const create = async () => {
    const v = await form.validateFields();
    setBusy(true);
    clearIssues(form);
    setRest(undefined);
    try {
      const r = await api.post<CreatedJoinToken>("/api/v1/join-tokens", {
        policy: v.policy,
        ...(v.ttl ? { ttl: v.ttl.trim() } : {}),
        ...(v.uses ? { uses: v.uses } : {}),
      });
      setCreating(false);
      setToken(r.token);
      list.reload();
    } catch (e) {
      const left = showIssues(form, e, (p) =>
        ["policy", "ttl", "uses"].includes(String(p[0])) ? [String(p[0])] : undefined,
      );
      // A controller without an enrollment listener refuses (400) to make tokens nodes could not
      // use: say what to do in the user's language (the code stays in the alert's title).
      const noListener =
        e instanceof ApiError && e.code === "bad-request" && /--enroll-listen/.test(e.message);
      setRest({
        error: noListener ? new ApiError(e.status, e.code, t("joinTokens.noListener")) : e,
        issues: left,
      });
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (id: string) => {
    try {
      await api.post(`/api/v1/join-tokens/${id}/revoke`);
      message.success(t("joinTokens.revokedMsg"));
      list.reload();
    } catch (e) {
      setError(e);
    }
  };

  const state = (j: JoinToken) => {
    if (j.revokedAt) return <Tag color="red">{t("joinTokens.revoked")}</Tag>;
    if (j.expiresAt && new Date(j.expiresAt) < new Date()) return <Tag>{t("joinTokens.expired")}</Tag>;
    if (j.maxUses !== null && j.uses >= j.maxUses) return <Tag>{t("joinTokens.usedUp")}</Tag>;
    return <Tag color="green">{t("joinTokens.active")}</Tag>;
  };

  return (
    <>
      <PageHeader
        title={t("joinTokens.title")}
        sub={t("joinTokens.sub")}
        extra={
          canWrite && !list.missing ? (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => {
                form.resetFields();
                setRest(undefined);
                form.setFieldsValue({ ttl: "24h", uses: 1 });
                setCreating(true);
              }}
            >
              {t("joinTokens.create")}
            </Button>
          ) : null
        }
      />
      {list.missing ? (
        <Missing what={t("joinTokens.title")} />
      ) : (
        <>
          {isMissingRoute(list.error) ? null : <ErrorAlert error={list.error} />}
          <ErrorAlert error={error} />
          <Table<JoinToken>
            rowKey="id"
            loading={list.loading}
            dataSource={list.data?.items ?? []}
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            locale={{ emptyText: t("joinTokens.empty") }}
            columns={[
              { title: "ID", dataIndex: "id", render: (v: string) => <span className="mono">{v}</span> },
              { title: t("enrollments.policy"), dataIndex: "policy" },
              { title: t("nodes.state"), key: "state", render: (_, j) => state(j) },
              {
                title: t("joinTokens.uses"),
                key: "uses",
                render: (_, j) =>
                  `${formatNumber(j.uses)} / ${j.maxUses === null ? "∞" : formatNumber(j.maxUses)}`,
              },
              {
                title: t("joinTokens.expires"),
                dataIndex: "expiresAt",
                render: (v: string | null) => (v ? formatDate(v) : t("joinTokens.never")),
              },
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
                      render: (_: unknown, j: JoinToken) =>
                        j.revokedAt ? null : (
                          <ConfirmButton
                            question={t("joinTokens.confirmRevoke")}
                            label={t("joinTokens.revoke")}
                            onConfirm={() => revoke(j.id)}
                          />
                        ),
                    },
                  ]
                : []),
            ]}
          />
        </>
      )}
      <Modal
        open={creating}
        title={t("joinTokens.create")}
        onCancel={() => setCreating(false)}
        onOk={() => void create()}
        okText={t("joinTokens.createOk")}
        cancelText={t("common.cancel")}
        confirmLoading={busy}
        destroyOnHidden
      >
        {rest ? <ErrorAlert error={rest.error} issues={rest.issues} /> : null}
        <Form form={form} layout="vertical">
          <Form.Item
            name="policy"
            label={t("enrollments.policy")}
            rules={[{ required: true, message: t("common.required") }]}
          >
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
        </Form>
      </Modal>
      <SecretOnce title={t("joinTokens.created")} secret={token} onClose={() => setToken(undefined)}>
        {token ? <InstallCommands token={token} /> : null}
      </SecretOnce>
    </>
  );
}
