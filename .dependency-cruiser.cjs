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
      name: "agent-imports-below-it",
      comment:
        "the agent may use model, wgconf, keys, netaddr and compile's types only; never the controller, CLI or the compiler itself (its tests and test support may compile intents).",
      severity: "error",
      from: { path: "^src/agent/", pathNot: `${TESTS}|^src/agent/testing/` },
      to: {
        path: "^src/",
        pathNot: "^src/(agent|model|wgconf|keys|netaddr)/",
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "nothing-imports-the-agent-but-the-agent",
      comment: "the controller, compiler and pure modules never depend on the agent (the CLI may start it).",
      severity: "error",
      from: { path: "^src/(controller|compile|model|netaddr|wgconf|keys)/" },
      to: { path: "^src/agent/" },
    },
    {
      name: "agent-planner-is-pure",
      comment:
        "the apply planner, its validation and log format do no I/O: they see the live state only as a value.",
      severity: "error",
      from: { path: "^src/agent/apply/(plan|firewall|format|handled-fields|validate)\\.ts$" },
      to: { dependencyTypes: ["core"], pathNot: "^(node:)?crypto$" },
    },
    {
      name: "domain-below-http",
      comment:
        "state, enroll, auth, guard, notify, status, backup and db throw domain errors (controller/errors.ts) and never import the HTTP layer; api/errors.ts maps codes to statuses.",
      severity: "error",
      from: {
        path: "^src/controller/(state|enroll|auth|guard|notify|status|backup|db)/",
        pathNot: "\\.(test|suite)\\.ts$",
      },
      to: { path: "^src/controller/api/" },
    },
    {
      name: "routes-through-services",
      comment:
        "route handlers reach the database only through the domain's services (auth, enroll, status, audit, state…), which take and return domain values.",
      severity: "error",
      from: { path: "^src/controller/api/routes/" },
      to: { path: "^src/controller/db/" },
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
