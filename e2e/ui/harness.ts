/**
 * The web UI's browser tests and screenshots run against a real controller
 * process (the built binary, SQLite in a temp folder) with Debian's Chromium
 * driven by playwright-core. This file starts both, and holds the checks every
 * page gets: axe-core (no serious or critical violations) and no translation
 * key left untranslated.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import {
  adminToken,
  type ControllerProcess,
  freePort,
  request,
  startControllerProcess,
} from "../../src/bench/api-controller.js";
import { MAX_RESOURCES_PER_REQUEST } from "../../src/model/index.js";

export const CHROMIUM = process.env.HUBWIRE_CHROMIUM ?? "/usr/bin/chromium";
export const ADMIN_PASSWORD = "ui-test-admin-password-1";
const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");

/** A controller with a browser on it; `close()` stops both and removes their folders. */
export interface UiLab {
  readonly url: string;
  /** The enrollment listener (TLS, its own CA), as `https://127.0.0.1:PORT`; join tokens name it. Absent with `enroll: false`. */
  readonly enrollUrl?: string;
  readonly controller: ControllerProcess;
  readonly context: BrowserContext;
  /** An admin API token, for seeding data through the public API. */
  readonly token: string;
  newPage(): Promise<Page>;
  /** `POST /api/v1/apply` of resources as the admin. */
  apply(items: readonly unknown[]): Promise<void>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json<T>(): T; text: string }>;
  close(): Promise<void>;
}

export async function startUiLab(
  options: {
    viewport?: { width: number; height: number };
    /** Start the controller with an enrollment listener (default true), as a real deployment has. */
    enroll?: boolean;
  } = {},
): Promise<UiLab> {
  const dir = await mkdtemp(join(tmpdir(), "hubwire-ui-"));
  // An enrollment listener, as a real deployment has: join tokens need one, agents enroll on it.
  // Rate limits off: the tests enroll several nodes from one address in a moment.
  const enrollPort = await freePort();
  const controller = await startControllerProcess({
    dataDir: join(dir, "data"),
    adminPassword: ADMIN_PASSWORD,
    extraArgs:
      options.enroll === false
        ? []
        : ["--enroll-listen", `127.0.0.1:${enrollPort}`, "--enroll-rate-limit", "0"],
  });
  const token = await adminToken(controller.url, ADMIN_PASSWORD, "ui-seed");
  const context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: options.viewport ?? { width: 1440, height: 900 },
    locale: "en-US",
    timezoneId: "UTC",
    acceptDownloads: true,
    // axe-core is injected as a script; the UI's own CSP (script-src 'self') would refuse it.
    bypassCSP: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const api: UiLab["api"] = async (method, path, body) => {
    const r = await request(controller.url, method, path, { token, body });
    const text = r.body.toString("utf8");
    return { status: r.status, text, json: <T>() => JSON.parse(text) as T };
  };
  return {
    url: controller.url,
    ...(options.enroll === false ? {} : { enrollUrl: `https://127.0.0.1:${enrollPort}` }),
    controller,
    context,
    token,
    newPage: () => context.newPage(),
    api,
    async apply(items) {
      // A request carries at most MAX_RESOURCES_PER_REQUEST: networks and hubs first, then the
      // rest in order, each request valid on its own.
      const rank = (item: unknown) => {
        const r = item as { kind?: string; spec?: { role?: string } };
        return r.kind === "Network" ? 0 : r.kind !== "Node" ? 3 : r.spec?.role === "hub" ? 1 : 2;
      };
      const ordered = [...items].sort((a, b) => rank(a) - rank(b));
      for (let i = 0; i < ordered.length; i += MAX_RESOURCES_PER_REQUEST) {
        const chunk = ordered.slice(i, i + MAX_RESOURCES_PER_REQUEST);
        const r = await api("POST", "/api/v1/apply", { items: chunk });
        if (r.status !== 200) throw new Error(`apply: ${r.status} ${r.text}`);
      }
    },
    async close() {
      await context.close().catch(() => undefined);
      await controller.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the login page and waits for the dashboard. */
export async function login(page: Page, url: string, name: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.locator("#name").fill(name);
  await page.locator("#password").fill(password);
  await page.locator("button[type=submit]").click();
  await page.locator("nav").waitFor();
}

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Fading elements have a lower contrast mid-animation: let transitions finish first.
  await animationsDone(page);
  const has = await page.evaluate(() => "axe" in window);
  if (!has) await page.addScriptTag({ path: AXE });
  const result = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  })) as {
    violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join(" | ")}`,
    );
}

/** Waits (up to 5 s) until no CSS animation or transition is running: dialogs zoom in, errors fade in. */
export async function animationsDone(page: Page): Promise<void> {
  await page
    .waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running"), undefined, {
      timeout: 5_000,
    })
    .catch(() => undefined);
}

/** Translation keys the page asked for that no dictionary had (recorded by the app's i18n setup). */
export async function missingKeys(page: Page): Promise<string[]> {
  return page.evaluate(
    () => (window as unknown as { __hubwireMissingKeys?: string[] }).__hubwireMissingKeys ?? [],
  );
}

/** Visible text that looks like a dictionary key (`nodes.title`, `common.save`): an untranslated string. */
export async function keyLikeText(page: Page): Promise<string[]> {
  const text = await page.locator("body").innerText();
  const found = text.match(
    /\b(nav|roles|status|common|errors|login|dashboard|networks|nodes|enrollments|joinTokens|policies|topology|audit|users|apiTokens|importExport|enrollmentPolicies|peerOverrides|apiErrors|issueCodes)\.[a-zA-Z][\w.-]*\b/g,
  );
  return [...new Set(found ?? [])];
}

/** Waits until the page has settled: no spinner, network idle. */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page
    .locator(".ant-spin-spinning")
    .first()
    .waitFor({ state: "detached", timeout: 10_000 })
    .catch(() => undefined);
  await page.waitForTimeout(150);
}

/**
 * Clicks the open dialog's Save and waits for the URL the app goes to on success. If the dialog
 * stays, fails with what it shows (field errors, the alert), not with a bare navigation timeout.
 */
export async function saveDialogAndExpectUrl(page: Page, url: RegExp): Promise<void> {
  const dialog = page.locator(".ant-modal:visible");
  await dialog.getByRole("button", { name: "Save" }).click();
  try {
    await page.waitForURL(url, { timeout: 30_000 });
  } catch (e) {
    const shown = await dialog.innerText({ timeout: 1_000 }).catch(() => "(no dialog open)");
    throw new Error(`no navigation to ${url} after Save; the dialog shows:\n${shown}`, { cause: e });
  }
}
