/**
 * The blast-radius guard's verbs: `hold list` shows hubs whose next revision is held (what it
 * would remove), `hold confirm NODE [--revision R]` delivers it. Confirming removes those peers
 * from the hub at once, so it names the revision reviewed when given one.
 */
import type { Command } from "commander";
import type { HoldView } from "../../controller/api/routes/delivery-holds.js";
import { apiRequest, getItems, loadCredentials } from "../api-client.js";
import type { Io } from "../io.js";

export function registerHoldVerbs(program: Command, io: Io): void {
  const hold = program
    .command("hold")
    .description("hub revisions the blast-radius guard holds for confirmation");
  hold
    .command("list")
    .description("list held hub revisions and the peers each would remove")
    .action(async () => {
      const items = await getItems<HoldView>("/api/v1/delivery-holds");
      if (items.length === 0) {
        io.stdout("no delivery is held\n");
        return;
      }
      for (const h of items) {
        const more = h.removed > h.removedNames.length ? `, … ${h.removed - h.removedNames.length} more` : "";
        io.stdout(
          `${h.node}  revision ${h.revision} held since ${h.heldAt}: removes ${h.removed} of ${h.peersBefore} peers (${h.removedNames.join(", ")}${more}); keeps ${h.baselineRevision}\n`,
        );
      }
    });
  hold
    .command("confirm")
    .description("deliver a held hub revision (its peers are removed at once)")
    .argument("<node>", "the hub")
    .option("--revision <rev>", "the held revision you reviewed (refused if another is held)")
    .action(async (node: string, flags: { revision?: string }) => {
      const res = await apiRequest(
        await loadCredentials(),
        "POST",
        `/api/v1/delivery-holds/${encodeURIComponent(node)}/confirm`,
        { body: JSON.stringify(flags.revision ? { revision: flags.revision } : {}) },
      );
      const h = res.json<HoldView>();
      io.stdout(`confirmed ${node} revision ${h.revision}: ${h.removed} peers will be removed\n`);
    });
}
