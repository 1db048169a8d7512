/**
 * The enrollment queue: requests by state, every field the controller checked,
 * approve (one, or the selected ones at once), or reject with a reason (the reason is required and its error is
 * shown under the field); reset a rejected, revoked or expired one (after a confirmation) so the
 * name may enroll again.
 */
import { CheckOutlined, CloseOutlined, UndoOutlined } from "@ant-design/icons";
import {
  Button,
  Descriptions,
  Flex,
  Form,
  Input,
  Popconfirm,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Enrollment, EnrollmentStatus } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { useApi } from "../components/use-api";
import { FormModal, useAction, useSubmit } from "../components/use-submit";
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
  const canWrite = useCanWrite();
  const [state, setState] = useState<State | "all">("Pending");
  const list = useApi(
    (signal) =>
      api.get("/api/v1/enrollments", {
        query: { state: state === "all" ? undefined : state, limit: 1000 },
        signal,
      }),
    [state],
  );
  const [rejecting, setRejecting] = useState<string>();
  const [form] = Form.useForm<{ reason: string }>();
  const [selected, setSelected] = useState<string[]>([]);
  const action = useAction(() => {
    setSelected([]);
    list.reload();
  });
  const pending = (e: Enrollment) => (statusOf(e).state ?? "Pending") === "Pending";
  // Approve the requests one by one; the first refusal stops and says why.
  const approveAll = (names: string[]) =>
    action.run(
      async () => {
        for (const name of names) await api.post(`/api/v1/enrollments/${name}/approve`);
      },
      names.length === 1
        ? t("enrollments.approvedMsg", { name: names[0] })
        : t("enrollments.approvedMany", { count: names.length }),
    );
  const reset = (name: string) =>
    action.run(() => api.post(`/api/v1/enrollments/${name}/reset`), t("enrollments.resetMsg", { name }));
  const reject = useSubmit(form, {
    send: ({ reason }) => api.post(`/api/v1/enrollments/${rejecting}/reject`, { reason }),
    fieldOf: () => ["reason"],
    success: t("enrollments.rejectedMsg", { name: rejecting }),
    onDone: () => {
      setRejecting(undefined);
      list.reload();
    },
  });

  return (
    <>
      <PageHeader title={t("enrollments.title")} sub={t("enrollments.sub")} />
      <Tabs
        activeKey={state}
        onChange={(k) => {
          setState(k as State);
          setSelected([]);
        }}
        items={[
          ...STATES.map((s) => ({ key: s, label: t(`enrollments.states.${s}`) })),
          { key: "all", label: t("common.all") },
        ]}
      />
      <ErrorAlert error={list.error ?? action.error} />
      {canWrite && state === "Pending" ? (
        <Flex gap={8} align="center" style={{ marginBottom: 12 }}>
          <Button
            type="primary"
            icon={<CheckOutlined />}
            disabled={selected.length === 0}
            loading={action.busy}
            onClick={() => void approveAll(selected)}
          >
            {t("enrollments.approveSelected", { count: selected.length })}
          </Button>
        </Flex>
      ) : null}
      <Table<Enrollment>
        rowKey={(e) => e.metadata.name}
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        locale={{ emptyText: state === "Pending" ? t("enrollments.emptyPending") : t("enrollments.empty") }}
        expandable={{ expandedRowRender: (e) => <Checked e={e} />, rowExpandable: () => true }}
        rowSelection={
          canWrite && state === "Pending"
            ? {
                selectedRowKeys: selected,
                onChange: (keys) => setSelected(keys.map(String)),
                getCheckboxProps: (e) => ({
                  disabled: !pending(e),
                  "aria-label": t("enrollments.select", { name: e.metadata.name }),
                }),
              }
            : undefined
        }
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
                    pending(e) ? (
                      <Space>
                        <Button
                          size="small"
                          type="primary"
                          icon={<CheckOutlined />}
                          onClick={() => void approveAll([e.metadata.name])}
                        >
                          {t("enrollments.approve")}
                        </Button>
                        <Button
                          size="small"
                          danger
                          icon={<CloseOutlined />}
                          onClick={() => {
                            form.resetFields();
                            reject.reset();
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
                        <Button size="small" icon={<UndoOutlined />}>
                          {t("enrollments.reset")}
                        </Button>
                      </Popconfirm>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
      <FormModal
        submit={reject}
        open={rejecting !== undefined}
        title={t("enrollments.rejectTitle", { name: rejecting })}
        onCancel={() => setRejecting(undefined)}
        okText={t("enrollments.reject")}
        okButtonProps={{ danger: true }}
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
      </FormModal>
    </>
  );
}
