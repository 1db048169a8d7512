/**
 * Nodes: a table that stays fast with 10,000 nodes because the server filters
 * and pages (network, role, labels; cursor pagination), merged with live
 * status from `GET /api/v1/node-status` where the controller has it. The
 * state filter (online/offline) lists from live status itself. The page shown
 * can be searched by name and sorted, and selected nodes deleted at once.
 */
import { ReloadOutlined } from "@ant-design/icons";
import { Button, Flex, Input, Select, Table, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { NodeResource, NodeRole, NodeStatusView } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorAlert } from "../components/ErrorAlert";
import { FilterSelect, FilterText } from "../components/filters";
import { optionsOf } from "../components/form-fields";
import { LabelTags } from "../components/LabelTags";
import { Mono } from "../components/Mono";
import { NodeForm } from "../components/NodeForm";
import { PageHeader } from "../components/PageHeader";
import { useRates } from "../components/rates";
import { RoleTag, StateTag } from "../components/StateTag";
import { useApi, useLive } from "../components/use-api";
import { useAction } from "../components/use-submit";
import { formatBitRate, formatBytes, formatDate } from "../i18n/format";
import { useCanWrite } from "../session";

interface Row {
  readonly name: string;
  readonly node?: NodeResource;
  readonly status?: NodeStatusView;
  readonly network: string;
  readonly role: string;
}

interface Filters {
  network?: string;
  role?: NodeRole;
  state?: "online" | "offline";
  labels: string[];
}

interface Page {
  rows: Row[];
  next?: string;
}

async function loadPage(
  f: Filters,
  cursor: string | undefined,
  limit: number,
  signal: AbortSignal,
): Promise<Page> {
  if (f.state) {
    const r = await api.get("/api/v1/node-status", {
      query: {
        network: f.network,
        role: f.role,
        online: f.state === "online" ? "true" : "false",
        limit,
        after: cursor,
      },
      signal,
    });
    return {
      rows: r.items.map((s) => ({ name: s.node, status: s, network: s.network, role: s.role })),
      next: r.next,
    };
  }
  // Live status for the same slice of names, fetched alongside.
  const status = api
    .get("/api/v1/node-status", {
      query: { network: f.network, role: f.role, after: cursor, limit: 1000 },
      signal,
    })
    .then((s) => new Map(s.items.map((v) => [v.node, v])));
  const list = await api.get("/api/v1/nodes", {
    query: { network: f.network, role: f.role, label: f.labels, limit, continue: cursor },
    signal,
  });
  const statuses = await status;
  return {
    rows: list.items.map((n) => ({
      name: n.metadata.name,
      node: n,
      status: statuses.get(n.metadata.name),
      network: n.spec.network,
      role: n.spec.role,
    })),
    next: list.continue,
  };
}

/** Online first, then offline, then never reported, then unknown. */
function stateRank(r: Row): number {
  if (!r.status) return 3;
  if (r.status.lastSeenAt === null) return 2;
  return r.status.online ? 0 : 1;
}

export default function Nodes() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const canWrite = useCanWrite();
  const [filters, setFilters] = useState<Filters>({ labels: [] });
  const [pageSize, setPageSize] = useState(50);
  /** Cursors of the pages before the current one; the last is the current page's. */
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [creating, setCreating] = useState(false);
  const cursor = cursors[cursors.length - 1];
  // Polled: states and traffic follow the agents' reports; filters and page stay as they are.
  const page = useLive((signal) => loadPage(filters, cursor, pageSize, signal), [filters, cursor, pageSize]);
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState<string[]>([]);
  const action = useAction(() => {
    setSelected([]);
    page.reload();
  });
  // The name search narrows the page shown (the API filters by network, role, label and state).
  const needle = search.trim().toLowerCase();
  const rows = (page.data?.rows ?? []).filter((r) => !needle || r.name.toLowerCase().includes(needle));
  // Deleted one by one: a hub that spokes still name is refused, and the error says which.
  const removeSelected = () =>
    action.run(
      async () => {
        for (const name of selected) await api.del(`/api/v1/nodes/${name}`);
      },
      t("nodes.deletedMany", { count: selected.length }),
    );
  const rates = useRates(
    new Map(
      (page.data?.rows ?? []).flatMap((r) =>
        r.status?.lastSeenAt
          ? [[r.name, { rxBytes: r.status.rxBytes, txBytes: r.status.txBytes, at: r.status.lastSeenAt }]]
          : [],
      ),
    ),
  );
  const networks = useApi((signal) => api.get("/api/v1/networks", { query: { limit: 1000 }, signal }), []);
  const setFilter = (f: Partial<Filters>) => {
    setFilters((old) => ({ ...old, ...f }));
    setCursors([undefined]);
  };

  return (
    <>
      <PageHeader
        title={t("nodes.title")}
        sub={t("nodes.sub")}
        extra={
          <Button icon={<ReloadOutlined />} onClick={page.reload} aria-label={t("common.refresh")}>
            {t("common.refresh")}
          </Button>
        }
        create={canWrite ? { label: t("nodes.create"), onClick: () => setCreating(true) } : undefined}
      />
      <Flex gap={12} wrap style={{ marginBottom: 16 }} role="search" aria-label={t("nodes.filters")}>
        <FilterSelect
          label={t("nodes.network")}
          placeholder={t("nodes.allNetworks")}
          width={180}
          value={filters.network}
          onChange={(v) => setFilter({ network: v })}
          options={optionsOf((networks.data?.items ?? []).map((n) => n.metadata.name))}
        />
        <FilterSelect
          label={t("nodes.role")}
          placeholder={t("nodes.allRoles")}
          width={150}
          value={filters.role}
          onChange={(v) => setFilter({ role: v })}
          options={(["hub", "spoke", "external"] as const).map((r) => ({
            value: r,
            label: t(`roles.node.${r}`),
          }))}
        />
        <FilterSelect
          label={t("nodes.state")}
          placeholder={t("nodes.allStates")}
          width={150}
          value={filters.state}
          onChange={(v) => setFilter({ state: v })}
          options={[
            { value: "online", label: t("status.online") },
            { value: "offline", label: t("status.offline") },
          ]}
        />
        <FilterText
          label={t("nodes.nameSearch")}
          placeholder={t("nodes.nameSearchPlaceholder")}
          width={200}
          value={search}
          onChange={setSearch}
        />
        <Input.Search
          aria-label={t("nodes.labelFilter")}
          placeholder={t("nodes.labelFilterPlaceholder")}
          style={{ width: 280 }}
          allowClear
          enterButton={t("common.filter")}
          onSearch={(v) =>
            setFilter({
              labels: v
                .split(/[\s,]+/)
                .map((s) => s.trim())
                .filter(Boolean),
            })
          }
        />
      </Flex>
      <ErrorAlert error={page.error ?? action.error} />
      {canWrite ? (
        <Flex gap={8} style={{ marginBottom: 12 }}>
          <ConfirmButton
            question={t("nodes.confirmDeleteSelected", { count: selected.length })}
            label={t("nodes.deleteSelected", { count: selected.length })}
            onConfirm={removeSelected}
            disabled={selected.length === 0}
          />
        </Flex>
      ) : null}
      <div data-testid="nodes-table">
        <Table<Row>
          size="middle"
          rowKey="name"
          loading={page.loading}
          dataSource={rows}
          rowSelection={
            canWrite
              ? {
                  selectedRowKeys: selected,
                  onChange: (keys) => setSelected(keys.map(String)),
                  getCheckboxProps: (r) => ({ "aria-label": t("nodes.selectNode", { name: r.name }) }),
                }
              : undefined
          }
          pagination={false}
          locale={{ emptyText: t("nodes.empty") }}
          onRow={(r) => ({ onDoubleClick: () => navigate(`/nodes/${r.name}`) })}
          columns={[
            {
              title: t("common.name"),
              dataIndex: "name",
              sorter: (a, b) => a.name.localeCompare(b.name),
              render: (n: string) => <Link to={`/nodes/${n}`}>{n}</Link>,
            },
            {
              title: t("nodes.network"),
              dataIndex: "network",
              sorter: (a, b) => a.network.localeCompare(b.network),
            },
            {
              title: t("nodes.role"),
              dataIndex: "role",
              sorter: (a, b) => a.role.localeCompare(b.role),
              render: (r: string) => <RoleTag role={r} />,
            },
            {
              title: t("nodes.state"),
              key: "state",
              sorter: (a, b) => stateRank(a) - stateRank(b),
              render: (_, r) => <StateTag online={r.status?.online} never={r.status?.lastSeenAt === null} />,
            },
            {
              title: t("nodes.activeHubColumn"),
              key: "activeHub",
              sorter: (a, b) => (a.status?.activeHub ?? "").localeCompare(b.status?.activeHub ?? ""),
              render: (_, r) =>
                r.status?.activeHub ? (
                  <Link to={`/nodes/${r.status.activeHub}`}>{r.status.activeHub}</Link>
                ) : (
                  "—"
                ),
            },
            {
              title: t("nodes.tunnelAddress"),
              key: "addr",
              render: (_, r) => <Mono value={r.node?.spec.tunnelAddress} />,
            },
            {
              title: t("nodes.subnets"),
              key: "subnets",
              render: (_, r) => <Mono value={r.node?.spec.subnets} />,
            },
            {
              title: t("nodes.endpoint"),
              key: "ep",
              render: (_, r) => <Mono value={r.node?.spec.endpoint} />,
            },
            {
              title: t("nodes.labels"),
              key: "labels",
              render: (_, r) => <LabelTags labels={r.node?.metadata.labels} />,
            },
            {
              title: t("nodes.lastSeen"),
              key: "seen",
              sorter: (a, b) => (a.status?.lastSeenAt ?? "").localeCompare(b.status?.lastSeenAt ?? ""),
              render: (_, r) => formatDate(r.status?.lastSeenAt),
            },
            {
              title: t("nodes.traffic"),
              key: "traffic",
              render: (_, r) =>
                r.status ? `↓ ${formatBytes(r.status.rxBytes)} ↑ ${formatBytes(r.status.txBytes)}` : "—",
            },
            {
              title: t("nodes.rateColumn"),
              key: "rate",
              render: (_, r) => {
                const rate = rates.get(r.name);
                return rate ? `↓ ${formatBitRate(rate.rxBps)} ↑ ${formatBitRate(rate.txBps)}` : "—";
              },
            },
          ]}
        />
      </div>
      <Flex justify="flex-end" align="center" gap={12} style={{ marginTop: 16 }}>
        <Typography.Text type="secondary">{t("nodes.pageNumber", { page: cursors.length })}</Typography.Text>
        <Button disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t("common.previous")}
        </Button>
        <Button disabled={!page.data?.next} onClick={() => setCursors((c) => [...c, page.data?.next])}>
          {t("common.next")}
        </Button>
        <Select
          aria-label={t("common.pageSize")}
          value={pageSize}
          style={{ width: 130 }}
          onChange={(v) => {
            setPageSize(v);
            setCursors([undefined]);
          }}
          options={[25, 50, 100, 200].map((n) => ({ value: n, label: t("common.perPage", { count: n }) }))}
        />
      </Flex>
      <NodeForm
        open={creating}
        onClose={() => setCreating(false)}
        onSaved={(name) => {
          setCreating(false);
          navigate(`/nodes/${name}`);
        }}
      />
    </>
  );
}
