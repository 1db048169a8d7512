/** Names the resource forms offer in their pickers: networks, and nodes with their network and role. */
import { api } from "../api/client";
import type { NodeRole } from "../api/types";
import { useApi } from "./use-api";

export interface Names {
  readonly networks: string[];
  readonly nodes: Array<{ name: string; network: string; role: NodeRole }>;
}

export function useNames(): Names {
  const networks = useApi((signal) => api.get("/api/v1/networks", { query: { limit: 1000 }, signal }), []);
  const nodes = useApi((signal) => api.get("/api/v1/nodes", { query: { limit: 1000 }, signal }), []);
  return {
    networks: (networks.data?.items ?? []).map((n) => n.metadata.name),
    nodes: (nodes.data?.items ?? []).map((n) => ({
      name: n.metadata.name,
      network: n.spec.network,
      role: n.spec.role,
    })),
  };
}
