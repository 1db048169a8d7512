/**
 * Enrollment verbs over the controller's API: `token create|list|revoke`, `approve NAME`,
 * `reject NAME --reason TEXT`, `revoke NAME [--reason TEXT]`, `reset NAME [--reason TEXT]`. `token create` prints the token
 * alone on stdout (it is shown once), so `TOKEN=$(hubwire token create --policy P)` works.
 */
import type { Command } from "commander";
import type { JoinTokenView } from "../../controller/api/routes/join-tokens.js";
import { apiRequest, getItems, loadCredentials } from "../api-client.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";
import { table } from "../table.js";

const post = async (path: string, body?: unknown) =>
  apiRequest(await loadCredentials(), "POST", path, body === undefined ? {} : { body: JSON.stringify(body) });

export function registerEnrollVerbs(program: Command, io: Io): void {
  const token = program.command("token").description("join tokens for enrollment");
  token
    .command("create")
    .description("create a join token for a policy and print it (shown only once)")
    .requiredOption("--policy <name>", "the EnrollmentPolicy nodes join with")
    .option("--ttl <duration>", "how long it is valid, e.g. 24h (default: until revoked)")
    .option("--uses <n>", "how many nodes may join with it (default: no limit)")
    .action(async (flags: { policy: string; ttl?: string; uses?: string }) => {
      const uses = flags.uses === undefined ? undefined : Number(flags.uses);
      if (uses !== undefined && (!Number.isSafeInteger(uses) || uses < 1)) {
        throw new CliError("--uses must be a whole number ≥ 1", EXIT.usage);
      }
      const res = await post("/api/v1/join-tokens", {
        policy: flags.policy,
        ...(flags.ttl ? { ttl: flags.ttl } : {}),
        ...(uses !== undefined ? { uses } : {}),
      });
      io.stdout(`${res.json<{ token: string }>().token}\n`);
    });
  token
    .command("list")
    .description("list join tokens (never their secrets)")
    .action(async () => {
      const items = await getItems<JoinTokenView>("/api/v1/join-tokens");
      const rows = items.map((t) => [
        t.id,
        t.policy,
        `${t.uses}/${t.maxUses ?? "∞"}`,
        t.expiresAt ?? "never",
        t.revokedAt ? `revoked ${t.revokedAt}` : "active",
        t.createdBy,
      ]);
      io.stdout(table(["ID", "POLICY", "USES", "EXPIRES", "STATE", "CREATED BY"], rows));
    });
  token
    .command("revoke")
    .description("revoke a join token (nodes already enrolled are not affected)")
    .argument("<id>", "the token id (hubwire token list)")
    .action(async (id: string) => {
      await post(`/api/v1/join-tokens/${encodeURIComponent(id)}/revoke`);
      io.stdout(`revoked join token ${id}\n`);
    });

  program
    .command("approve")
    .description("approve a Pending enrollment")
    .argument("<name>", "the node name")
    .action(async (name: string) => {
      await post(`/api/v1/enrollments/${encodeURIComponent(name)}/approve`, {});
      io.stdout(`approved ${name}\n`);
    });
  program
    .command("reject")
    .description("reject a Pending enrollment")
    .argument("<name>", "the node name")
    .requiredOption("--reason <text>", "why (recorded and shown to the node)")
    .action(async (name: string, flags: { reason: string }) => {
      await post(`/api/v1/enrollments/${encodeURIComponent(name)}/reject`, { reason: flags.reason });
      io.stdout(`rejected ${name}\n`);
    });
  program
    .command("revoke")
    .description("revoke an enrolled node: its credential at once, its peers at the next revision")
    .argument("<name>", "the node name")
    .option("--reason <text>", "why (recorded in the audit log)")
    .action(async (name: string, flags: { reason?: string }) => {
      await post(
        `/api/v1/nodes/${encodeURIComponent(name)}/revoke`,
        flags.reason ? { reason: flags.reason } : {},
      );
      io.stdout(`revoked ${name}\n`);
    });
  program
    .command("reset")
    .description(
      "reset a Rejected, Revoked or Expired enrollment so the name may enroll again (audited); a new join is needed",
    )
    .argument("<name>", "the node name")
    .option("--reason <text>", "why (recorded in the audit log)")
    .action(async (name: string, flags: { reason?: string }) => {
      const res = await post(
        `/api/v1/enrollments/${encodeURIComponent(name)}/reset`,
        flags.reason ? { reason: flags.reason } : {},
      );
      io.stdout(`reset ${name} (was ${res.json<{ state: string }>().state}); it may enroll again\n`);
    });
}
