/** The empty state for a feature whose API route this controller does not have yet. */
import { Empty } from "antd";
import { useTranslation } from "react-i18next";

export function Missing({ what }: { what: string }) {
  const { t } = useTranslation();
  return (
    <Empty
      image={Empty.PRESENTED_IMAGE_SIMPLE}
      description={t("common.notAvailable", { what })}
      style={{ padding: "32px 0" }}
    />
  );
}
