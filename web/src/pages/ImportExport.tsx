/**
 * Import and export: YAML documents or a CSV node list, checked first (dry
 * run: the plan, or every problem with its line), then applied all or
 * nothing; and downloads of the whole intent as YAML or the nodes as CSV.
 */
import { CheckOutlined, DownloadOutlined, UploadOutlined } from "@ant-design/icons";
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Flex,
  Input,
  Radio,
  Row,
  Space,
  Table,
  Tag,
  Typography,
  Upload,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, download } from "../api/client";
import type { ApplyPlan, Issue } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { useCanWrite } from "../session";

type Plan = ApplyPlan & { resources: number };
const CSV_EXAMPLE =
  "name,network,role,endpoint,subnets,hubs,labels\nbranch-muc,corp,spoke,,10.31.0.0/24,hub-fra,tier=branch city=munich\n";

export default function ImportExport() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const canWrite = useCanWrite();
  const [format, setFormat] = useState<"yaml" | "csv">("csv");
  const [text, setText] = useState("");
  const [plan, setPlan] = useState<Plan>();
  const [issues, setIssues] = useState<Issue[]>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const run = async (dryRun: boolean) => {
    setBusy(true);
    setError(undefined);
    setIssues(undefined);
    setPlan(undefined);
    try {
      const r = await api.post<Plan>(
        "/api/v1/import",
        { format, text },
        { query: { dryRun: dryRun ? "true" : undefined } },
      );
      setPlan(r);
      if (!dryRun) message.success(t("importExport.imported", { count: r.changes.length }));
    } catch (e) {
      if (e instanceof ApiError && e.issues.length > 0) setIssues([...e.issues]);
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const exportAll = async (what: "yaml" | "csv") => {
    setError(undefined);
    try {
      const body = await api.get(what === "yaml" ? "/api/v1/export" : "/api/v1/export/nodes.csv");
      download(
        what === "yaml" ? "hubwire-intent.yaml" : "hubwire-nodes.csv",
        body,
        what === "yaml" ? "application/yaml" : "text/csv",
      );
    } catch (e) {
      setError(e);
    }
  };
  const lineOf = (i: Issue) => Number(/^line (\d+)$/.exec(i.source ?? "")?.[1] ?? Number.NaN);

  return (
    <>
      <PageHeader title={t("importExport.title")} sub={t("importExport.sub")} />
      <Row gutter={[16, 16]}>
        {canWrite ? (
          <Col xs={24} xl={16}>
            <Card title={<h2 className="card-title">{t("importExport.import")}</h2>}>
              <Flex gap={12} align="center" wrap style={{ marginBottom: 12 }}>
                <Radio.Group
                  aria-label={t("importExport.format")}
                  value={format}
                  onChange={(e) => setFormat(e.target.value)}
                  optionType="button"
                  options={[
                    { value: "csv", label: t("importExport.csv") },
                    { value: "yaml", label: "YAML" },
                  ]}
                />
                <Upload
                  accept=".csv,.yaml,.yml,.json,text/csv,application/yaml"
                  showUploadList={false}
                  beforeUpload={(file) => {
                    void file.text().then((s) => {
                      setText(s);
                      setFormat(/\.csv$/i.test(file.name) ? "csv" : "yaml");
                    });
                    return false;
                  }}
                >
                  <Button icon={<UploadOutlined />}>{t("importExport.openFile")}</Button>
                </Upload>
                <Button
                  type="link"
                  onClick={() => {
                    setFormat("csv");
                    setText(CSV_EXAMPLE);
                  }}
                >
                  {t("importExport.example")}
                </Button>
              </Flex>
              <Input.TextArea
                aria-label={t("importExport.text")}
                className="mono"
                value={text}
                onChange={(e) => setText(e.target.value)}
                rows={12}
                placeholder={format === "csv" ? CSV_EXAMPLE : "apiVersion: hubwire/v1\nkind: Node\n…"}
                style={{ fontSize: 13 }}
              />
              <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
                {format === "csv" ? t("importExport.csvHelp") : t("importExport.yamlHelp")}
              </Typography.Paragraph>
              <Space>
                <Button
                  icon={<CheckOutlined />}
                  onClick={() => void run(true)}
                  loading={busy}
                  disabled={!text.trim()}
                >
                  {t("importExport.check")}
                </Button>
                <Button type="primary" onClick={() => void run(false)} loading={busy} disabled={!text.trim()}>
                  {t("importExport.apply")}
                </Button>
              </Space>
            </Card>
          </Col>
        ) : null}
        <Col xs={24} xl={canWrite ? 8 : 24}>
          <Card title={<h2 className="card-title">{t("importExport.export")}</h2>}>
            <Typography.Paragraph type="secondary">{t("importExport.exportHelp")}</Typography.Paragraph>
            <Space direction="vertical">
              <Button icon={<DownloadOutlined />} onClick={() => void exportAll("yaml")}>
                {t("importExport.exportYaml")}
              </Button>
              <Button icon={<DownloadOutlined />} onClick={() => void exportAll("csv")}>
                {t("importExport.exportCsv")}
              </Button>
            </Space>
          </Card>
        </Col>
      </Row>
      <div style={{ marginTop: 16 }} aria-live="polite">
        {issues ? (
          <Card
            title={<h2 className="card-title">{t("importExport.problems", { count: issues.length })}</h2>}
          >
            <Table<Issue>
              size="small"
              data-testid="import-issues"
              rowKey={(_, i) => String(i)}
              pagination={false}
              dataSource={[...issues].sort((a, b) => (lineOf(a) || 0) - (lineOf(b) || 0))}
              columns={[
                {
                  title: t("importExport.line"),
                  key: "line",
                  width: 80,
                  render: (_, i) => (Number.isNaN(lineOf(i)) ? "—" : lineOf(i)),
                },
                {
                  title: t("audit.resource"),
                  key: "res",
                  render: (_, i) => <span className="mono">{`${i.kind}/${i.name}`}</span>,
                },
                {
                  title: t("importExport.field"),
                  dataIndex: "path",
                  render: (p: string) => <span className="mono">{p || "—"}</span>,
                },
                { title: t("importExport.problem"), dataIndex: "message" },
                { title: t("importExport.code"), dataIndex: "code", render: (c: string) => <Tag>{c}</Tag> },
              ]}
            />
          </Card>
        ) : (
          <ErrorAlert error={error} />
        )}
        {plan ? (
          <Card
            title={
              <h2 className="card-title">
                {plan.dryRun ? t("importExport.planTitle") : t("importExport.doneTitle")}
              </h2>
            }
          >
            <Alert
              type={plan.changes.length === 0 ? "info" : "success"}
              showIcon
              style={{ marginBottom: 12 }}
              title={t(plan.dryRun ? "importExport.planSummary" : "importExport.doneSummary", {
                resources: plan.resources,
                changes: plan.changes.length,
                nodes: plan.nodes.length,
              })}
            />
            <Table
              size="small"
              rowKey={(c) => `${c.kind}/${c.name}`}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              dataSource={plan.changes}
              columns={[
                {
                  title: t("importExport.op"),
                  dataIndex: "op",
                  render: (o: string) => (
                    <Tag color={o === "add" ? "green" : o === "remove" ? "red" : "blue"}>
                      {t(`importExport.ops.${o as "add"}`)}
                    </Tag>
                  ),
                },
                {
                  title: t("audit.resource"),
                  key: "res",
                  render: (_, c) => <span className="mono">{`${c.kind}/${c.name}`}</span>,
                },
                {
                  title: t("importExport.fields"),
                  key: "f",
                  render: (_, c) => c.fields.map((f) => `${f.path}: ${f.from} → ${f.to}`).join("; "),
                },
              ]}
            />
          </Card>
        ) : null}
      </div>
    </>
  );
}
