/**
 * WireGuard key text. A key is 32 bytes in standard base64 (44 chars, one `=`).
 * Public keys are the only keys that ever appear in intent; private keys stay
 * on the node (see src/keys).
 */
import { z } from "zod";

const KEY_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export type WgPublicKey = string & { readonly __brand: "WgPublicKey" };

/** True when `text` is the canonical base64 of exactly 32 bytes. */
export function isWgKey(text: string): boolean {
  return KEY_BASE64.test(text);
}

export const wgPublicKey = z
  .string()
  .refine(isWgKey, { error: "must be a WireGuard key: 32 bytes in base64 (44 characters)" })
  .meta({ pattern: KEY_BASE64.source, description: "a WireGuard public key: 32 bytes in base64" })
  .transform((s) => s as WgPublicKey);
