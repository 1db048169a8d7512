/**
 * The hub's nftables table against real nft in a network namespace: a spoke joining or leaving
 * the policy's sets is applied as one small set-element transaction, and the table then lists
 * exactly as the same script loaded whole; a rule change still loads the table whole; a table
 * that is not the one applied last (deleted, or replaced by hand) is loaded whole again.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { useLab } from "../../../e2e/harness/netns.js";
import { compile, groupResources } from "../../compile/index.js";
import { type DesiredState, parseDocuments } from "../../model/index.js";
import { describeWith } from "../../testing/prerequisites.js";
import type { Runner } from "../exec.js";
import { killDaemons, type LabNode, labNode, removeDirs } from "../testing/lab-topology.js";
import { WgCliBackend } from "../wg/cli-backend.js";
import { applyDesiredState } from "./apply.js";
import { firewallHash, markerChain, stampFirewallScript } from "./firewall.js";

/** The hub's state for spokes `spokes` (indexes), all in one policy's sets; ports of its rule. */
function hubState(hubKey: string, spokes: readonly number[], ports = "[tcp/22, tcp/443]"): DesiredState {
  const key = (i: number) => Buffer.alloc(32, i + 1).toString("base64");
  const node = (name: string, role: string, extra: string) =>
    `---\napiVersion: hubwire/v1\nkind: Node\nmetadata: { name: ${name}, labels: { tier: ${role} } }\nspec:\n  network: lab\n  role: ${role}\n${extra}`;
  const yaml = [
    "apiVersion: hubwire/v1\nkind: Network\nmetadata: { name: lab }\nspec:\n  cidr: 10.77.0.0/16\n  cidr6: fd77::/64\n  defaultAction: deny\n",
    node("hub", "hub", `  endpoint: 192.0.2.1:51820\n  tunnelAddress: 10.77.0.1\n  publicKey: ${hubKey}\n`),
    ...spokes.map((i) =>
      node(
        `s${String(i).padStart(2, "0")}`,
        "spoke",
        `  tunnelAddress: 10.77.1.${i + 1}\n  subnets: [172.16.${i}.0/24]\n  hubs: [hub]\n  publicKey: ${key(i)}\n`,
      ),
    ),
    "---\napiVersion: hubwire/v1\nkind: AccessPolicy\nmetadata: { name: sites }\nspec:\n  network: lab\n  rules:\n" +
      `    - { from: { labels: { tier: spoke } }, to: { labels: { tier: hub } }, ports: ${ports}, action: allow }\n` +
      "    - { from: { labels: { tier: spoke } }, to: { labels: { tier: spoke } }, action: allow }\n",
  ].join("");
  const parsed = parseDocuments(yaml, "lab.yaml");
  if (parsed.issues.length > 0) throw new Error(JSON.stringify(parsed.issues));
  const result = compile(groupResources(parsed.resources));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return new Map(result.states).get("hub")!;
}

/**
 * Records each command with its stdin; with `session`, the runner keeps an nft session too, and
 * each request sent to it is recorded as `nft -i` with the request's line as its input (the
 * session's own marker and handshake lines left out).
 */
function recording(
  inner: Runner,
  session: boolean,
): Runner & { commands: { argv: string[]; input?: string }[] } {
  const commands: { argv: string[]; input?: string }[] = [];
  return {
    commands,
    has: (cmd) => inner.has(cmd),
    run(cmd, args, opts) {
      commands.push({ argv: [cmd, ...args], ...(opts?.input === undefined ? {} : { input: opts.input }) });
      return inner.run(cmd, args, opts);
    },
    daemon: (cmd, args) => inner.daemon(cmd, args),
    watch: (cmd, args, onLine) => inner.watch(cmd, args, onLine),
    ...(session
      ? {
          coprocess(cmd, args, on) {
            const proc = inner.coprocess!(cmd, args, on);
            return {
              write(text) {
                const line = text.split("\n")[0]!;
                if (line !== "describe ip version") commands.push({ argv: [cmd, "-i"], input: line });
                proc.write(text);
              },
              stop: () => proc.stop(),
            };
          },
        }
      : {}),
  };
}

/** The first command of a recorded nft run: a script's first line, or a session line's first. */
const firstCommand = (c: { input?: string }) => c.input?.split(/\n|; /)[0];
/** Whether a recorded nft run reads the ruleset (`nft -t list …`, or the session's list). */
const isRead = (c: { argv: string[]; input?: string }) =>
  c.argv[1] === "-t" || c.input === "list ruleset inet";

for (const mode of ["nft -f", "nft session"] as const)
  describeWith(
    ["root", "netns", "wireguard-go", "wg", "ip", "nft"],
    `hub firewall set updates in a network namespace (${mode})`,
    () => {
      const lab = useLab();
      const dirs: string[] = [];
      let hub: LabNode;

      beforeAll(async () => {
        hub = await labNode("hub", await lab.addHost(mode === "nft -f" ? "fw-hub" : "fs-hub"), dirs);
      }, 60_000);
      afterAll(async () => {
        if (hub) await killDaemons(hub.host as { netns: string });
        await removeDirs(dirs);
      });

      async function apply(desired: DesiredState, previous?: DesiredState) {
        const runner = recording(hub.runner, mode === "nft session");
        const lines: string[] = [];
        const result = await applyDesiredState(desired, {
          runner,
          backend: new WgCliBackend(runner, { kernel: false }),
          privateKeyFile: hub.id.privateKeyFile,
          publicKey: hub.id.publicKey,
          log: (l) => lines.push(l),
          ...(previous ? { previous } : {}),
        });
        const nft = runner.commands.filter((c) => c.argv[0] === "nft");
        return {
          ...result,
          lines,
          nft,
          ops: result.plan.map((s) => s.op).filter((op) => op.includes("firewall")),
        };
      }
      const listing = async () => (await hub.runner.run("nft", ["list", "table", "inet", "hubwire"])).stdout;
      /** What the same script gives loaded whole into a fresh table. */
      async function loadedWhole(d: DesiredState): Promise<string> {
        await hub.runner.run("nft", ["delete", "table", "inet", "hubwire"]);
        const hash = firewallHash(d.firewall!.script);
        await hub.runner.run("nft", ["-f", "-"], {
          input: stampFirewallScript("hubwire", d.firewall!.script, hash),
        });
        return listing();
      }

      it("applies a spoke joining and leaving the sets as one small transaction, listing as a whole load does", async () => {
        const base = hubState(hub.id.publicKey, [0, 1, 2, 4, 5]);
        const first = await apply(base);
        expect(first.ops).toEqual(["replace-firewall"]);

        // Spoke 3 fills the gap: its /32 and /24 join the runs around them.
        const added = hubState(hub.id.publicKey, [0, 1, 2, 3, 4, 5]);
        const r = await apply(added, base);
        expect(r.ops).toEqual(["update-firewall-sets"]);
        // One nft process and no table read: the transaction itself checks the table.
        expect(r.nft).toHaveLength(1);
        // Sent to the session when the runner keeps one: no nft process started for it.
        expect(r.nft[0]!.argv).toEqual(mode === "nft session" ? ["nft", "-i"] : ["nft", "-f", "-"]);
        const input = r.nft[0]!.input!;
        expect(firstCommand(r.nft[0]!)).toBe(
          `delete chain inet hubwire ${markerChain(firewallHash(base.firewall!.script))}`,
        );
        expect(input).toContain("add element inet hubwire");
        expect(input).not.toContain("chain net");
        expect(input).not.toContain("table inet hubwire {");
        const incremental = await listing();
        expect(incremental).toContain(markerChain(firewallHash(added.firewall!.script)));
        expect(incremental).not.toContain(markerChain(firewallHash(base.firewall!.script)));
        expect(incremental).toContain("10.77.1.1-10.77.1.6");
        expect(await loadedWhole(added)).toBe(incremental);

        // The same firewall again: read, found applied, no nft change.
        const again = await apply(added, added);
        expect(again.ops).toEqual([]);
        expect(again.nft.map(isRead)).toEqual([true]);

        // Spoke 2 leaves from the middle of a run: the run is deleted and its two halves added.
        const removed = hubState(hub.id.publicKey, [0, 1, 3, 4, 5]);
        const back = await apply(removed, added);
        expect(back.ops).toEqual(["update-firewall-sets"]);
        expect(back.nft).toHaveLength(1);
        const split = await listing();
        expect(split).toContain("10.77.1.1-10.77.1.2");
        expect(split).toContain("10.77.1.4-10.77.1.6");
        expect(await loadedWhole(removed)).toBe(split);
      });

      it("still loads the table whole when a rule changes", async () => {
        const before = hubState(hub.id.publicKey, [0, 1, 3, 4, 5]);
        await apply(before);
        const after = hubState(hub.id.publicKey, [0, 1, 3, 4, 5, 6], "[tcp/22]");
        const r = await apply(after, before);
        expect(r.ops).toEqual(["replace-firewall"]);
        expect(r.nft).toHaveLength(1);
        expect(r.nft[0]!.input).toContain("delete table inet hubwire");
        const whole = await listing();
        expect(whole).toContain("tcp dport 22 accept");
        expect(await loadedWhole(after)).toBe(whole);
      });

      it("loads the table whole when it is not the one applied last: deleted, or replaced by hand", async () => {
        const last = hubState(hub.id.publicKey, [0, 1, 3]);
        const next = hubState(hub.id.publicKey, [0, 1, 2, 3]);
        const expected = await loadedWhole(next);

        // Deleted by hand: the set update fails as a whole, then the table is loaded.
        await apply(last);
        await hub.runner.run("nft", ["delete", "table", "inet", "hubwire"]);
        const gone = await apply(next, last);
        expect(gone.ops).toEqual(["update-firewall-sets"]);
        expect(gone.nft.map(firstCommand)).toEqual([
          `delete chain inet hubwire ${markerChain(firewallHash(last.firewall!.script))}`,
          "table inet hubwire",
        ]);
        expect(gone.lines.join("\n")).toMatch(/set update refused .*; load table inet hubwire instead/);
        expect(await listing()).toBe(expected);

        // Replaced by hand with a table of the same name (an element added, no marker): the same.
        await apply(last);
        await hub.runner.run("nft", ["-f", "-"], {
          input: `${last.firewall!.script.replace("10.77.1.1/32", "10.77.1.1/32, 192.0.2.99/32")}`,
        });
        const tampered = await listing();
        expect(tampered).toContain("192.0.2.99");
        const repaired = await apply(next, last);
        expect(repaired.nft).toHaveLength(2);
        expect(await listing()).toBe(expected);

        // An element deleted by hand behind an intact marker: the update's delete of the run it
        // broke fails, so the whole transaction does, and the table is loaded whole.
        await apply(last);
        await hub.runner.run("nft", [
          "delete",
          "element",
          "inet",
          "hubwire",
          "r1_from4",
          "{ 10.77.1.1-10.77.1.2 }",
        ]);
        const broken = await apply(next, last);
        expect(broken.nft).toHaveLength(2);
        expect(await listing()).toBe(expected);
      });
    },
  );
