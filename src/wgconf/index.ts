/** WireGuard config text: rendering (and, with the agent, parsing and diffing). Pure. */

export * from "./diff.js";
export * from "./dump.js";
export * from "./line-diff.js";
export * from "./uapi.js";
export * from "./wgquick.js";
