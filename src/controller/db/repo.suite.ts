/**
 * The one test suite of the database layer, registered once per dialect (sqlite.test.ts,
 * postgres.test.ts), so both engines are held to exactly the same behaviour. It takes a
 * factory of fresh databases rather than of handles, because races between replicas need two
 * handles on one database.
 */
import { repoAuthSuite } from "./repo-auth.suite.js";
import { logSuite } from "./repo-log.suite.js";
import { nodeCredentialsSuite } from "./repo-node-credentials.suite.js";
import { resourcesSuite } from "./repo-resources.suite.js";
import { type FreshDatabase, harness } from "./suite-harness.js";
import { transactionsSuite } from "./transactions.suite.js";

/** Registers every shared test in the enclosing `describe`. */
export function repoSuite(freshDatabase: FreshDatabase): void {
  const h = harness(freshDatabase);
  resourcesSuite(h);
  logSuite(h);
  repoAuthSuite(h);
  nodeCredentialsSuite(h);
  transactionsSuite(h);
}
