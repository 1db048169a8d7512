/** Process checks for sweeping what killed test runs left behind (namespaces, databases). */

/** Whether process `pid` still exists (one we may not signal counts as existing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
