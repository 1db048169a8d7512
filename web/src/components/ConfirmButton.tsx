/**
 * A danger button that asks before it acts (delete, revoke): one look and one set of texts for
 * every destructive action. `primary` is the page-level form (a node's detail page); the default
 * is the small form used in table rows.
 */
import { Button, Popconfirm } from "antd";
import { useTranslation } from "react-i18next";

export function ConfirmButton({
  question,
  label,
  onConfirm,
  primary = false,
  disabled = false,
}: {
  question: string;
  label: string;
  onConfirm: () => unknown;
  primary?: boolean;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Popconfirm
      title={question}
      onConfirm={() => void onConfirm()}
      okText={label}
      cancelText={t("common.cancel")}
      disabled={disabled}
    >
      {primary ? (
        <Button danger type="primary" disabled={disabled}>
          {label}
        </Button>
      ) : (
        <Button size="small" danger disabled={disabled}>
          {label}
        </Button>
      )}
    </Popconfirm>
  );
}
