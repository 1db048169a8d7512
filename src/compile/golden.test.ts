/**
 * Golden files: every node of the shipped examples, rendered the three ways an
 * operator or agent sees it (wg-quick per interface, the hub's nftables script,
 * the agent's JSON). A change in output shows up as a reviewable file diff.
 *
 * `UPDATE_GOLDEN=1 npx vitest run src/compile/golden.test.ts` rewrites the
 * files instead of comparing; read the diff before committing it.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDocuments, type Resource } from "../model/index.js";
import { renderJson, renderWgQuick } from "../wgconf/index.js";
import { compile } from "./compile.js";
import { groupResources } from "./intent.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const GOLDEN = join(HERE, "testdata", "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const EXAMPLES = ["corp", "mesh"] as const;

async function loadExample(example: string): Promise<Resource[]> {
  const dir = join(ROOT, "examples", example);
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const resources: Resource[] = [];
  for (const f of files) {
    const parsed = parseDocuments(await readFile(join(dir, f), "utf8"), f);
    expect(parsed.issues).toEqual([]);
    resources.push(...parsed.resources);
  }
  return resources;
}

/** Every file the node's golden folder must hold, by file name. */
async function renderExample(example: string): Promise<Map<string, Map<string, string>>> {
  const compiled = compile(groupResources(await loadExample(example)));
  if (!compiled.ok)
    throw new Error(`examples/${example} does not compile: ${JSON.stringify(compiled.issues)}`);
  const out = new Map<string, Map<string, string>>();
  for (const [node, state] of compiled.states) {
    const files = new Map<string, string>();
    for (const f of renderWgQuick(state)) files.set(f.name, f.text);
    if (state.firewall) files.set("hubwire.nft", state.firewall.script);
    files.set(`${node}.json`, renderJson(state));
    out.set(node, files);
  }
  return out;
}

describe.each(EXAMPLES)("golden output of examples/%s", (example) => {
  it("matches testdata/golden byte for byte", async () => {
    const rendered = await renderExample(example);
    const base = join(GOLDEN, example);
    if (UPDATE) {
      await rm(base, { recursive: true, force: true });
      for (const [node, files] of rendered) {
        await mkdir(join(base, node), { recursive: true });
        for (const [name, text] of files) await writeFile(join(base, node, name), text);
      }
      console.log(`UPDATE_GOLDEN=1: rewrote ${base} (${rendered.size} nodes)`);
      return;
    }
    expect(existsSync(base), `${base} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    // No stale or missing nodes/files: the folder lists exactly what is rendered.
    const nodes = (await readdir(base)).sort();
    expect(nodes).toEqual([...rendered.keys()].sort());
    for (const [node, files] of rendered) {
      const names = (await readdir(join(base, node))).sort();
      expect(names, `files of ${example}/${node}`).toEqual([...files.keys()].sort());
      for (const [name, text] of files) {
        const want = await readFile(join(base, node, name), "utf8");
        expect(text, `${example}/${node}/${name} (UPDATE_GOLDEN=1 rewrites it)`).toBe(want);
      }
    }
  });
});
