/**
 * The list page of a resource kind: title with a create button, errors, and a table whose last
 * column edits or deletes a row (both only for roles that may write), and the kind's dialog for
 * creating and editing. Deleting or saving reloads the list.
 */
import { Button, Space, type TableColumnsType, type TableProps } from "antd";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { useCanWrite } from "../session";
import { ConfirmButton } from "./ConfirmButton";
import { ListTable } from "./ListTable";
import { PageHeader } from "./PageHeader";
import { useApi } from "./use-api";
import { useAction } from "./use-submit";

interface Named {
  readonly metadata: { readonly name: string };
}

/** The dialog's state as the page hands it to the kind's form. */
export interface Editing<T> {
  readonly open: boolean;
  /** The row being edited; undefined: a new one. */
  readonly existing?: T;
  onClose(): void;
  onSaved(): void;
}

export function ResourceList<T extends Named>({
  ns,
  plural,
  load,
  order,
  columns,
  expandable,
  form,
}: {
  /** The dictionary section with the page's `title`, `sub`, `create` and `empty`. */
  ns: "networks" | "enrollmentPolicies" | "peerOverrides" | "policies";
  /** The API's path segment: `networks`, `enrollment-policies`. */
  plural: string;
  load: (signal: AbortSignal) => Promise<{ items: T[] }>;
  /** The order of the rows, when not the API's. */
  order?: (a: T, b: T) => number;
  /** The columns after the name. */
  columns: TableColumnsType<T>;
  expandable?: TableProps<T>["expandable"];
  /** The kind's create/edit dialog. */
  form: (editing: Editing<T>) => ReactNode;
}) {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const list = useApi(load, []);
  const action = useAction(list.reload);
  const [editing, setEditing] = useState<{ existing?: T } | null>(null);
  const items = list.data?.items ?? [];
  return (
    <>
      <PageHeader
        title={t(`${ns}.title`)}
        sub={t(`${ns}.sub`)}
        create={canWrite ? { label: t(`${ns}.create`), onClick: () => setEditing({}) } : undefined}
      />
      <ListTable<T>
        list={list}
        error={action.error}
        rows={order ? [...items].sort(order) : items}
        empty={t(`${ns}.empty`)}
        rowKey={(r) => r.metadata.name}
        expandable={expandable}
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
                      <Button size="small" onClick={() => setEditing({ existing: r })}>
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
      {form({
        open: editing !== null,
        existing: editing?.existing,
        onClose: () => setEditing(null),
        onSaved: () => {
          setEditing(null);
          list.reload();
        },
      })}
    </>
  );
}
