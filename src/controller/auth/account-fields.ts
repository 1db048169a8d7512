/** The shapes of account fields, shared by the API's schemas and the backup's row checks. */
import { z } from "zod";

export const userName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { error: "invalid user name" });
export const language = z.enum(["en", "zh-CN"]);
export const tokenName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { error: "invalid token name" });
