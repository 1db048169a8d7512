import { describe, expect, it } from "vitest";
import { prettyLine } from "./pretty-log.js";

const T = Date.UTC(2026, 11, 2, 12, 0, 1);

describe("prettyLine", () => {
  it("folds a request's two JSON lines into one; hides successful reads when quiet", () => {
    const pending = new Map<string, string>();
    const start = (id: string, method: string, url: string) =>
      JSON.stringify({ level: 30, time: T, reqId: id, req: { method, url }, msg: "incoming request" });
    const done = (id: string, status: number) =>
      JSON.stringify({
        level: 30,
        time: T,
        reqId: id,
        res: { statusCode: status },
        responseTime: 3.14,
        msg: "request completed",
      });
    expect(prettyLine(start("r1", "POST", "/api/v1/apply"), pending, true)).toBeNull();
    expect(prettyLine(done("r1", 200), pending, true)).toBe("12:00:01 INFO  POST /api/v1/apply 200 3.1ms");
    expect(prettyLine(start("r2", "GET", "/api/v1/nodes"), pending, true)).toBeNull();
    expect(prettyLine(done("r2", 200), pending, true)).toBeNull();
    expect(prettyLine(start("r3", "GET", "/api/v1/nodes/x"), pending, true)).toBeNull();
    expect(prettyLine(done("r3", 404), pending, true)).toBe("12:00:01 INFO  GET /api/v1/nodes/x 404 3.1ms");
    expect(pending.size).toBe(0);
  });

  it("writes other lines as time, level, message and fields", () => {
    const line = JSON.stringify({
      level: 40,
      time: T,
      pid: 1,
      hostname: "h",
      node: "a",
      msg: "spoke attached",
      to: "hub-b",
    });
    expect(prettyLine(line, new Map())).toBe("12:00:01 WARN  spoke attached node=a to=hub-b");
    expect(prettyLine("not json", new Map())).toBe("not json");
  });
});
