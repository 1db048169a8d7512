/** Test set-up for netaddr's tests: parse a prefix or an address the test writes out, or throw. */
import { type IpAddress, type Prefix, parseIp, parsePrefix } from "../prefix.js";

/** The prefix `text` (a test's own data: throws when it does not parse). */
export function p(text: string): Prefix {
  const parsed = parsePrefix(text);
  if (!parsed.ok) throw new Error(`test setup: ${parsed.message}`);
  return parsed.prefix;
}

/** The address `text` (a test's own data: throws when it does not parse). */
export function ip(text: string): IpAddress {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(`test setup: ${text} is not an address`);
  return parsed;
}
