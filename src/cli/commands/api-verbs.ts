/**
 * API verbs: `login`, `apply`, `get`, `delete`, `export` — thin commands over
 * the controller's REST API (see api-client.ts for credentials).
 */
import { readFile, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { type Command, Option } from "commander";
import { stringify } from "yaml";
import { KIND_PATHS } from "../../controller/api/kinds.js";
import type { ApplyOutcome } from "../../controller/state/intent-store.js";
import { RESOURCE_KINDS, type ResourceKind } from "../../model/index.js";
import { apiRequest, loadCredentials, nodeStatuses, saveCredentials } from "../api-client.js";
import { joinFiles } from "../body-places.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { listYamlFiles } from "../load.js";
import { age, table } from "../table.js";

/** `node`, `nodes`, `Node`, `access-policy`, `accesspolicies` → the kind. */
export function kindOf(text: string): ResourceKind {
  const norm = (s: string) => s.toLowerCase().replace(/-/g, "");
  for (const kind of RESOURCE_KINDS) {
    const names = [
      kind,
      KIND_PATHS[kind],
      KIND_PATHS[kind].replace(/s$/, ""),
      KIND_PATHS[kind].replace(/ies$/, "y"),
    ];
    if (names.some((n) => norm(n) === norm(text))) return kind;
  }
  throw new CliError(`unknown kind ${JSON.stringify(text)}; kinds: ${RESOURCE_KINDS.join(", ")}`);
}

/** Reads a line from the terminal without echoing it (for `login` on a TTY). */
async function promptHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput(s: string): void; output: NodeJS.WritableStream };
  let asked = false;
  out._writeToOutput = (text: string) => {
    if (!asked) {
      out.output.write(text);
      asked = true;
    }
  };
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

type Listed = {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};

/** A column of `get`'s table: its header and how a listed resource shows in it. */
type Column = [header: string, cell: (i: Listed) => string];

const str = (v: unknown) => (v === undefined || v === null || v === "" ? "-" : String(v));
const list = (v: unknown) => (Array.isArray(v) && v.length > 0 ? v.join(",") : "-");
const NAME: Column = ["NAME", (i) => i.metadata.name];
/** A column showing `spec[field]`. */
const spec = (header: string, field: string, show = str): Column => [header, (i) => show(i.spec[field])];

/** The columns that matter for each kind but Node (whose live state is fetched); others: OTHER. */
const COLUMNS: Partial<Record<ResourceKind, Column[]>> = {
  Network: [
    NAME,
    spec("CIDR", "cidr"),
    spec("CIDR6", "cidr6"),
    spec("TOPOLOGY", "topology"),
    spec("DEFAULT", "defaultAction"),
  ],
  Enrollment: [
    NAME,
    spec("POLICY", "policy"),
    ["STATE", (i) => str(i.status?.state)],
    ["REASON", (i) => str(i.status?.reason)],
    ["AGE", (i) => age(typeof i.status?.requestedAt === "string" ? i.status.requestedAt : undefined)],
  ],
  EnrollmentPolicy: [
    NAME,
    spec("NETWORK", "network"),
    spec("ROLE", "role"),
    spec("NAMES", "nodeNames", list),
    spec("ADDRESSES", "tunnelAddressPrefixes", list),
    spec("APPROVAL", "approval"),
  ],
};
const OTHER: Column[] = [NAME, spec("NETWORK", "network")];

type LiveStatus = { online: boolean; lastSeenAt: string | null; activeHub: string | null };

/** Live state by node where the controller has it (a controller without live status: none). */
async function liveStatus(
  creds: Awaited<ReturnType<typeof loadCredentials>>,
): Promise<Map<string, LiveStatus>> {
  const live = new Map<string, LiveStatus>();
  try {
    for await (const s of nodeStatuses<LiveStatus & { node: string }>(creds)) live.set(s.node, s);
  } catch {
    // no live status on this controller
  }
  return live;
}

/** The columns that matter for each kind. */
async function tableOf(
  kind: ResourceKind,
  items: Listed[],
  creds: Awaited<ReturnType<typeof loadCredentials>>,
) {
  let columns = COLUMNS[kind] ?? OTHER;
  if (kind === "Node") {
    // Live state where the controller has it (a controller without live status shows "-").
    const live = await liveStatus(creds);
    const state = (s: LiveStatus | undefined) =>
      !s ? "-" : s.lastSeenAt === null ? "never-reported" : s.online ? "online" : "offline";
    columns = [
      NAME,
      spec("NETWORK", "network"),
      spec("ROLE", "role"),
      spec("ADDRESS", "tunnelAddress"),
      spec("ENDPOINT", "endpoint"),
      spec("HUBS", "hubs", list),
      ["STATE", (i) => state(live.get(i.metadata.name))],
      ["ACTIVE-HUB", (i) => str(live.get(i.metadata.name)?.activeHub)],
    ];
  }
  return table(
    columns.map(([header]) => header),
    items.map((i) => columns.map(([, cell]) => cell(i))),
  );
}

export function registerApiVerbs(program: Command, io: Io): void {
  program
    .command("login")
    .description("log in to a controller and save the session for later commands")
    .requiredOption("--controller <url>", "https://controller:7070")
    .requiredOption("--user <name>", "user name")
    .option("--password-stdin", "read the password from standard input")
    .option("--ca-file <file>", "the controller's CA certificate (DATA_DIR/tls/ca.crt)")
    .action(async (flags: { controller: string; user: string; passwordStdin?: boolean; caFile?: string }) => {
      const password = flags.passwordStdin
        ? (await io.readStdin()).replace(/\r?\n$/, "")
        : (process.env.HUBWIRE_PASSWORD ??
          (process.stdin.isTTY ? await promptHidden(`password for ${flags.user}: `) : ""));
      if (!password)
        throw new CliError(
          "give the password at the prompt, on stdin with --password-stdin, or in HUBWIRE_PASSWORD",
        );
      const creds = { controller: flags.controller, caFile: flags.caFile };
      const res = await apiRequest(creds, "POST", "/api/v1/login", {
        body: JSON.stringify({ name: flags.user, password }),
      });
      const cookie = /__Host-hubwire_session=([^;]+)/.exec(String(res.headers["set-cookie"] ?? ""))?.[1];
      const { csrfToken, role } = res.json<{ csrfToken: string; role: string }>();
      if (!cookie) throw new CliError("the controller did not return a session", EXIT.internal);
      await saveCredentials({ ...creds, session: cookie, csrfToken });
      io.stdout(`logged in to ${flags.controller} as ${flags.user} (${role})\n`);
    });

  program
    .command("apply")
    .description("apply YAML files or folders to the controller, all or nothing")
    .argument("<paths...>", "YAML/JSON files or folders")
    .option("--dry-run", "show the plan without changing anything")
    .action(async (paths: string[], flags: { dryRun?: boolean }) => {
      const files: Array<{ name: string; text: string }> = [];
      for (const p of paths)
        for (const f of await listYamlFiles(p)) files.push({ name: f, text: await readFile(f, "utf8") });
      const { body, place } = joinFiles(files);
      const res = await apiRequest(
        await loadCredentials(),
        "POST",
        `/api/v1/apply${flags.dryRun ? "?dryRun=true" : ""}`,
        { body, contentType: "application/yaml", place },
      );
      const plan = res.json<ApplyOutcome>();
      if (plan.changes.length === 0) {
        io.stdout("no changes\n");
        return;
      }
      for (const c of plan.changes) {
        io.stdout(`${c.op === "add" ? "+" : c.op === "remove" ? "-" : "~"} ${c.kind}/${c.name}\n`);
        for (const f of c.fields) io.stdout(`    ${f.path}: ${f.from} → ${f.to}\n`);
      }
      io.stdout(
        `${plan.dryRun ? "would change" : "changed"} ${plan.nodes.length} node configuration(s)${plan.dryRun ? "" : `; revision ${plan.revision}`}\n`,
      );
    });

  program
    .command("get")
    .description("list resources of a kind, or show one")
    .argument("<kind>", `${Object.values(KIND_PATHS).join(", ")} (singular or plural)`)
    .argument("[name]", "one resource")
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["yaml", "json", "table"])
        .default("table"),
    )
    .option("--network <name>", "only this network")
    .option("--label <key=value...>", "only resources with these labels")
    .option("--state <state>", "enrollments only: Pending, Approved, Rejected, Revoked or Expired")
    .action(
      async (
        kindText: string,
        name: string | undefined,
        flags: { output: string; network?: string; label?: string[]; state?: string },
      ) => {
        const kind = kindOf(kindText);
        const creds = await loadCredentials();
        const base = `/api/v1/${KIND_PATHS[kind]}`;
        let items: Array<{
          kind: string;
          metadata: { name: string; labels?: Record<string, string> };
          spec: Record<string, unknown>;
        }>;
        if (name) items = [(await apiRequest(creds, "GET", `${base}/${encodeURIComponent(name)}`)).json()];
        else {
          items = [];
          let cursor: string | undefined;
          do {
            const q = new URLSearchParams({ limit: "1000" });
            if (flags.network) q.set("network", flags.network);
            if (flags.state) q.set("state", flags.state);
            for (const l of flags.label ?? []) q.append("label", l);
            if (cursor) q.set("continue", cursor);
            const page = (await apiRequest(creds, "GET", `${base}?${q}`)).json<{
              items: typeof items;
              continue?: string;
            }>();
            items.push(...page.items);
            cursor = page.continue;
          } while (cursor);
        }
        if (flags.output === "json") io.stdout(`${JSON.stringify(name ? items[0] : { items }, null, 2)}\n`);
        else if (flags.output === "yaml")
          io.stdout(items.map((i) => stringify(i, { lineWidth: 0 })).join("---\n"));
        else io.stdout(await tableOf(kind, items, creds));
      },
    );

  program
    .command("delete")
    .description("delete one resource")
    .argument("<kind>", `the resource kind: ${Object.values(KIND_PATHS).join(", ")} (singular or plural)`)
    .argument("<name>", "its name")
    .action(async (kindText: string, name: string) => {
      const kind = kindOf(kindText);
      await apiRequest(
        await loadCredentials(),
        "DELETE",
        `/api/v1/${KIND_PATHS[kind]}/${encodeURIComponent(name)}`,
      );
      io.stdout(`deleted ${kind}/${name}\n`);
    });

  program
    .command("export")
    .description("every resource as YAML that re-applies to the same state")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(async (flags: { output?: string }) => {
      const res = await apiRequest(await loadCredentials(), "GET", "/api/v1/export", {
        accept: "application/yaml",
      });
      if (flags.output) await writeFile(flags.output, res.text);
      else io.stdout(res.text);
    });
}
