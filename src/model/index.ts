/** Resource schemas, names, keys, issues and the agent wire types. Pure. */
export * from "./desired-state.js";
export * from "./desired-state-patch.js";
export * from "./documents.js";
export * from "./fields.js";
export * from "./issues.js";
export * from "./limits.js";
export * from "./names.js";
export * from "./node-csv.js";
export * from "./order.js";
export * from "./parse.js";
export * from "./resources.js";
export * from "./status-report.js";
export * from "./wgkey.js";
