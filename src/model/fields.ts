/** Field schemas shared by several resource kinds. */
import { z } from "zod";
import { parseEndpoint, parsePrefix } from "../netaddr/index.js";

/** A CIDR prefix in canonical text (`10.64.7.0/24`); `family` restricts it to IPv4 or IPv6. */
export function cidr(family?: 4 | 6) {
  return z.string().superRefine((text, ctx) => {
    const parsed = parsePrefix(text);
    if (!parsed.ok)
      ctx.addIssue({ code: "custom", message: parsed.message, params: { reason: parsed.reason } });
    else if (family && parsed.prefix.family !== family) {
      ctx.addIssue({ code: "custom", message: `${text} is not an IPv${family} prefix` });
    }
  });
}

/** A single address (no prefix length). */
export function ipAddress(family?: 4 | 6) {
  return z.string().superRefine((text, ctx) => {
    const parsed = parsePrefix(`${text}/${text.includes(":") ? 128 : 32}`);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: `${JSON.stringify(text)} is not an IP address` });
    else if (family && parsed.prefix.family !== family) {
      ctx.addIssue({ code: "custom", message: `${text} is not an IPv${family} address` });
    }
  });
}

export const endpoint = z.string().superRefine((text, ctx) => {
  const parsed = parseEndpoint(text);
  if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
});

export const port = z.number().int().min(1).max(65535);

/** Go-style duration as users write it: `720h`, `30m`, `1h30m`, `7d`. */
export const duration = z
  .string()
  .regex(/^([0-9]+(d|h|m|s))+$/, { error: "must be a duration such as 720h, 30m or 7d" });

export function durationSeconds(text: string): number {
  const units: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
  let total = 0;
  for (const [, n, unit] of text.matchAll(/([0-9]+)(d|h|m|s)/g)) total += Number(n) * units[unit!]!;
  return total;
}

/** Persistent keepalive in seconds; 0 turns it off. */
export const keepalive = z.number().int().min(0).max(65535);
