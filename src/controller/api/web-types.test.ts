import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { WEB_TYPES_FILE, webApiTypes } from "./web-types.js";

it("the web UI's API types match the OpenAPI document (else run `npm run api-types`)", async () => {
  const committed = await readFile(join(import.meta.dirname, "../../..", WEB_TYPES_FILE), "utf8");
  expect(
    committed === (await webApiTypes()),
    "web/src/api/schema.d.ts is stale: run `npm run api-types`",
  ).toBe(true);
});
