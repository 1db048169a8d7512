/**
 * Realistic data for the UI's tests and screenshots: examples/corp, a viewer, and two enrollment
 * requests waiting for an operator — sent the real way, by the agent's own client with a join
 * token of the corp example's `branches` policy (manual approval).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, request } from "../../src/bench/api-controller.js";
import { createJoinToken, enrollNode } from "./agents.js";
import type { UiLab } from "./harness.js";

export function corpYaml(): string {
  return ["network.yaml", "hubs.yaml", "spokes.yaml", "policies.yaml"]
    .map((f) => readFileSync(join(REPO_ROOT, "examples", "corp", f), "utf8"))
    .join("\n---\n");
}

/** The branches that ask to join and wait in the queue (within the `branches` policy's prefixes). */
export const PENDING_BRANCHES = [
  { name: "branch-lis", endpoint: "198.51.100.40:51820", subnets: ["10.64.12.0/24"] },
  { name: "branch-osl", endpoint: "198.51.100.41:51820", subnets: ["10.64.13.0/24"] },
] as const;

/** Applies examples/corp (as YAML, as `hubwire apply` sends it). */
export async function applyCorp(lab: UiLab): Promise<void> {
  const r = await request(lab.url, "POST", "/api/v1/apply", {
    token: lab.token,
    headers: { "content-type": "application/yaml" },
    body: Buffer.from(corpYaml()),
  });
  if (r.status !== 200) throw new Error(`seed: ${r.status} ${r.body}`);
}

/** Applies examples/corp, adds the viewer `vera`, and has PENDING_BRANCHES ask to join. */
export async function seedCorp(lab: UiLab): Promise<void> {
  await applyCorp(lab);
  const viewer = await lab.api("POST", "/api/v1/users", {
    name: "vera",
    role: "viewer",
    password: "viewer-password-0123",
    language: "zh-CN",
  });
  if (viewer.status !== 201) throw new Error(`seed viewer: ${viewer.status} ${viewer.text}`);
  const token = await createJoinToken(lab, "branches", PENDING_BRANCHES.length);
  for (const b of PENDING_BRANCHES) {
    const { result } = await enrollNode(token, b.name, { endpoint: b.endpoint, subnets: [...b.subnets] });
    if (result.state !== "Pending") {
      throw new Error(`seed: ${b.name} is ${result.state} (${result.reason ?? ""}), expected Pending`);
    }
  }
}
