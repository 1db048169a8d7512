/**
 * The one order of every sorted output: strings by UTF-16 code unit (byte order for the ASCII
 * names hubwire sorts), never by locale, so the same intent sorts the same on every machine.
 */

/** Byte-order comparison of two strings: negative, zero or positive, as `Array.sort` wants. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
