/**
 * Users (admin only). Disabling a user or changing their password ends their
 * sessions at once; the last enabled admin cannot be disabled, demoted or
 * deleted. Password hashes never leave the database layer.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { language, userName } from "../../auth/account-fields.js";
import { ROLES, type Role } from "../../auth/principal.js";
import { hashPassword } from "../../auth/secrets.js";
import type { Tx } from "../../db/open.js";
import { appendAudit } from "../../db/repo-audit.js";
import { deleteSessionsForUser } from "../../db/repo-sessions.js";
import { revokeTokensMadeBy } from "../../db/repo-tokens.js";
import {
  countAdmins,
  createUser,
  deleteUser,
  getUserByName,
  listUsers,
  type User,
  updateUser,
} from "../../db/repo-users.js";
import { DomainError } from "../../errors.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

const password = z.string().min(12, { error: "at least 12 characters" }).max(1024);
const userView = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  disabled: z.boolean(),
  language: z.string(),
  createdAt: z.string(),
});

const view = (u: User) => ({
  name: u.name,
  role: u.role,
  disabled: u.disabled,
  language: u.language,
  createdAt: u.created_at,
});

async function audit(
  s: Services,
  tx: Tx,
  actor: string,
  source: string,
  action: string,
  name: string,
  before?: User,
  after?: User,
) {
  await appendAudit(tx, {
    at: s.now().toISOString(),
    actor,
    source,
    action,
    kind: "User",
    name,
    before: before ? view(before) : null,
    after: after ? view(after) : null,
  });
}

export function userRoutes(s: Services): AnyRoute[] {
  const nameParam = z.strictObject({ name: userName });
  return [
    route({
      method: "GET",
      path: "/api/v1/users",
      permission: "admin",
      summary: "List users",
      tag: "Users",
      response: z.object({ items: z.array(userView) }),
      handler: async () => ({ items: (await s.db.transaction((tx) => listUsers(tx))).map(view) }),
    }),
    route({
      method: "POST",
      path: "/api/v1/users",
      permission: "admin",
      summary: "Create a user",
      tag: "Users",
      body: z.strictObject({
        name: userName,
        role: z.enum(ROLES),
        password,
        language: language.default("en"),
      }),
      status: 201,
      response: userView,
      handler: async ({ body, principal, request, reply }) => {
        const hash = await hashPassword(body.password);
        const now = s.now().toISOString();
        const created = await s.db.transaction(async (tx) => {
          if (await getUserByName(tx, body.name))
            throw new DomainError("already-exists", `user ${body.name} exists`);
          const row = await createUser(tx, {
            id: randomUUID(),
            name: body.name,
            role: body.role,
            password_hash: hash,
            disabled: false,
            language: body.language,
            created_at: now,
            updated_at: now,
          });
          await audit(s, tx, principal.actor, request.ip, "create", body.name, undefined, row);
          return row;
        });
        reply.code(201);
        return view(created);
      },
    }),
    route({
      method: "PATCH",
      path: "/api/v1/users/:name",
      permission: "admin",
      summary:
        "Change a user's role, password, language, or disable them (ends their sessions; disabling or demoting revokes the API tokens they made)",
      tag: "Users",
      params: nameParam,
      body: z.strictObject({
        role: z.enum(ROLES).optional(),
        disabled: z.boolean().optional(),
        password: password.optional(),
        language: language.optional(),
      }),
      response: userView,
      handler: async ({ params, body, principal, request }) => {
        const hash = body.password ? await hashPassword(body.password) : undefined;
        return view(
          await s.db.transaction(async (tx) => {
            const before = await getUserByName(tx, params.name);
            if (!before) throw new DomainError("not-found", `user ${params.name} does not exist`);
            const losesAdmin =
              before.role === "admin" &&
              !before.disabled &&
              ((body.role && body.role !== "admin") || body.disabled);
            if (losesAdmin && (await countAdmins(tx)) <= 1)
              throw new DomainError("conflict", "this is the last enabled admin");
            const after = await updateUser(tx, before.id, {
              ...(body.role ? { role: body.role } : {}),
              ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
              ...(hash ? { password_hash: hash } : {}),
              ...(body.language ? { language: body.language } : {}),
              updated_at: s.now().toISOString(),
            });
            if (!after) throw new DomainError("not-found", `user ${params.name} does not exist`);
            if (body.disabled || hash || (body.role && body.role !== before.role))
              await deleteSessionsForUser(tx, before.id);
            // A disabled user's API tokens die too: re-enabling does not revive them.
            // So do their tokens when they are demoted: a token must not keep a role its owner lost.
            const demoted =
              body.role !== undefined && ROLES.indexOf(body.role) > ROLES.indexOf(before.role as Role);
            if ((body.disabled && !before.disabled) || demoted)
              await revokeTokensMadeBy(tx, `user:${before.name}`, s.now().toISOString());
            await audit(
              s,
              tx,
              principal.actor,
              request.ip,
              body.password ? "update-password" : "update",
              params.name,
              before,
              after,
            );
            return after;
          }),
        );
      },
    }),
    route({
      method: "DELETE",
      path: "/api/v1/users/:name",
      permission: "admin",
      summary: "Delete a user (ends their sessions and revokes the API tokens they made)",
      tag: "Users",
      params: nameParam,
      status: 204,
      handler: async ({ params, principal, request, reply }) => {
        await s.db.transaction(async (tx) => {
          const before = await getUserByName(tx, params.name);
          if (!before) throw new DomainError("not-found", `user ${params.name} does not exist`);
          if (before.role === "admin" && !before.disabled && (await countAdmins(tx)) <= 1) {
            throw new DomainError("conflict", "this is the last enabled admin");
          }
          await deleteSessionsForUser(tx, before.id);
          await revokeTokensMadeBy(tx, `user:${before.name}`, s.now().toISOString());
          await deleteUser(tx, before.id);
          await audit(s, tx, principal.actor, request.ip, "delete", params.name, before);
        });
        reply.code(204);
        return undefined;
      },
    }),
  ];
}
