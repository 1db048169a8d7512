/**
 * Users (admin only). Disabling a user or changing their password ends their
 * sessions at once; the last enabled admin cannot be disabled, demoted or
 * deleted. Password hashes never leave the database layer.
 */
import { z } from "zod";
import { language, userName } from "../../auth/account-fields.js";
import { ROLES } from "../../auth/principal.js";
import { hashPassword } from "../../auth/secrets.js";
import {
  changeAccount,
  createAccount,
  deleteAccount,
  listUsers,
  userView as view,
} from "../../auth/users.js";
import { type AnyRoute, listRoute, route } from "../route.js";
import type { Services } from "../services.js";

const password = z.string().min(12, { error: "at least 12 characters" }).max(1024);
const userView = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  disabled: z.boolean(),
  language: z.string(),
  createdAt: z.string(),
});

export function userRoutes(s: Services): AnyRoute[] {
  const nameParam = z.strictObject({ name: userName });
  return [
    listRoute({
      path: "/api/v1/users",
      permission: "admin",
      summary: "List users",
      tag: "Users",
      item: userView,
      items: async () => (await listUsers(s.db)).map(view),
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
        const created = await createAccount(s.db, s.actor(principal, request), s.now().toISOString(), {
          name: body.name,
          role: body.role,
          passwordHash: await hashPassword(body.password),
          language: body.language,
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
        const passwordHash = body.password ? await hashPassword(body.password) : undefined;
        const { password: _, ...change } = body;
        return view(
          await changeAccount(s.db, s.actor(principal, request), s.now().toISOString(), params.name, {
            ...change,
            ...(passwordHash ? { passwordHash } : {}),
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
        await deleteAccount(s.db, s.actor(principal, request), s.now().toISOString(), params.name);
        reply.code(204);
        return undefined;
      },
    }),
  ];
}
