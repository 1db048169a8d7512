/**
 * The application shell: Ant Design themed and localized to the user's
 * language, the session, and the routes. Pages load on demand so the first
 * screen does not wait for the chart and graph libraries.
 */
import { App as AntApp, ConfigProvider, Spin } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { BrowserRouter, Navigate, Route, Routes } from "react-router-dom";
import { Shell } from "./components/Shell";
import { LoginPage } from "./pages/Login";
import { SessionProvider, useIsAdmin, useSession } from "./session";

const Dashboard = lazy(() => import("./pages/Dashboard"));
const Networks = lazy(() => import("./pages/Networks"));
const Nodes = lazy(() => import("./pages/Nodes"));
const NodeDetail = lazy(() => import("./pages/NodeDetail"));
const Enrollments = lazy(() => import("./pages/Enrollments"));
const JoinTokens = lazy(() => import("./pages/JoinTokens"));
const EnrollmentPolicies = lazy(() => import("./pages/EnrollmentPolicies"));
const PeerOverrides = lazy(() => import("./pages/PeerOverrides"));
const AccessPolicies = lazy(() => import("./pages/AccessPolicies"));
const Topology = lazy(() => import("./pages/Topology"));
const Audit = lazy(() => import("./pages/Audit"));
const Users = lazy(() => import("./pages/Users"));
const ApiTokens = lazy(() => import("./pages/ApiTokens"));
const ImportExport = lazy(() => import("./pages/ImportExport"));

function Loading() {
  return <Spin style={{ display: "block", margin: "64px auto" }} />;
}

function Routed() {
  const { user, loading } = useSession();
  const admin = useIsAdmin();
  if (loading) return <Loading />;
  if (!user) return <LoginPage />;
  return (
    <Shell>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<Dashboard />} />
          <Route path="/networks" element={<Networks />} />
          <Route path="/nodes" element={<Nodes />} />
          <Route path="/nodes/:name" element={<NodeDetail />} />
          <Route path="/enrollments" element={<Enrollments />} />
          <Route path="/enrollment-policies" element={<EnrollmentPolicies />} />
          <Route path="/join-tokens" element={<JoinTokens />} />
          <Route path="/peer-overrides" element={<PeerOverrides />} />
          <Route path="/access-policies" element={<AccessPolicies />} />
          <Route path="/topology" element={<Topology />} />
          <Route path="/audit" element={<Audit />} />
          {admin ? <Route path="/users" element={<Users />} /> : null}
          {admin ? <Route path="/api-tokens" element={<ApiTokens />} /> : null}
          <Route path="/import-export" element={<ImportExport />} />
          <Route path="/login" element={<Navigate to="/" replace />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </Suspense>
    </Shell>
  );
}

function Localized() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider
      locale={i18n.language === "zh-CN" ? zhCN : enUS}
      theme={{
        token: {
          colorPrimary: "#1f5fbf",
          // The derived hover shade is too light for white text (WCAG AA).
          colorPrimaryHover: "#2a6fd6",
          colorPrimaryActive: "#1a4f9f",
          borderRadius: 6,
          // Darker than the defaults so secondary text passes WCAG AA contrast (axe).
          colorTextSecondary: "rgba(0, 0, 0, 0.68)",
          colorTextTertiary: "rgba(0, 0, 0, 0.62)",
          colorTextDescription: "rgba(0, 0, 0, 0.62)",
          colorTextQuaternary: "rgba(0, 0, 0, 0.58)",
          colorTextPlaceholder: "rgba(0, 0, 0, 0.58)",
          colorTextDisabled: "rgba(0, 0, 0, 0.56)",
          colorLink: "#1f5fbf",
          colorInfo: "#1f5fbf",
          colorError: "#c4161c",
          colorSuccess: "#2f7d12",
        },
      }}
    >
      <AntApp>
        <SessionProvider>
          <BrowserRouter>
            <Routed />
          </BrowserRouter>
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return <Localized />;
}
