/**
 * A small reader for the Dockerfiles this repository ships: instructions per build stage, with
 * line continuations joined and comments dropped. It understands what those files use (FROM …
 * AS, COPY [--from=…], ENV, USER, WORKDIR, VOLUME, ENTRYPOINT/CMD/HEALTHCHECK in exec form) and
 * throws on shell-form ENTRYPOINT, CMD or HEALTHCHECK, which the image tests could not run as
 * the image would.
 */
import { readFileSync } from "node:fs";

export interface Instruction {
  readonly op: string;
  readonly args: string;
}

export interface Stage {
  readonly name?: string;
  readonly instructions: Instruction[];
}

export function parseDockerfile(path: string): Stage[] {
  const text = readFileSync(path, "utf8").replace(/\\\n/g, " ");
  const stages: Stage[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`${path}: cannot read "${line}"`);
    const op = m[1]!.toUpperCase();
    const args = m[2]!.replace(/\s+/g, " ").trim();
    if (op === "ARG" && stages.length === 0) continue;
    if (op === "FROM") {
      stages.push({ name: / AS (\S+)$/i.exec(args)?.[1], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${path}: ${op} before FROM`);
    stage.instructions.push({ op, args });
  }
  return stages;
}

/** The JSON array of an exec-form instruction. */
function execForm(i: Instruction): string[] {
  const json = i.op === "HEALTHCHECK" ? i.args.replace(/^(--\S+\s+)*CMD\s+/, "") : i.args;
  if (!json.startsWith("[")) throw new Error(`${i.op} must use the exec (JSON) form: ${i.args}`);
  return JSON.parse(json) as string[];
}

/** What the final stage runs, as `docker run IMAGE` would. */
export interface ImageRun {
  readonly entrypoint: string[];
  readonly cmd: string[];
  readonly env: Record<string, string>;
  /** `USER` as uid and gid; undefined: root. */
  readonly user?: { uid: number; gid: number };
  readonly workdir: string;
  readonly volumes: string[];
  readonly healthcheck?: string[];
}

export function imageRun(stages: readonly Stage[]): ImageRun {
  const final = stages.at(-1)!;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  const env: Record<string, string> = {};
  let user: ImageRun["user"];
  let workdir = "/";
  const volumes: string[] = [];
  let healthcheck: string[] | undefined;
  for (const i of final.instructions) {
    if (i.op === "ENTRYPOINT") entrypoint = execForm(i);
    else if (i.op === "CMD") cmd = execForm(i);
    else if (i.op === "HEALTHCHECK") healthcheck = execForm(i);
    else if (i.op === "WORKDIR") workdir = i.args;
    else if (i.op === "VOLUME")
      volumes.push(...(i.args.startsWith("[") ? (JSON.parse(i.args) as string[]) : i.args.split(" ")));
    else if (i.op === "ENV") {
      const m = /^(\w+)=(\S*)$/.exec(i.args);
      if (!m) throw new Error(`ENV must be KEY=value: ${i.args}`);
      env[m[1]!] = m[2]!;
    } else if (i.op === "USER") {
      const m = /^(\d+):(\d+)$/.exec(i.args);
      if (!m) throw new Error(`USER must be numeric uid:gid (no passwd lookup needed): ${i.args}`);
      user = { uid: Number(m[1]), gid: Number(m[2]) };
    }
  }
  return {
    entrypoint,
    cmd,
    env,
    ...(user ? { user } : {}),
    workdir,
    volumes,
    ...(healthcheck ? { healthcheck } : {}),
  };
}

/** Sources of COPY/ADD from the build context (not `--from=` another stage), as written. */
export function contextSources(stages: readonly Stage[]): string[] {
  const out: string[] = [];
  for (const s of stages)
    for (const i of s.instructions) {
      if (i.op !== "COPY" && i.op !== "ADD") continue;
      const words = i.args.split(" ");
      if (words.some((w) => w.startsWith("--from="))) continue;
      const paths = words.filter((w) => !w.startsWith("--"));
      out.push(...paths.slice(0, -1));
    }
  return out;
}

/** Sources of COPY --from=STAGE, with the stage they come from. */
export function stageSources(stages: readonly Stage[]): Array<{ stage: string; path: string }> {
  const out: Array<{ stage: string; path: string }> = [];
  for (const s of stages)
    for (const i of s.instructions) {
      const from = /--from=(\S+)/.exec(i.args)?.[1];
      if (i.op !== "COPY" || !from) continue;
      const paths = i.args.split(" ").filter((w) => !w.startsWith("--"));
      for (const path of paths.slice(0, -1)) out.push({ stage: from, path });
    }
  return out;
}
