/** Applying a desired state to the machine by diff: live read, pure plan, executor. */
export * from "./apply.js";
export * from "./errors.js";
export * from "./execute.js";
export * from "./firewall.js";
export * from "./format.js";
export * from "./handled-fields.js";
export * from "./live.js";
export * from "./plan.js";
export * from "./validate.js";
