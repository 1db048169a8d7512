/**
 * The controller's API test suite, registered once per dialect (api.sqlite.test.ts,
 * api.postgres.test.ts) so the REST API behaves the same on both engines. Each test gets a
 * controller on a fresh database: a first admin signed in, and an API token per role.
 */
import { applyApiSuite } from "./api-apply.suite.js";
import { auditApiSuite } from "./api-audit.suite.js";
import { authApiSuite } from "./api-auth.suite.js";
import { deliveryApiSuite } from "./api-delivery.suite.js";
import { guardApiSuite } from "./api-guard.suite.js";
import { hardeningApiSuite } from "./api-hardening.suite.js";
import { idempotenceApiSuite } from "./api-idempotence.suite.js";
import { listsApiSuite } from "./api-lists.suite.js";
import { opsApiSuite } from "./api-ops.suite.js";
import { resourcesApiSuite } from "./api-resources.suite.js";
import { uiApiSuite } from "./api-ui.suite.js";
import { usersApiSuite } from "./api-users.suite.js";
import type { FreshDatabase } from "./db/suite-harness.js";
import { enrollChecksApiSuite } from "./enroll-checks.suite.js";
import { enrollFlowApiSuite } from "./enroll-flow.suite.js";
import { enrollRotateApiSuite } from "./enroll-rotate.suite.js";
import { controllers } from "./testing/api-harness.js";

/** Registers every shared API test in the enclosing `describe`. */
export function apiSuite(freshDatabase: FreshDatabase): void {
  const make = controllers(freshDatabase);
  resourcesApiSuite(make);
  idempotenceApiSuite(make);
  listsApiSuite(make);
  applyApiSuite(make);
  auditApiSuite(make);
  usersApiSuite(make);
  authApiSuite(make);
  opsApiSuite(make);
  enrollChecksApiSuite(make);
  enrollFlowApiSuite(make);
  enrollRotateApiSuite(make);
  deliveryApiSuite(make);
  uiApiSuite(make);
  hardeningApiSuite(make);
  guardApiSuite(make);
}
