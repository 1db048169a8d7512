/** What route handlers may use; built once per app, so tests can inject their own clock. */
import type { FastifyRequest } from "fastify";
import type { Principal } from "../auth/principal.js";
import type { Db } from "../db/open.js";
import type { EnrollmentConfig } from "../enroll/config.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Delivery } from "../notify/delivery.js";
import type { Actor, IntentStore } from "../state/intent-store.js";

export interface Services {
  readonly db: Db;
  readonly intent: IntentStore;
  readonly metrics: Metrics;
  /** Enrollment settings; absent when the controller runs no enrollment listener. */
  readonly enroll?: EnrollmentConfig;
  /**
   * The operator's backup key (`--backup-key-file`): backups are sealed with it and a restore
   * must carry its seal. Absent: backups are not sealed, and a seal on a restore is only stripped.
   */
  readonly backupKey?: Buffer;
  /** Config long polls and status reports. */
  readonly delivery: Delivery;
  now(): Date;
  actor(principal: Principal, request: FastifyRequest): Actor;
}
