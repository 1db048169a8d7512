/** hubwire's version, as `hubwire --version` and the agent's status reports show it. */
export const VERSION = "0.1.0";
