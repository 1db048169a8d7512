/**
 * The audit log: filter by who, what and when, page back in time, export as JSON lines. The
 * entries of one change (an apply of many resources, an import, a restore) share a revision and
 * show as one row that expands to them; the API's `group=revision` keeps a change on one page.
 */
import { DownloadOutlined } from "@ant-design/icons";
import { Button, DatePicker, Flex, InputNumber, Table, Tag, Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import type { Dayjs } from "dayjs";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, download } from "../api/client";
import type { AuditEntry } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { FilterSelect, FilterText } from "../components/filters";
import { Mono } from "../components/Mono";
import { PageHeader } from "../components/PageHeader";
import { useApi } from "../components/use-api";
import { actionLabel } from "../i18n/actions";
import { en } from "../i18n/en";
import { formatDate } from "../i18n/format";

interface Filters {
  actor?: string;
  action?: string;
  kind?: string;
  name?: string;
  since?: string;
  until?: string;
  revision?: number;
}

/** A row of the table: one entry, or the entries of one change (newest first). */
interface Row {
  key: string;
  entry: AuditEntry;
  group?: AuditEntry[];
}

/** Consecutive entries of the same revision become one row; entries without one stay alone. */
export function groupRows(items: readonly AuditEntry[]): Row[] {
  const rows: Row[] = [];
  for (const e of items) {
    const last = rows[rows.length - 1];
    if (last && e.revision !== null && last.entry.revision === e.revision) {
      last.group = [...(last.group ?? [last.entry]), e];
      last.key = `revision-${e.revision}-${last.entry.id}`;
    } else rows.push({ key: String(e.id), entry: e });
  }
  return rows;
}

const actionTag = (t: ReturnType<typeof useTranslation>["t"], a: string, suffix = "") => (
  <Tag key={a} color={a === "delete" || a === "login-failed" ? "red" : a === "create" ? "green" : undefined}>
    {actionLabel(t, a)}
    {suffix}
  </Tag>
);

/** Every action code the controller writes, in the dictionaries' order (labels in the user's language). */
const ACTIONS = Object.keys(en.audit.actions);

const KINDS = [
  "Network",
  "Node",
  "EnrollmentPolicy",
  "Enrollment",
  "AccessPolicy",
  "PeerOverride",
  "User",
  "ApiToken",
];

export default function Audit() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<Filters>({});
  const [draft, setDraft] = useState<Filters>({});
  const [cursors, setCursors] = useState<Array<number | undefined>>([undefined]);
  const before = cursors[cursors.length - 1];
  const page = useApi(
    (signal) =>
      api.get("/api/v1/audit", {
        query: { ...filters, limit: 50, before, group: "revision" },
        signal,
      }),
    [filters, before],
  );
  const [exportError, setExportError] = useState<unknown>();
  const apply = () => {
    setFilters(draft);
    setCursors([undefined]);
  };
  const exportLines = async () => {
    setExportError(undefined);
    try {
      const text = await api.get("/api/v1/audit/export", { query: { ...filters } });
      download("hubwire-audit.jsonl", text, "application/x-ndjson");
    } catch (e) {
      setExportError(e);
    }
  };
  const range = (v: [Dayjs | null, Dayjs | null] | null) =>
    setDraft((d) => ({ ...d, since: v?.[0]?.toDate().toISOString(), until: v?.[1]?.toDate().toISOString() }));

  const entryColumns: ColumnsType<AuditEntry> = [
    { title: t("audit.at"), dataIndex: "at", render: (v: string) => formatDate(v), width: 200 },
    { title: t("audit.action"), dataIndex: "action", render: (a: string) => actionTag(t, a) },
    { title: t("audit.resource"), key: "res", render: (_, e) => resourceOf(e) },
  ];

  return (
    <>
      <PageHeader
        title={t("audit.title")}
        sub={t("audit.sub")}
        extra={
          <Button icon={<DownloadOutlined />} onClick={() => void exportLines()}>
            {t("audit.export")}
          </Button>
        }
      />
      <Flex gap={12} wrap style={{ marginBottom: 16 }} role="search" aria-label={t("audit.filters")}>
        <FilterText
          label={t("audit.actor")}
          placeholder={t("audit.actorPlaceholder")}
          width={180}
          value={draft.actor}
          onChange={(v) => setDraft({ ...draft, actor: v || undefined })}
          onEnter={apply}
        />
        <FilterSelect
          label={t("audit.action")}
          width={160}
          value={draft.action}
          onChange={(v) => setDraft({ ...draft, action: v })}
          options={ACTIONS.map((a) => ({ value: a, label: actionLabel(t, a) }))}
        />
        <FilterSelect
          label={t("audit.kind")}
          width={170}
          value={draft.kind}
          onChange={(v) => setDraft({ ...draft, kind: v })}
          options={KINDS.map((k) => ({ value: k, label: k }))}
        />
        <FilterText
          label={t("common.name")}
          width={160}
          value={draft.name}
          onChange={(v) => setDraft({ ...draft, name: v || undefined })}
          onEnter={apply}
        />
        <InputNumber
          aria-label={t("audit.revision")}
          placeholder={t("audit.revision")}
          min={0}
          precision={0}
          style={{ width: 120 }}
          value={draft.revision ?? null}
          onChange={(v) => setDraft({ ...draft, revision: typeof v === "number" ? v : undefined })}
          onPressEnter={apply}
        />
        <DatePicker.RangePicker
          showTime
          aria-label={t("audit.when")}
          onChange={(v) => range(v as [Dayjs | null, Dayjs | null] | null)}
        />
        <Button type="primary" onClick={apply}>
          {t("common.filter")}
        </Button>
      </Flex>
      <ErrorAlert error={page.error ?? exportError} />
      <Table<Row>
        rowKey="key"
        size="middle"
        loading={page.loading}
        dataSource={groupRows(page.data?.items ?? [])}
        pagination={false}
        locale={{ emptyText: t("audit.empty") }}
        onRow={(r) =>
          r.group
            ? {
                "aria-label": t("audit.groupLabel", { revision: r.entry.revision, count: r.group.length }),
                "data-revision": String(r.entry.revision),
              }
            : {}
        }
        expandable={{
          rowExpandable: (r) => r.group !== undefined || r.entry.before !== null || r.entry.after !== null,
          expandedRowRender: (r) =>
            r.group ? (
              <Table<AuditEntry>
                rowKey="id"
                size="small"
                dataSource={r.group}
                pagination={false}
                expandable={{
                  rowExpandable: (e) => e.before !== null || e.after !== null,
                  expandedRowRender: (e) => <BeforeAfter entry={e} />,
                }}
                columns={entryColumns}
              />
            ) : (
              <BeforeAfter entry={r.entry} />
            ),
        }}
        columns={[
          { title: t("audit.at"), key: "at", render: (_, r) => formatDate(r.entry.at), width: 200 },
          { title: t("audit.actor"), key: "actor", render: (_, r) => r.entry.actor },
          {
            title: t("audit.source"),
            key: "source",
            render: (_, r) => <Mono value={r.entry.source} empty="" />,
          },
          {
            title: t("audit.action"),
            key: "action",
            render: (_, r) => {
              if (!r.group) return actionTag(t, r.entry.action);
              const counts = new Map<string, number>();
              for (const e of r.group) counts.set(e.action, (counts.get(e.action) ?? 0) + 1);
              return <>{[...counts].map(([a, n]) => actionTag(t, a, ` ×${n}`))}</>;
            },
          },
          {
            title: t("audit.resource"),
            key: "res",
            render: (_, r): ReactNode =>
              r.group ? (
                <span>
                  {t("audit.changes", { count: r.group.length })}
                  {" · "}
                  {t("audit.revisionOf", { revision: r.entry.revision })}
                </span>
              ) : (
                resourceOf(r.entry)
              ),
          },
        ]}
      />
      <Flex justify="flex-end" gap={12} style={{ marginTop: 16 }}>
        <Button disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t("audit.newer")}
        </Button>
        <Button
          disabled={page.data?.next === undefined}
          onClick={() => setCursors((c) => [...c, page.data?.next])}
        >
          {t("audit.older")}
        </Button>
      </Flex>
    </>
  );
}

const resourceOf = (e: AuditEntry): ReactNode =>
  e.kind ? <span className="mono">{`${e.kind}/${e.name ?? ""}`}</span> : "—";

/** The resource before and after the change, side by side. */
function BeforeAfter({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  return (
    <Flex gap={16} wrap>
      {(["before", "after"] as const).map((k) => (
        <div key={k} style={{ flex: "1 1 380px", minWidth: 0 }}>
          <Typography.Text strong>{t(`audit.${k}`)}</Typography.Text>
          <pre
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
            tabIndex={0}
            className="mono"
            style={{
              background: "#f6f8fa",
              padding: 8,
              fontSize: 12,
              maxHeight: 320,
              overflow: "auto",
            }}
          >
            {entry[k] === null ? "—" : JSON.stringify(entry[k], null, 2)}
          </pre>
        </div>
      ))}
    </Flex>
  );
}
