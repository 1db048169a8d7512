/**
 * The controller's API test suite, registered once per dialect (api.sqlite.test.ts,
 * api.postgres.test.ts) so the REST API behaves the same on both engines. Each test gets a
 * controller on a fresh database: a first admin signed in, and an API token per role.
 */

import type { FreshDatabase } from "../db/suite-harness.js";
import { enrollChecksApiSuite } from "../enroll/checks.suite.js";
import { enrollFlowApiSuite } from "../enroll/flow.suite.js";
import { enrollResetApiSuite } from "../enroll/reset.suite.js";
import { enrollRotateApiSuite } from "../enroll/rotate.suite.js";
import { guardApiSuite } from "../guard/guard.suite.js";
import { controllers } from "../testing/api-harness.js";
import { applyApiSuite } from "./apply.suite.js";
import { auditApiSuite } from "./audit.suite.js";
import { authApiSuite } from "./auth.suite.js";
import { deliveryApiSuite } from "./delivery.suite.js";
import { enrollmentExportApiSuite } from "./enrollment-export.suite.js";
import { hardeningApiSuite } from "./hardening.suite.js";
import { idempotenceApiSuite } from "./idempotence.suite.js";
import { listsApiSuite } from "./lists.suite.js";
import { opsApiSuite } from "./ops.suite.js";
import { patchDeliveryApiSuite } from "./patch-delivery.suite.js";
import { resourcesApiSuite } from "./resources.suite.js";
import { secretsApiSuite } from "./secrets.suite.js";
import { uiApiSuite } from "./ui.suite.js";
import { usersApiSuite } from "./users.suite.js";

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
  enrollResetApiSuite(make);
  enrollmentExportApiSuite(make);
  secretsApiSuite(make);
  deliveryApiSuite(make);
  patchDeliveryApiSuite(make);
  uiApiSuite(make);
  hardeningApiSuite(make);
  guardApiSuite(make);
}
