/** Realistic data for the UI's tests and screenshots: examples/corp plus a waiting enrollment request. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, request } from "../../src/bench/api-controller.js";
import type { UiLab } from "./harness.js";

export function corpYaml(): string {
  return ["network.yaml", "hubs.yaml", "spokes.yaml", "policies.yaml"]
    .map((f) => readFileSync(join(REPO_ROOT, "examples", "corp", f), "utf8"))
    .join("\n---\n");
}

export const PENDING_ENROLLMENT = {
  apiVersion: "hubwire/v1",
  kind: "Enrollment",
  metadata: { name: "branch-lis" },
  spec: {
    policy: "branches",
    network: "corp",
    nodeName: "branch-lis",
    audience: "hubwire-controller",
    nonce: "9f1c2e4d5a6b7c8d9e0f1a2b3c4d5e6f",
    timestamp: "2026-11-26T09:30:00Z",
    role: "spoke",
    endpoint: "198.51.100.40:51820",
    subnets: ["10.64.12.0/24"],
    publicKey: "XoC2xp/hlYFBfsfKUXAoBiZxO5niH565LCrWAOvtxzw=",
    hmac: "a".repeat(64),
  },
};

/** Applies examples/corp and a pending enrollment request through the public API. */
export async function seedCorp(lab: UiLab): Promise<void> {
  const r = await request(lab.url, "POST", "/api/v1/apply", {
    token: lab.token,
    headers: { "content-type": "application/yaml" },
    body: Buffer.from(corpYaml()),
  });
  if (r.status !== 200) throw new Error(`seed: ${r.status} ${r.body}`);
  await lab.apply([PENDING_ENROLLMENT]);
  const viewer = await lab.api("POST", "/api/v1/users", {
    name: "vera",
    role: "viewer",
    password: "viewer-password-0123",
    language: "zh-CN",
  });
  if (viewer.status !== 201) throw new Error(`seed viewer: ${viewer.status} ${viewer.text}`);
}
