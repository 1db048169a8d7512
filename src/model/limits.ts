/**
 * Bounds on what one request may carry, so that no single request costs the
 * controller more than a bounded amount of work. Every refusal names the limit.
 */

/** Resources in one apply or import; larger sets go in several requests. */
export const MAX_RESOURCES_PER_REQUEST = 5_000;

/** Labels (and, separately, annotations) on one resource or in one selector. */
export const MAX_LABELS = 64;

/** The message of a refusal for carrying `count` resources (absent: more than the limit, not counted further). */
export function tooManyResources(count?: number): string {
  const held = count === undefined ? `more than ${MAX_RESOURCES_PER_REQUEST}` : String(count);
  return `the request holds ${held} resources; at most ${MAX_RESOURCES_PER_REQUEST} are allowed per request (split it)`;
}
