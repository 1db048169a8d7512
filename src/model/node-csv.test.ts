import { describe, expect, it } from "vitest";
import { formatNodeCsv, parseCsv, parseNodeCsv } from "./node-csv.js";

const HEADER =
  "name,network,role,endpoint,listenPort,tunnelAddress,tunnelAddress6,subnets,hubs,labels,publicKey,persistentKeepalive,description";

describe("parseCsv", () => {
  it("reads quoted cells with commas, doubled quotes and line breaks, and numbers records by their first line", () => {
    const { records, error } = parseCsv('a,b\r\n\n"x,1","say ""hi""\nthere",z\nlast,\n');
    expect(error).toBeUndefined();
    expect(records).toEqual([
      { line: 1, cells: ["a", "b"] },
      { line: 3, cells: ["x,1", 'say "hi"\nthere', "z"] },
      { line: 5, cells: ["last", ""] },
    ]);
  });

  it("names the line of a quote that is never closed", () => {
    expect(parseCsv('a\n"open\nmore').error).toEqual({ line: 2, message: "a quoted cell is never closed" });
  });
});

describe("parseNodeCsv", () => {
  it("turns rows into validated nodes with lists and labels", () => {
    const text = `name,network,role,endpoint,subnets,hubs,labels\nhub-a,corp,hub,203.0.113.1:51820,,,\nbr-1,corp,spoke,,"10.1.0.0/24; 10.2.0.0/24",hub-a,tier=branch site=ber\n`;
    const { nodes, issues } = parseNodeCsv(text);
    expect(issues).toEqual([]);
    expect(nodes.map((n) => n.metadata.name)).toEqual(["hub-a", "br-1"]);
    expect(nodes[1]!.spec.subnets).toEqual(["10.1.0.0/24", "10.2.0.0/24"]);
    expect(nodes[1]!.spec.hubs).toEqual(["hub-a"]);
    expect(nodes[1]!.metadata.labels).toEqual({ tier: "branch", site: "ber" });
  });

  it("reports every bad row with its line and field, and keeps the good ones", () => {
    const text = `name,network,role,subnets,listenPort,labels\nok-1,corp,spoke,,,\nbad-1,corp,spoke,10.1.0.0/99,,\nbad-2,corp,boss,,x,\nbad-3,corp,spoke,,,novalue\nshort,corp\n`;
    const { nodes, issues } = parseNodeCsv(text);
    expect(nodes.map((n) => n.metadata.name)).toEqual(["ok-1"]);
    const lines = issues.map((i) => `${i.source} ${i.name} ${i.path}`);
    expect(lines).toEqual([
      "line 3 bad-1 spec.subnets[0]",
      "line 4 bad-2 spec.listenPort",
      "line 5 bad-3 metadata.labels",
      "line 6 short ",
    ]);
  });

  it("refuses an unknown or missing column before reading any row", () => {
    expect(parseNodeCsv("name,network,colour\nx,corp,red\n").issues.map((i) => i.message)).toEqual([
      expect.stringContaining('unknown column "colour"'),
      "the header lacks the column role",
    ]);
    expect(parseNodeCsv("name,network\nx,corp\n").issues.map((i) => i.message)).toEqual([
      "the header lacks the column role",
    ]);
    expect(parseNodeCsv("").issues[0]!.message).toMatch(/empty/);
  });

  it("re-reads its own export to the same nodes", () => {
    const text = `${HEADER}\nbr-1,corp,spoke,198.51.100.7:51900,51900,10.100.1.5,,10.1.0.0/24 10.2.0.0/24,hub-a hub-b,tier=branch,,15,"Berlin, 2nd floor"\n`;
    const first = parseNodeCsv(text);
    expect(first.issues).toEqual([]);
    expect(formatNodeCsv(first.nodes)).toBe(text);
    expect(parseNodeCsv(formatNodeCsv(first.nodes)).nodes).toEqual(first.nodes);
  });
});

describe("CSV formula injection", () => {
  it("exports cells a spreadsheet would run as formulas behind a ', and re-imports them unchanged", () => {
    const descriptions = [
      '=HYPERLINK("http://x")',
      "+1",
      "-2+3",
      "@SUM(A1)",
      "'=already",
      "''+two",
      "plain",
      "it's",
    ];
    const text = `${HEADER}\n${descriptions.map((_, i) => `n${i},corp,spoke,,,,,,hub-a,,,,x`).join("\n")}\n`;
    const read = parseNodeCsv(text);
    expect(read.issues).toEqual([]);
    const nodes = read.nodes.map((n, i) => ({ ...n, spec: { ...n.spec, description: descriptions[i]! } }));
    const exported = formatNodeCsv(nodes);
    const cells = parseCsv(exported)
      .records.slice(1)
      .map((r) => r.cells[12]);
    for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(cells.slice(0, 4)).toEqual(['\'=HYPERLINK("http://x")', "'+1", "'-2+3", "'@SUM(A1)"]);
    expect(parseNodeCsv(exported).nodes.map((n) => n.spec.description)).toEqual(descriptions);
  });
});
