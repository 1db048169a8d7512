/**
 * A table of what a list request loaded, with the error of the load (or of an action on a row)
 * above it: one way every list page shows loading, failure and "none yet".
 */
import { Table, type TableProps } from "antd";
import { ErrorAlert } from "./ErrorAlert";
import type { Loaded } from "./use-api";

export function ListTable<T extends object>({
  list,
  error,
  rows,
  empty,
  ...props
}: {
  list: Loaded<{ items: T[] }>;
  /** An action's error (delete, revoke), shown when the list itself loaded. */
  error?: unknown;
  /** The rows shown, when not `list`'s items in the API's order. */
  rows?: T[];
  /** What the table says when there are no rows. */
  empty?: string;
} & Omit<TableProps<T>, "loading" | "dataSource">) {
  return (
    <>
      <ErrorAlert error={list.error ?? error} />
      <Table<T>
        loading={list.loading}
        dataSource={rows ?? list.data?.items ?? []}
        pagination={false}
        locale={empty === undefined ? undefined : { emptyText: empty }}
        {...props}
      />
    </>
  );
}
