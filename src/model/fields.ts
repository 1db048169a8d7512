/** Field schemas shared by several resource kinds. */
import { z } from "zod";
import { parseEndpoint, parsePrefix } from "../netaddr/index.js";

/**
 * What the OpenAPI document says of each field, as JSON-schema patterns: the shape the parser
 * accepts (it also checks ranges and canonical form, which a pattern cannot say).
 */
const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const IPV4 = `${OCTET}(\\.${OCTET}){3}`;
const IPV6 = "[0-9a-fA-F:]*:[0-9a-fA-F:.]*";
export const FIELD_PATTERNS = {
  cidr4: `^${IPV4}/(3[0-2]|[12]?[0-9])$`,
  cidr6: `^${IPV6}/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$`,
  cidr: `^(${IPV4}/(3[0-2]|[12]?[0-9])|${IPV6}/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$`,
  ip4: `^${IPV4}$`,
  ip6: `^${IPV6}$`,
  ip: `^(${IPV4}|${IPV6})$`,
  endpoint: "^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$",
} as const;

/** A CIDR prefix in canonical text (`10.64.7.0/24`); `family` restricts it to IPv4 or IPv6. */
export function cidr(family?: 4 | 6) {
  const pattern =
    family === 4 ? FIELD_PATTERNS.cidr4 : family === 6 ? FIELD_PATTERNS.cidr6 : FIELD_PATTERNS.cidr;
  return z
    .string()
    .max(64)
    .superRefine((text, ctx) => {
      const parsed = parsePrefix(text);
      if (!parsed.ok)
        ctx.addIssue({ code: "custom", message: parsed.message, params: { reason: parsed.reason } });
      else if (family && parsed.prefix.family !== family) {
        ctx.addIssue({ code: "custom", message: `${text} is not an IPv${family} prefix` });
      }
    })
    .meta({ pattern, description: "a CIDR prefix in canonical form, e.g. 10.64.7.0/24" });
}

/** A single address (no prefix length). */
export function ipAddress(family?: 4 | 6) {
  const pattern = family === 4 ? FIELD_PATTERNS.ip4 : family === 6 ? FIELD_PATTERNS.ip6 : FIELD_PATTERNS.ip;
  return z
    .string()
    .max(64)
    .superRefine((text, ctx) => {
      const parsed = parsePrefix(`${text}/${text.includes(":") ? 128 : 32}`);
      if (!parsed.ok)
        ctx.addIssue({ code: "custom", message: `${JSON.stringify(text)} is not an IP address` });
      else if (family && parsed.prefix.family !== family) {
        ctx.addIssue({ code: "custom", message: `${text} is not an IPv${family} address` });
      }
    })
    .meta({ pattern, description: "an IP address, e.g. 10.100.1.7" });
}

export const endpoint = z
  .string()
  .max(300)
  .superRefine((text, ctx) => {
    const parsed = parseEndpoint(text);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
  })
  .meta({ pattern: FIELD_PATTERNS.endpoint, description: "host:port, IPv6 as [address]:port" });

export const port = z.number().int().min(1).max(65535);

/** The longest duration accepted anywhere (ten years): every expiry stays a valid date. */
export const MAX_DURATION_SECONDS = 3650 * 86400;

const DURATION_UNITS: Readonly<Record<string, number>> = { d: 86400, h: 3600, m: 60, s: 1 };

/** Seconds in `text` (`1h30m` → 5400); assumes `text` matched `duration`'s pattern. */
export function durationSeconds(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/([0-9]+)(d|h|m|s)/g)) total += Number(n) * DURATION_UNITS[unit!]!;
  return total;
}

/**
 * Go-style duration as users write it: `720h`, `30m`, `1h30m`, `7d`; more than
 * zero and at most ten years, so that no expiry is already past or overflows a date.
 */
export const duration = z
  .string()
  .max(64)
  .regex(/^([0-9]+(d|h|m|s))+$/, { error: "must be a duration such as 720h, 30m or 7d" })
  .refine((text) => durationSeconds(text) > 0, { error: "must be longer than zero" })
  .refine((text) => durationSeconds(text) <= MAX_DURATION_SECONDS, {
    error: "must be at most 3650d (ten years)",
  });

/** Persistent keepalive in seconds; 0 turns it off. */
export const keepalive = z.number().int().min(0).max(65535);
