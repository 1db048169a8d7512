/** The frame of every signed-in page: navigation, language switch, the user and sign-out. */
import {
  ApartmentOutlined,
  AuditOutlined,
  BranchesOutlined,
  ClusterOutlined,
  DashboardOutlined,
  DeploymentUnitOutlined,
  GlobalOutlined,
  IdcardOutlined,
  KeyOutlined,
  LogoutOutlined,
  SafetyOutlined,
  SolutionOutlined,
  SwapOutlined,
  TeamOutlined,
  UserAddOutlined,
} from "@ant-design/icons";
import { Button, Flex, Layout, Menu, Segmented, Tag, Typography } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router-dom";
import type { Language } from "../api/types";
import { useSession } from "../session";

export function LanguageSwitch() {
  const { i18n } = useTranslation();
  const { setLanguage } = useSession();
  return (
    <Segmented<Language>
      aria-label="Language / 语言"
      size="small"
      value={i18n.language === "zh-CN" ? "zh-CN" : "en"}
      options={[
        { label: "English", value: "en" },
        { label: "中文", value: "zh-CN" },
      ]}
      onChange={(v) => void setLanguage(v)}
    />
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { user, logout } = useSession();
  const location = useLocation();
  const admin = user?.role === "admin";
  const items = [
    { key: "/", icon: <DashboardOutlined />, label: t("nav.dashboard") },
    { key: "/networks", icon: <GlobalOutlined />, label: t("nav.networks") },
    { key: "/nodes", icon: <ClusterOutlined />, label: t("nav.nodes") },
    { key: "/topology", icon: <DeploymentUnitOutlined />, label: t("nav.topology") },
    { key: "/enrollments", icon: <UserAddOutlined />, label: t("nav.enrollments") },
    { key: "/enrollment-policies", icon: <SolutionOutlined />, label: t("nav.enrollmentPolicies") },
    { key: "/join-tokens", icon: <IdcardOutlined />, label: t("nav.joinTokens") },
    { key: "/access-policies", icon: <SafetyOutlined />, label: t("nav.accessPolicies") },
    { key: "/peer-overrides", icon: <BranchesOutlined />, label: t("nav.peerOverrides") },
    { key: "/audit", icon: <AuditOutlined />, label: t("nav.audit") },
    { key: "/import-export", icon: <SwapOutlined />, label: t("nav.importExport") },
    ...(admin
      ? [
          { key: "/users", icon: <TeamOutlined />, label: t("nav.users") },
          { key: "/api-tokens", icon: <KeyOutlined />, label: t("nav.apiTokens") },
        ]
      : []),
  ].map((i) => ({ ...i, label: <Link to={i.key}>{i.label}</Link> }));
  const selected = items
    .map((i) => i.key)
    .filter((k) => (k === "/" ? location.pathname === "/" : location.pathname.startsWith(k)));
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider
        width={216}
        theme="light"
        breakpoint="lg"
        collapsedWidth={0}
        style={{ borderRight: "1px solid #eee" }}
      >
        <Flex align="center" gap={8} style={{ height: 56, padding: "0 20px" }}>
          <ApartmentOutlined style={{ fontSize: 20, color: "#1f5fbf" }} aria-hidden />
          <Typography.Text strong style={{ fontSize: 17 }}>
            hubwire
          </Typography.Text>
        </Flex>
        <nav aria-label={t("nav.label")}>
          <Menu mode="inline" selectedKeys={selected} items={items} style={{ borderInlineEnd: 0 }} />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: "#fff",
            borderBottom: "1px solid #eee",
            padding: "0 24px",
            height: 56,
            lineHeight: "56px",
          }}
        >
          <Flex justify="flex-end" align="center" gap={16} style={{ height: "100%" }}>
            <LanguageSwitch />
            <span>
              <Typography.Text>{user?.name}</Typography.Text>{" "}
              <Tag color="blue" style={{ marginInlineEnd: 0 }}>
                {user ? t(`roles.${user.role}`) : ""}
              </Tag>
            </span>
            <Button icon={<LogoutOutlined />} onClick={() => void logout()}>
              {t("nav.logout")}
            </Button>
          </Flex>
        </Layout.Header>
        {/* Layout.Content is the page's <main> landmark. */}
        <Layout.Content style={{ padding: 24 }}>{children}</Layout.Content>
      </Layout>
    </Layout>
  );
}
