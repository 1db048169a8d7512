/** An API error as an alert (in the user's language): the message, its code and every issue that no form field shows. */
import { Alert } from "antd";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import type { Issue } from "../api/types";
import { errorMessage, issueMessage } from "../i18n/api-errors";

export function issueText(i: Issue): string {
  const where = i.source ? `${i.source}: ` : "";
  const what = i.kind && i.kind !== "Request" ? `${i.kind}/${i.name}` : "";
  return `${where}${what}${i.path ? ` ${i.path}` : ""}${what || i.path ? ": " : ""}${issueMessage(i)}`;
}

export function ErrorAlert({ error, issues }: { error: unknown; issues?: readonly Issue[] }) {
  const { t } = useTranslation();
  if (!error) return null;
  const e = error instanceof ApiError ? error : undefined;
  const list = issues ?? e?.issues ?? [];
  const title = e
    ? e.code === "network"
      ? t("errors.network")
      : e.code === "forbidden"
        ? t("errors.forbidden")
        : errorMessage(e)
    : String((error as Error)?.message ?? error);
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      style={{ marginBottom: 16 }}
      title={e ? `${title} (${e.code})` : title}
      description={
        list.length > 0 ? (
          <ul style={{ margin: 0, paddingInlineStart: 18 }}>
            {list.map((i, n) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: issues have no identity
              <li key={n}>{issueText(i)}</li>
            ))}
          </ul>
        ) : undefined
      }
    />
  );
}
