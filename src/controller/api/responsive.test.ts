/**
 * The issue-13 done-when: one request applying as many Networks as a request may carry must not
 * stall the controller. A second client polls `/healthz` every 100 ms during the apply; no
 * answer may take over a second. One more resource than the bound is refused, naming the limit.
 */
import { describe, expect, it } from "vitest";
import { MAX_RESOURCES_PER_REQUEST } from "../../model/index.js";
import { liveController } from "../testing/live-controller.js";
import { scratchDir } from "../testing/scratch-dir.js";

const dirs = await scratchDir("hubwire-responsive-");

const network = (i: number) => ({
  apiVersion: "hubwire/v1",
  kind: "Network",
  metadata: { name: `net-${i}` },
  spec: { cidr: `10.${(i >> 8) & 255}.${i & 255}.0/24` },
});

describe("a large apply and the event loop", () => {
  it(`applies ${MAX_RESOURCES_PER_REQUEST} networks while /healthz answers within a second`, async () => {
    const live = await liveController(dirs.next());
    try {
      const items = Array.from({ length: MAX_RESOURCES_PER_REQUEST }, (_, i) => network(i));
      const over = await live.call("POST", "/api/v1/apply?dryRun=true", {
        items: [...items, network(MAX_RESOURCES_PER_REQUEST)],
      });
      expect(over.status).toBe(413);
      expect(over.json.error.message).toContain(String(MAX_RESOURCES_PER_REQUEST));

      // The poller shares this process's event loop with the controller: a stalled loop delays
      // its timer as much as the answer, so each answer is timed from when its poll was due.
      const gaps: number[] = [];
      let done = false;
      const poll = (async () => {
        let due = performance.now();
        while (!done) {
          const r = await fetch(`${live.apiUrl}/healthz`);
          expect(r.status).toBe(200);
          await r.text();
          gaps.push(performance.now() - due);
          due = performance.now() + 100;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      const started = performance.now();
      const applied = await live.call("POST", "/api/v1/apply", { items });
      const took = performance.now() - started;
      done = true;
      await poll;
      expect(applied.status, JSON.stringify(applied.json).slice(0, 500)).toBe(200);
      expect(applied.json.changes).toHaveLength(MAX_RESOURCES_PER_REQUEST);
      const slowest = Math.max(...gaps);
      console.log(
        `MEASURE apply ${items.length} networks: ${took.toFixed(0)} ms, ${gaps.length} health answers, slowest ${slowest.toFixed(0)} ms`,
      );
      expect(gaps.length).toBeGreaterThan(took / 1000);
      expect(slowest).toBeLessThan(1000);
    } finally {
      await live.close();
    }
  }, 300_000);
});
