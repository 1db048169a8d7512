/**
 * The list page of a resource kind: title with a create button, errors, and a table whose last
 * column edits or deletes a row (both only for roles that may write). Deleting reloads the list.
 */
import { PlusOutlined } from "@ant-design/icons";
import { Button, Space, Table, type TableColumnsType } from "antd";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { useCanWrite } from "../session";
import { ConfirmButton } from "./ConfirmButton";
import { ErrorAlert } from "./ErrorAlert";
import { PageHeader } from "./PageHeader";
import type { Loaded } from "./use-api";
import { useAction } from "./use-submit";

interface Named {
  readonly metadata: { readonly name: string };
}

export function ResourceList<T extends Named>({
  title,
  sub,
  createLabel,
  empty,
  plural,
  list,
  rows,
  columns,
  onCreate,
  onEdit,
}: {
  title: string;
  sub: string;
  createLabel: string;
  empty: string;
  /** The API's path segment: `networks`, `enrollment-policies`. */
  plural: string;
  list: Loaded<{ items: T[] }>;
  /** The rows shown, when not `list`'s items in the API's order. */
  rows?: T[];
  columns: TableColumnsType<T>;
  onCreate(): void;
  onEdit(row: T): void;
}) {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const action = useAction(list.reload);
  return (
    <>
      <PageHeader
        title={title}
        sub={sub}
        extra={
          canWrite ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={onCreate}>
              {createLabel}
            </Button>
          ) : null
        }
      />
      <ErrorAlert error={list.error ?? action.error} />
      <Table<T>
        rowKey={(r) => r.metadata.name}
        loading={list.loading}
        dataSource={rows ?? list.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: empty }}
        columns={[
          { title: t("common.name"), key: "name", render: (_, r) => r.metadata.name },
          ...columns,
          ...(canWrite
            ? [
                {
                  title: t("common.actions"),
                  key: "actions",
                  render: (_: unknown, r: T) => (
                    <Space>
                      <Button size="small" onClick={() => onEdit(r)}>
                        {t("common.edit")}
                      </Button>
                      <ConfirmButton
                        question={t("common.confirmDelete", { name: r.metadata.name })}
                        label={t("common.delete")}
                        onConfirm={() =>
                          action.run(
                            () => api.del(`/api/v1/${plural}/${r.metadata.name}`),
                            t("common.deleted"),
                          )
                        }
                      />
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
    </>
  );
}
