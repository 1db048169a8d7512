/**
 * WireGuard key text. A key is 32 bytes in standard base64 (44 chars, one `=`).
 * Public keys are the only keys that ever appear in intent; private keys stay
 * on the node (see src/keys).
 */
import { z } from "zod";

const KEY_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export type WgPublicKey = string & { readonly __brand: "WgPublicKey" };

/** 1 for a base64 digit, 3 for one that may also end a 32-byte key (its low 4 bits zero). */
const DIGIT = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
  DIGIT[c.charCodeAt(0)] = 1;
for (const c of "AEIMQUYcgkosw048") DIGIT[c.charCodeAt(0)] = 3;

/**
 * True when `text` is the canonical base64 of exactly 32 bytes ({@link KEY_BASE64}, checked by
 * a table: the agent checks every peer's key of every delivery, and the regex was ≈ 0.5 µs each).
 */
export function isWgKey(text: string): boolean {
  if (text.length !== 44 || text.charCodeAt(43) !== 61 || ((DIGIT[text.charCodeAt(42)] ?? 0) & 2) === 0)
    return false;
  for (let i = 0; i < 42; i++) if (!DIGIT[text.charCodeAt(i)]) return false;
  return true;
}

export const wgPublicKey = z
  .string()
  .refine(isWgKey, { error: "must be a WireGuard key: 32 bytes in base64 (44 characters)" })
  .meta({ pattern: KEY_BASE64.source, description: "a WireGuard public key: 32 bytes in base64" })
  .transform((s) => s as WgPublicKey);
