/** Binary search over lists kept in name order (nodes, fragments): the hot path of incremental updates. */

/** Index of the first item whose name is not less than `name` (its position, or where it would go). */
export function lowerBoundByName(items: readonly { readonly name: string }[], name: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.name < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
