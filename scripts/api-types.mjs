#!/usr/bin/env node
// Rewrites web/src/api/schema.d.ts from the controller's OpenAPI document (needs `npm run build` first).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { WEB_TYPES_FILE, webApiTypes } from "../dist/controller/api/web-types.js";

await writeFile(join(import.meta.dirname, "..", WEB_TYPES_FILE), await webApiTypes());
console.log(`wrote ${WEB_TYPES_FILE}`);
