/**
 * Functions in cli/ and engine/ stay at 80 lines or fewer, so each reads on one screen; a longer
 * one says why in its doc comment ("Longer than 80 lines because ..."). Found with the TypeScript
 * parser: every function, method, arrow function and constructor, nested ones too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAX_LINES = 80;
const EXCUSE = /longer than 80 lines because/i;

interface Long {
  where: string;
  lines: number;
}

/** The comments above a function, or above the statement that names it (`const f = () => ...`). */
function leadingComments(node: ts.Node, text: string): string {
  const holders = [node, node.parent, node.parent?.parent, node.parent?.parent?.parent].filter((n): n is ts.Node => Boolean(n));
  return holders
    .map((n) => (ts.getLeadingCommentRanges(text, n.getFullStart()) ?? []).map((r) => text.slice(r.pos, r.end)).join("\n"))
    .join("\n");
}

function longFunctions(file: string, text: string): Long[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Long[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > MAX_LINES && !EXCUSE.test(leadingComments(node, text))) out.push({ where: `${file}:${first + 1}`, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const sources = (dir: string): string[] =>
  (readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" }) as string[])
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));

describe("function length in cli/ and engine/", () => {
  it(`no function is over ${MAX_LINES} lines without a comment saying why`, () => {
    const long = [...sources("cli"), ...sources("engine")].flatMap((f) => longFunctions(f, readFileSync(join(ROOT, f), "utf8")));
    expect(long).toEqual([]);
  });

  it("the check finds a long function, a long arrow and a long method, and accepts one that says why", () => {
    const body = Array.from({ length: MAX_LINES }, (_, i) => `  const v${i} = ${i};`).join("\n");
    const text = [
      `function a() {\n${body}\n}`,
      `const b = async () => {\n${body}\n};`,
      `class C {\n  m() {\n${body}\n  }\n}`,
      `/** Longer than 80 lines because it is a table. */\nfunction d() {\n${body}\n}`,
      "function e() {\n  return 1;\n}",
    ].join("\n");
    expect(longFunctions("x.ts", text).map((l) => l.where)).toEqual(["x.ts:1", `x.ts:${MAX_LINES + 3}`, `x.ts:${2 * MAX_LINES + 6}`]);
  });
});
