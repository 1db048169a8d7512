/**
 * The enrollment queue: requests by state, every field the controller checked,
 * approve, or reject with a reason (the reason is required and its error is
 * shown under the field); reset a rejected, revoked or expired one (after a
 * confirmation) so the name may enroll again.
 */
import { CheckOutlined, CloseOutlined, UndoOutlined } from "@ant-design/icons";
import {
  App,
  Button,
  Descriptions,
  Form,
  Input,
  Modal,
  Popconfirm,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, isMissingRoute } from "../api/client";
import type { Enrollment, EnrollmentStatus, GetResult } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { showIssues } from "../components/form-errors";
import { PageHeader } from "../components/PageHeader";
import { useApi } from "../components/use-api";
import { formatDate } from "../i18n/format";
import { useCanWrite } from "../session";

const STATES = ["Pending", "Approved", "Rejected", "Revoked", "Expired"] as const;
type State = (typeof STATES)[number];
/** Final states an operator may reset (POST /api/v1/enrollments/{name}/reset). */
const RESETTABLE: readonly string[] = ["Rejected", "Revoked", "Expired"];

const statusOf = (e: Enrollment) => (e.status ?? {}) as EnrollmentStatus;

function StateBadge({ state }: { state: string | undefined }) {
  const { t } = useTranslation();
  const color =
    state === "Approved"
      ? "green"
      : state === "Pending"
        ? "gold"
        : state === "Rejected" || state === "Revoked"
          ? "red"
          : undefined;
  return <Tag color={color}>{t(`enrollments.states.${(state ?? "Pending") as State}`)}</Tag>;
}

function Checked({ e }: { e: Enrollment }) {
  const { t } = useTranslation();
  const s = e.spec;
  const st = statusOf(e);
  const checks = st.checks ?? [];
  return (
    <Descriptions size="small" column={{ xs: 1, md: 2 }} bordered>
      <Descriptions.Item label={t("enrollments.nodeName")}>{s.nodeName}</Descriptions.Item>
      <Descriptions.Item label={t("enrollments.policy")}>{s.policy}</Descriptions.Item>
      <Descriptions.Item label={t("nodes.network")}>{s.network}</Descriptions.Item>
      <Descriptions.Item label={t("nodes.role")}>{t(`roles.node.${s.role}`)}</Descriptions.Item>
      <Descriptions.Item label={t("nodes.tunnelAddress")}>
        <span className="mono">
          {s.tunnelAddress ?? st.tunnelAddress ?? t("enrollments.allocated")}
          {s.tunnelAddress === undefined && st.tunnelAddress ? ` (${t("enrollments.allocated")})` : null}
        </span>
      </Descriptions.Item>
      <Descriptions.Item label={t("nodes.endpoint")}>
        <span className="mono">{s.endpoint ?? t("nodes.behindNat")}</span>
      </Descriptions.Item>
      <Descriptions.Item label={t("nodes.subnets")}>
        <span className="mono">{(s.subnets ?? []).join(", ") || "—"}</span>
      </Descriptions.Item>
      <Descriptions.Item label={t("nodes.listenPort")}>{s.listenPort ?? "—"}</Descriptions.Item>
      <Descriptions.Item label={t("nodes.publicKey")}>
        <span className="mono">{s.publicKey}</span>
      </Descriptions.Item>
      <Descriptions.Item label={t("networks.keepalive")}>{s.persistentKeepalive ?? "—"}</Descriptions.Item>
      <Descriptions.Item label={t("enrollments.audience")}>
        <span className="mono">{s.audience}</span>
      </Descriptions.Item>
      <Descriptions.Item label={t("enrollments.requestedAt")}>{formatDate(s.timestamp)}</Descriptions.Item>
      <Descriptions.Item label={t("enrollments.nonce")}>
        <span className="mono">{s.nonce}</span>
      </Descriptions.Item>
      {st.expiresAt ? (
        <Descriptions.Item label={t("enrollments.expiresAt")}>{formatDate(st.expiresAt)}</Descriptions.Item>
      ) : null}
      {st.decidedBy ? (
        <Descriptions.Item
          label={t("enrollments.decidedBy")}
        >{`${st.decidedBy} · ${formatDate(st.decidedAt)}`}</Descriptions.Item>
      ) : null}
      {st.reason ? <Descriptions.Item label={t("common.reason")}>{st.reason}</Descriptions.Item> : null}
      <Descriptions.Item label={t("enrollments.checks")} span={2}>
        {checks.length === 0 ? (
          t("enrollments.noChecks")
        ) : (
          // The controller records the checks a request passed; a failed one refuses it outright.
          <Space size={[4, 4]} wrap aria-label={t("enrollments.passed")}>
            {checks.map((c) => (
              <Tag key={c} color="green" className="mono">
                {c}
              </Tag>
            ))}
          </Space>
        )}
      </Descriptions.Item>
    </Descriptions>
  );
}

export default function Enrollments() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const canWrite = useCanWrite();
  const [state, setState] = useState<State | "all">("Pending");
  const list = useApi(
    (signal) =>
      api.get<GetResult<"/api/v1/enrollments">>("/api/v1/enrollments", {
        query: { state: state === "all" ? undefined : state, limit: 1000 },
        signal,
      }),
    [state],
  );
  const [rejecting, setRejecting] = useState<string>();
  const [form] = Form.useForm<{ reason: string }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();

  const notAvailable = (e: unknown) =>
    isMissingRoute(e) ? new Error(t("common.notAvailable", { what: t("enrollments.decisions") })) : e;
  const approve = async (name: string) => {
    setBusy(name);
    setError(undefined);
    try {
      await api.post(`/api/v1/enrollments/${name}/approve`);
      message.success(t("enrollments.approvedMsg", { name }));
      list.reload();
    } catch (e) {
      setError(notAvailable(e));
    } finally {
      setBusy(undefined);
    }
  };
  const reset = async (name: string) => {
    setBusy(name);
    setError(undefined);
    try {
      await api.post(`/api/v1/enrollments/${name}/reset`);
      message.success(t("enrollments.resetMsg", { name }));
      list.reload();
    } catch (e) {
      setError(notAvailable(e));
    } finally {
      setBusy(undefined);
    }
  };
  const reject = async () => {
    const { reason } = await form.validateFields();
    try {
      await api.post(`/api/v1/enrollments/${rejecting}/reject`, { reason });
      message.success(t("enrollments.rejectedMsg", { name: rejecting }));
      setRejecting(undefined);
      list.reload();
    } catch (e) {
      if (e instanceof ApiError && e.issues.length > 0) showIssues(form, e, () => ["reason"]);
      else form.setFields([{ name: "reason", errors: [String((notAvailable(e) as Error).message)] }]);
    }
  };

  return (
    <>
      <PageHeader title={t("enrollments.title")} sub={t("enrollments.sub")} />
      <Tabs
        activeKey={state}
        onChange={(k) => setState(k as State)}
        items={[
          ...STATES.map((s) => ({ key: s, label: t(`enrollments.states.${s}`) })),
          { key: "all", label: t("common.all") },
        ]}
      />
      <ErrorAlert error={list.error} />
      <ErrorAlert error={error} />
      <Table<Enrollment>
        rowKey={(e) => e.metadata.name}
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        locale={{ emptyText: state === "Pending" ? t("enrollments.emptyPending") : t("enrollments.empty") }}
        expandable={{ expandedRowRender: (e) => <Checked e={e} />, rowExpandable: () => true }}
        columns={[
          { title: t("common.name"), render: (_, e) => e.metadata.name },
          { title: t("enrollments.policy"), render: (_, e) => e.spec.policy },
          { title: t("nodes.network"), render: (_, e) => e.spec.network },
          { title: t("nodes.role"), render: (_, e) => t(`roles.node.${e.spec.role}`) },
          { title: t("enrollments.requestedAt"), render: (_, e) => formatDate(e.spec.timestamp) },
          { title: t("nodes.state"), render: (_, e) => <StateBadge state={statusOf(e).state} /> },
          ...(canWrite
            ? [
                {
                  title: t("common.actions"),
                  key: "actions",
                  render: (_: unknown, e: Enrollment) =>
                    (statusOf(e).state ?? "Pending") === "Pending" ? (
                      <Space>
                        <Button
                          size="small"
                          type="primary"
                          icon={<CheckOutlined />}
                          loading={busy === e.metadata.name}
                          onClick={() => void approve(e.metadata.name)}
                        >
                          {t("enrollments.approve")}
                        </Button>
                        <Button
                          size="small"
                          danger
                          icon={<CloseOutlined />}
                          onClick={() => {
                            form.resetFields();
                            setRejecting(e.metadata.name);
                          }}
                        >
                          {t("enrollments.reject")}
                        </Button>
                      </Space>
                    ) : RESETTABLE.includes(statusOf(e).state ?? "") ? (
                      <Popconfirm
                        title={t("enrollments.resetTitle", { name: e.metadata.name })}
                        description={t("enrollments.resetHelp")}
                        okText={t("enrollments.reset")}
                        cancelText={t("common.cancel")}
                        onConfirm={() => void reset(e.metadata.name)}
                      >
                        <Button size="small" icon={<UndoOutlined />} loading={busy === e.metadata.name}>
                          {t("enrollments.reset")}
                        </Button>
                      </Popconfirm>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={rejecting !== undefined}
        title={t("enrollments.rejectTitle", { name: rejecting })}
        onCancel={() => setRejecting(undefined)}
        onOk={() => void reject()}
        okText={t("enrollments.reject")}
        okButtonProps={{ danger: true }}
        cancelText={t("common.cancel")}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t("enrollments.rejectHelp")}</Typography.Paragraph>
        <Form form={form} layout="vertical">
          <Form.Item
            name="reason"
            label={t("common.reason")}
            rules={[{ required: true, whitespace: true, message: t("enrollments.reasonRequired") }]}
          >
            <Input.TextArea rows={3} maxLength={500} showCount />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
