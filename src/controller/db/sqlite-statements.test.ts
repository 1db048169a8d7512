import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { withStatementCache } from "./sqlite-statements.js";

describe("withStatementCache", () => {
  let sqlite: BetterSqlite3.Database;
  afterEach(() => sqlite?.open && sqlite.close());

  it("hands out one prepared statement per SQL text", () => {
    sqlite = new BetterSqlite3(":memory:");
    const db = withStatementCache(sqlite);
    expect(db.prepare("select 1 as one")).toBe(db.prepare("select 1 as one"));
    expect(db.prepare("select 1 as one")).not.toBe(db.prepare("select 2 as two"));
  });

  it("prepares a fresh statement while the cached one is still iterating", () => {
    sqlite = new BetterSqlite3(":memory:");
    sqlite.exec("create table t (n integer); insert into t values (1), (2), (3)");
    const db = withStatementCache(sqlite);
    const sql = "select n from t order by n";
    const streaming = db.prepare(sql) as unknown as BetterSqlite3.Statement;
    const rows = streaming.iterate();
    expect(rows.next().value).toEqual({ n: 1 });
    const again = db.prepare(sql) as unknown as BetterSqlite3.Statement;
    expect(again).not.toBe(streaming);
    expect(again.all()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect([...rows]).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it("keeps at most `size` statements, dropping the oldest", () => {
    sqlite = new BetterSqlite3(":memory:");
    const db = withStatementCache(sqlite, 2);
    const first = db.prepare("select 1");
    db.prepare("select 2");
    db.prepare("select 3");
    expect(db.prepare("select 1")).not.toBe(first);
  });
});
