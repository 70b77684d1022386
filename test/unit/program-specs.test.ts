import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../cli/command-table.js";
import type { Printer } from "../../cli/output.js";
import { buildProgram, specsFor } from "../../cli/program.js";

const quiet: Printer = { out: () => undefined, err: () => undefined, status: () => undefined, isTTY: false };
const argv = (...words: string[]) => ["node", "helk", ...words];
const names = (words: string[]) => specsFor(argv(...words)).map((s) => s.name);

describe("the command tree a command line builds", () => {
  it("holds only the named command, or the named group with its subcommands", () => {
    expect(names(["status", "--json"])).toEqual(["status"]);
    const rules = names(["rules", "add", "x.yml"]);
    expect(rules[0]).toBe("rules");
    expect(rules.length).toBeGreaterThan(3);
    expect(rules.every((n) => n === "rules" || n.startsWith("rules "))).toBe(true);
  });

  it("holds every command for help, flags, nothing, or a word that names no command", () => {
    for (const words of [[], ["--help"], ["-V"], ["help", "status"], ["instal"], ["--json", "status"]])
      expect(names(words)).toHaveLength(COMMANDS.length);
  });

  it("gives a command the same help, options and defaults as the whole tree does", () => {
    const whole = buildProgram("0.0.0", quiet, () => undefined);
    for (const spec of COMMANDS.filter((s) => !s.name.includes(" "))) {
      const alone = buildProgram("0.0.0", quiet, () => undefined, specsFor(argv(spec.name)));
      const pick = (p: typeof whole) => p.commands.find((c) => c.name() === spec.name);
      expect(pick(alone)?.helpInformation(), spec.name).toBe(pick(whole)?.helpInformation());
      expect(pick(alone)?.commands.map((c) => c.helpInformation())).toEqual(pick(whole)?.commands.map((c) => c.helpInformation()));
    }
  });
});
