/**
 * One node: its intent (addresses, subnets, hubs, labels, key), its live
 * status, its peers (configured, then with handshake age and traffic as
 * reported), its compiled interfaces, routes and firewall rules, a traffic
 * chart, and for external peers the wg-quick file with its QR code.
 */
import { ArrowLeftOutlined } from "@ant-design/icons";
import { Button, Card, Col, Descriptions, Empty, Input, Modal, Row, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { EnrollmentStatus } from "../api/types";
import { CompiledConfig } from "../components/CompiledConfig";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorAlert } from "../components/ErrorAlert";
import { ExternalPeer } from "../components/ExternalPeer";
import { HubLinks } from "../components/HubLinks";
import { NodeForm } from "../components/NodeForm";
import { NodePeers } from "../components/NodePeers";
import { PageHeader } from "../components/PageHeader";
import { useRates } from "../components/rates";
import { RevisionState, RoleTag, StateTag } from "../components/StateTag";
import { TrafficChart } from "../components/TrafficChart";
import { useApi, useLive } from "../components/use-api";
import { useAction } from "../components/use-submit";
import { formatBitRate, formatBytes, formatDate, formatNumber } from "../i18n/format";
import { useCanWrite } from "../session";

export default function NodeDetail() {
  const { name = "" } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const canWrite = useCanWrite();
  const node = useLive((signal) => api.get("/api/v1/nodes/{name}", { params: { name }, signal }), [name]);
  const status = useLive(
    (signal) => api.get("/api/v1/node-status/{name}", { params: { name }, signal }),
    [name],
  );
  const compiled = useLive(
    (signal) => api.get("/api/v1/nodes/{name}/compiled", { params: { name }, signal }),
    [name],
  );
  // Revoke is offered only for a node that joined by enrollment: a node declared in YAML with its
  // own key has no credential to revoke (the API refuses it).
  const enrollment = useApi(
    (signal) => api.get("/api/v1/enrollments/{name}", { params: { name }, signal }),
    [name, node.data],
  );
  const enrollmentState = (enrollment.data?.status as EnrollmentStatus | undefined)?.state;
  const revocable = enrollmentState === "Approved" || enrollmentState === "Pending";
  const [editing, setEditing] = useState(false);
  const [revoking, setRevoking] = useState(false);
  const [reason, setReason] = useState("");
  const n = node.data;
  const s = status.data;
  const rate = useRates(
    new Map(s?.lastSeenAt ? [[name, { rxBytes: s.rxBytes, txBytes: s.txBytes, at: s.lastSeenAt }]] : []),
  ).get(name);

  const action = useAction();
  const remove = () =>
    action.run(async () => {
      await api.del(`/api/v1/nodes/${name}`);
      navigate("/nodes");
    }, t("common.deleted"));
  const revoke = async () => {
    setRevoking(false);
    await action.run(
      () => api.post(`/api/v1/nodes/${name}/revoke`, reason ? { reason } : {}),
      t("nodes.revoked"),
    );
    node.reload();
  };

  return (
    <>
      <PageHeader
        title={name}
        sub={
          <Link to="/nodes">
            <ArrowLeftOutlined /> {t("nodes.back")}
          </Link>
        }
        extra={
          canWrite && n ? (
            <>
              <Button onClick={() => setEditing(true)}>{t("common.edit")}</Button>
              {revocable ? (
                <Button danger onClick={() => setRevoking(true)}>
                  {t("nodes.revoke")}
                </Button>
              ) : null}
              <ConfirmButton
                question={t("common.confirmDelete", { name })}
                label={t("common.delete")}
                onConfirm={() => remove()}
                primary
              />
            </>
          ) : null
        }
      />
      <ErrorAlert error={node.error} />
      <ErrorAlert error={action.error} />
      {n ? (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={14}>
            <Card title={<h2 className="card-title">{t("nodes.intent")}</h2>}>
              <Descriptions column={1} size="small" bordered>
                <Descriptions.Item label={t("nodes.network")}>{n.spec.network}</Descriptions.Item>
                <Descriptions.Item label={t("nodes.role")}>
                  <RoleTag role={n.spec.role} />
                </Descriptions.Item>
                <Descriptions.Item label={t("nodes.tunnelAddress")}>
                  <span className="mono">
                    {[n.spec.tunnelAddress, n.spec.tunnelAddress6].filter(Boolean).join(", ") || "—"}
                  </span>
                </Descriptions.Item>
                <Descriptions.Item label={t("nodes.endpoint")}>
                  <span className="mono">{n.spec.endpoint ?? t("nodes.behindNat")}</span>
                </Descriptions.Item>
                <Descriptions.Item label={t("nodes.listenPort")}>
                  {n.spec.listenPort ?? "—"}
                </Descriptions.Item>
                <Descriptions.Item label={t("nodes.subnets")}>
                  <span className="mono">{(n.spec.subnets ?? []).join(", ") || "—"}</span>
                </Descriptions.Item>
                <Descriptions.Item label={t("nodes.hubs")}>
                  <Space wrap>
                    {(n.spec.hubs ?? []).length === 0
                      ? "—"
                      : (n.spec.hubs ?? []).map((h, i) => (
                          <Link key={h} to={`/nodes/${h}`}>
                            {`${i + 1}. ${h}`}
                          </Link>
                        ))}
                  </Space>
                </Descriptions.Item>
                <Descriptions.Item label={t("nodes.labels")}>
                  <Space size={[0, 4]} wrap>
                    {Object.entries(n.metadata.labels ?? {}).map(([k, v]) => (
                      <Tag key={k}>{`${k}=${v}`}</Tag>
                    ))}
                  </Space>
                </Descriptions.Item>
                <Descriptions.Item label={t("nodes.publicKey")}>
                  {n.spec.publicKey ? (
                    <Typography.Text
                      className="mono"
                      copyable={{ tooltips: [t("common.copy"), t("common.copied")] }}
                    >
                      {n.spec.publicKey}
                    </Typography.Text>
                  ) : (
                    t("nodes.noKey")
                  )}
                </Descriptions.Item>
                {n.spec.description ? (
                  <Descriptions.Item label={t("common.description")}>{n.spec.description}</Descriptions.Item>
                ) : null}
              </Descriptions>
            </Card>
          </Col>
          <Col xs={24} xl={10}>
            <Card title={<h2 className="card-title">{t("nodes.liveStatus")}</h2>}>
              {status.error ? (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("nodes.neverReported")} />
              ) : (
                <Descriptions column={1} size="small" bordered>
                  <Descriptions.Item label={t("nodes.state")}>
                    <StateTag online={s?.online} never={s?.lastSeenAt === null} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t("nodes.lastSeen")}>
                    {formatDate(s?.lastSeenAt)}
                  </Descriptions.Item>
                  {n.spec.role !== "hub" && (s?.links.length || s?.activeHub) ? (
                    <Descriptions.Item label={t("nodes.activeHub")}>
                      {s.activeHub ? (
                        <Link to={`/nodes/${s.activeHub}`} data-testid="active-hub">
                          {s.activeHub}
                        </Link>
                      ) : (
                        <Tag color="red" data-testid="active-hub">
                          {t("nodes.noUplinkUp")}
                        </Tag>
                      )}
                    </Descriptions.Item>
                  ) : null}
                  {n.spec.role === "hub" && s?.attachedSpokes !== null && s?.attachedSpokes !== undefined ? (
                    <Descriptions.Item label={t("nodes.attachedSpokes")}>
                      <span data-testid="attached-spokes">{formatNumber(s.attachedSpokes)}</span>
                    </Descriptions.Item>
                  ) : null}
                  {s?.links.length ? (
                    <Descriptions.Item label={t("nodes.failovers")}>
                      {formatNumber(s.failovers)}
                    </Descriptions.Item>
                  ) : null}
                  <Descriptions.Item label={t("nodes.agentVersion")}>
                    {s?.agentVersion ?? "—"}
                  </Descriptions.Item>
                  <Descriptions.Item label={t("nodes.revision")}>
                    <RevisionState status={s} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t("nodes.traffic")}>
                    {s ? `↓ ${formatBytes(s.rxBytes)} ↑ ${formatBytes(s.txBytes)}` : "—"}
                  </Descriptions.Item>
                  <Descriptions.Item label={t("nodes.rate")}>
                    <span data-testid="node-rate">
                      {rate
                        ? `↓ ${formatBitRate(rate.rxBps)} ↑ ${formatBitRate(rate.txBps)}`
                        : t("nodes.rateWaiting")}
                    </span>
                  </Descriptions.Item>
                  {s?.applyError ? (
                    <Descriptions.Item label={t("nodes.applyError")}>
                      <Typography.Text type="danger">{s.applyError}</Typography.Text>
                    </Descriptions.Item>
                  ) : null}
                </Descriptions>
              )}
            </Card>
          </Col>
          {n.spec.role !== "external" ? (
            <Col span={24}>
              <Card title={<h2 className="card-title">{t("nodes.hubLinks")}</h2>}>
                <HubLinks hubs={n.spec.role === "hub" ? [] : (n.spec.hubs ?? [])} status={s} />
              </Card>
            </Col>
          ) : null}
          <Col span={24}>
            <Card title={<h2 className="card-title">{t("nodes.peers")}</h2>}>
              <NodePeers compiled={compiled.data} reported={s?.peers ?? []} />
            </Card>
          </Col>
          <Col span={24}>
            <Card title={<h2 className="card-title">{t("nodes.compiled")}</h2>}>
              <CompiledConfig compiled={compiled.data} />
            </Card>
          </Col>
          <Col span={24}>
            <Card title={<h2 className="card-title">{t("nodes.rateChart")}</h2>}>
              {s?.history && s.history.length > 0 ? (
                <TrafficChart samples={s.history} />
              ) : (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("nodes.noHistory")} />
              )}
            </Card>
          </Col>
        </Row>
      ) : null}
      {n?.spec.role === "external" ? (
        <ExternalPeer
          name={name}
          hasKey={Boolean(n.spec.publicKey)}
          canWrite={canWrite}
          onKeyChanged={node.reload}
        />
      ) : null}
      {n ? (
        <NodeForm
          open={editing}
          existing={n}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            node.reload();
          }}
        />
      ) : null}
      <Modal
        open={revoking}
        title={t("nodes.revokeTitle", { name })}
        onCancel={() => setRevoking(false)}
        onOk={() => void revoke()}
        okText={t("nodes.revoke")}
        okButtonProps={{ danger: true }}
        cancelText={t("common.cancel")}
      >
        <Typography.Paragraph>{t("nodes.revokeHelp")}</Typography.Paragraph>
        <Input
          aria-label={t("common.reason")}
          placeholder={t("common.reason")}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </Modal>
    </>
  );
}
