/**
 * images/elastalert/sigma/EXPECTED.md (the alerts HELK's Sigma rules must raise on each shared data
 * set) against the counts test/helpers/sigma-expected.ts makes from the data sets' own lines, and
 * against the rule files themselves: every HELK rule is in the table with every target helk-sigma
 * gives it, fires on its technique's set and on no other.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type MordorSet, readMordorSet, readmeCounts } from "../helpers/mordor.js";
import { countAlerts, joinedDocuments, readExpected, TECHNIQUES } from "../helpers/sigma-expected.js";

const RULES = new URL("../../images/elastalert/sigma/helk/", import.meta.url).pathname;
const sets: MordorSet[] = [];

describe("HELK's Sigma rules: expected alerts per data set", () => {
  beforeAll(async () => {
    for (const { file } of readmeCounts()) sets.push(await readMordorSet(file));
  });

  it("EXPECTED.md has exactly the counts computed from the data sets", () => {
    const { sets: columns, counts } = readExpected();
    expect(columns).toEqual(sets.map((s) => s.file));
    const computed: Record<string, Record<string, number>> = {};
    for (const s of sets) for (const [key, n] of Object.entries(countAlerts(s))) computed[key] = { ...computed[key], [s.file]: n };
    expect(counts).toEqual(computed);
  });

  it("every rule file is counted, and each fires on exactly one data set", () => {
    const ids = readdirSync(RULES)
      .filter((f) => f.endsWith(".yml"))
      .map((f) => /^id: (\S+)$/m.exec(readFileSync(join(RULES, f), "utf8"))?.[1]);
    expect(ids.sort()).toEqual(TECHNIQUES.map((t) => t.id).sort());
    const { counts } = readExpected();
    for (const t of TECHNIQUES) {
      const perSet = sets.map((s) => t.targets.reduce((sum, target) => sum + (counts[`${t.id} ${target}`]?.[s.file] ?? 0), 0));
      expect(
        perSet.filter((n) => n > 0),
        t.id,
      ).toHaveLength(1);
    }
  });

  it("the joined documents counted are the README's joinable EID 3 events", () => {
    expect(sets.map((s) => joinedDocuments(s.events).length)).toEqual(readmeCounts().map((c) => c.joinableEid3));
  });
});
