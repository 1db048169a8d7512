/**
 * `secrets rotate enrollment-key|psk-secret` (admin): rotates one of the controller's secrets
 * through `POST /api/v1/secrets/{secret}/rotate`, so it works the same against any replica and
 * is audited with the caller's name.
 */
import { Argument, type Command } from "commander";
import { apiRequest, loadCredentials } from "../api-client.js";
import type { Io } from "../io.js";

const HELP = `
Secrets:
  enrollment-key  the controller's X25519 key for enrollment proofs of possession. New join
                  tokens carry the new public key; tokens made before keep working until they
                  expire or are revoked; enrolled and pending nodes are not affected (they keep
                  proving against the key they joined with, which stays accepted for them).
  psk-secret      the secret every pair's preshared key is derived from (networks with
                  presharedKeys: true). Every pair's key changes at once: each node gets a new
                  revision, fetches its new keys and sets them; WireGuard sessions survive and the
                  next handshake uses the new key, so traffic goes on when both ends apply within
                  two minutes. External nodes (wg-quick files) need their file downloaded again.

Examples:
  hubwire secrets rotate enrollment-key
  hubwire secrets rotate psk-secret
`;

interface Rotated {
  secret: string;
  rotatedAt: string;
  publicKey?: string;
  generation?: number;
  revision?: number;
}

export function registerSecretVerbs(program: Command, io: Io): void {
  const secrets = program.command("secrets").description("the controller's own secrets (admin)");
  secrets
    .command("rotate")
    .description("rotate the enrollment key or the preshared-key secret (audited)")
    .addArgument(new Argument("<secret>", "which secret").choices(["enrollment-key", "psk-secret"]))
    .addHelpText("after", HELP)
    .action(async (secret: string) => {
      const res = await apiRequest(
        await loadCredentials(),
        "POST",
        `/api/v1/secrets/${encodeURIComponent(secret)}/rotate`,
        { body: "{}" },
      );
      const r = res.json<Rotated>();
      io.stdout(
        r.publicKey
          ? `rotated enrollment-key at ${r.rotatedAt}; new join tokens carry ${r.publicKey}\n`
          : `rotated psk-secret at ${r.rotatedAt} (generation ${r.generation}); nodes re-fetch their preshared keys at revision ${r.revision}\n`,
      );
    });
}
