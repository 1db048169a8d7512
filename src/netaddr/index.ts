/** Pure address arithmetic: prefixes, overlap, summarisation, endpoints and allocation. */
export * from "./endpoint.js";
export * from "./ipam.js";
export * from "./overlap.js";
export * from "./prefix.js";
