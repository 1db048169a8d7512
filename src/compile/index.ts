/** Validation and compilation of intent into per-node desired state. Pure. */
export * from "./compile.js";
export * from "./incremental.js";
export * from "./intent.js";
export * from "./intent-diff.js";
export * from "./interfaces.js";
export * from "./pinned.js";
export * from "./resolve.js";
export type { ResolvedIntent, ResolvedNetwork, ResolvedNode } from "./resolved.js";
