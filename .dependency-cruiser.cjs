/**
 * Import rules that keep the architecture honest (see README, "Architecture").
 * The pure modules — model, netaddr, compile, wgconf — may not reach the
 * outside world: no file, network, process or clock access, only computation.
 */
const PURE = "^src/(model|netaddr|compile|wgconf)/";
const TESTS = "\\.test\\.ts$";

module.exports = {
  forbidden: [
    {
      name: "pure-modules-no-io",
      comment:
        "model, netaddr, compile and wgconf are pure: the only Node built-in they may use is crypto (hashing).",
      severity: "error",
      from: { path: PURE, pathNot: TESTS },
      to: { dependencyTypes: ["core"], pathNot: "^(node:)?crypto$" },
    },
    {
      name: "pure-modules-few-libraries",
      comment: "pure modules may use only libraries that are themselves pure.",
      severity: "error",
      from: { path: PURE, pathNot: TESTS },
      to: { dependencyTypes: ["npm"], pathNot: "node_modules/(zod|ipaddr\\.js|yaml)/" },
    },
    {
      name: "pure-modules-stay-below-the-edges",
      comment:
        "pure modules never import the CLI, controller, agent or key generation (their tests may use test data from bench).",
      severity: "error",
      from: { path: PURE, pathNot: TESTS },
      to: { path: "^src/(cli|controller|agent|keys|bench|testing)/" },
    },
    {
      name: "netaddr-is-the-bottom",
      severity: "error",
      from: { path: "^src/netaddr/" },
      to: { path: "^src/(model|compile|wgconf)/" },
    },
    {
      name: "model-below-compile",
      severity: "error",
      from: { path: "^src/model/" },
      to: { path: "^src/(compile|wgconf)/" },
    },
    {
      name: "wgconf-does-not-compile",
      severity: "error",
      from: { path: "^src/wgconf/" },
      to: { path: "^src/compile/" },
    },
    {
      name: "agent-never-imports-controller",
      comment:
        "the agent runs on every node and talks to the controller only over HTTP: it may use model, wgconf and keys, never controller code (its tests may start a real controller).",
      severity: "error",
      from: { path: "^src/agent/", pathNot: TESTS },
      to: { path: "^src/(controller|cli|bench)/" },
    },
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^dist/|testdata/)" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
