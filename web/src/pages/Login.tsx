/** Sign in. A wrong name or password is shown under the password field, as the API words it. */
import { ApartmentOutlined } from "@ant-design/icons";
import { Button, Card, Flex, Form, Input, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import { LanguageSwitch } from "../components/Shell";
import { useSession } from "../session";

export function LoginPage() {
  const { t } = useTranslation();
  const { login } = useSession();
  const [form] = Form.useForm<{ name: string; password: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async (v: { name: string; password: string }) => {
    setBusy(true);
    try {
      await login(v.name.trim(), v.password);
    } catch (e) {
      const message =
        e instanceof ApiError && e.code === "unauthenticated"
          ? t("login.wrong")
          : e instanceof ApiError && e.code === "rate-limited"
            ? t("login.rateLimited")
            : e instanceof ApiError
              ? e.message
              : String(e);
      form.setFields([{ name: "password", errors: [message] }]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: "100vh", background: "#f3f5f8" }}>
      <main>
        <Card style={{ width: 380 }}>
          <Flex justify="space-between" align="center" style={{ marginBottom: 20 }}>
            <Flex align="center" gap={8}>
              <ApartmentOutlined style={{ fontSize: 22, color: "#1f5fbf" }} aria-hidden />
              <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
                hubwire
              </Typography.Title>
            </Flex>
            <LanguageSwitch />
          </Flex>
          <Typography.Paragraph type="secondary">{t("login.intro")}</Typography.Paragraph>
          <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
            <Form.Item
              label={t("login.name")}
              name="name"
              rules={[{ required: true, message: t("login.nameRequired") }]}
            >
              <Input autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item
              label={t("login.password")}
              name="password"
              rules={[{ required: true, message: t("login.passwordRequired") }]}
            >
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              {t("login.submit")}
            </Button>
          </Form>
        </Card>
      </main>
    </Flex>
  );
}
