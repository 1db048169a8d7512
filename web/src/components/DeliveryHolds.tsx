/**
 * The blast-radius guard's alarm: one warning per hub whose next revision is held because it
 * would remove too many peers at once, with what it would remove and, for operators, a button to
 * confirm it (the hub then removes those peers). Shows nothing when no delivery is held, or on a
 * controller without the guard.
 */
import { Alert, App, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { formatDate } from "../i18n/format";
import { useCanWrite } from "../session";
import { ConfirmButton } from "./ConfirmButton";
import { ErrorAlert } from "./ErrorAlert";
import { useLive } from "./use-api";

export function DeliveryHolds() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const canWrite = useCanWrite();
  const holds = useLive((signal) => api.get("/api/v1/delivery-holds", { signal }), []);
  if (holds.error) return <ErrorAlert error={holds.error} />;
  const confirm = async (node: string, revision: string) => {
    try {
      await api.post(`/api/v1/delivery-holds/${node}/confirm`, { revision });
      message.success(t("holds.confirmedMsg", { node }));
    } catch (e) {
      message.error((e as Error).message);
    }
    holds.reload();
  };
  return (
    <>
      {(holds.data?.items ?? []).map((h) => {
        const more = h.removed - h.removedNames.length;
        return (
          <Alert
            key={h.node}
            type="warning"
            showIcon
            style={{ marginBottom: 16 }}
            title={t("holds.title", { node: h.node, removed: h.removed, before: h.peersBefore })}
            description={
              <Space direction="vertical" size={4}>
                <Typography.Text>{t("holds.explain", { since: formatDate(h.heldAt) })}</Typography.Text>
                <Typography.Text>
                  {t("holds.removes")}{" "}
                  <span className="mono">
                    {h.removedNames.join(", ")}
                    {more > 0 ? ` ${t("holds.more", { count: more })}` : ""}
                  </span>
                </Typography.Text>
              </Space>
            }
            action={
              canWrite ? (
                <ConfirmButton
                  question={t("holds.question", { node: h.node, removed: h.removed })}
                  label={t("holds.confirm")}
                  onConfirm={() => confirm(h.node, h.revision)}
                />
              ) : undefined
            }
          />
        );
      })}
    </>
  );
}
