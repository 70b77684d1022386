/**
 * The built CLI runs on the distributions' own Node.js, 18.19 and newer (Debian 12 ships 18.20,
 * Ubuntu 24.04 18.19), while development and the tests run Node 20. An API only newer Node
 * versions have type-checks here (@types/node is 20's) and passes every test on this machine,
 * then fails on a user's: none may appear in the code the bundle is made of. This is a scan
 * for the known ones; test/engine/fresh-debian.test.ts runs the bundle on Debian's Node 18.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (file: string): string => readFileSync(join(ROOT, file), "utf8");

/** Each with the first Node.js that has it (none of them is in 18.19). */
const NEWER_THAN_18_19: [RegExp, string][] = [
  [/\.parentPath\b/, "Dirent.parentPath (18.20, 20.12)"],
  [/import\.meta\.(dirname|filename)\b/, "import.meta.dirname/filename (20.11)"],
  [/\bstyleText\b/, "util.styleText (20.12)"],
  [/\bgetBuiltinModule\b/, "process.getBuiltinModule (22.3)"],
  [/\bloadEnvFile\b|\bparseEnv\b/, "process.loadEnvFile / util.parseEnv (21.7)"],
  [/\b(Object|Map)\.groupBy\b/, "Object/Map.groupBy (21)"],
  [/\bPromise\.withResolvers\b/, "Promise.withResolvers (22)"],
  [/\.(toSorted|toReversed|toSpliced)\(/, "Array.prototype.toSorted/toReversed/toSpliced (20)"],
  [/\bArray\.fromAsync\b/, "Array.fromAsync (22)"],
  [/\.(isWellFormed|toWellFormed)\(/, "String.prototype.isWellFormed/toWellFormed (20)"],
  [/\bcrypto\.hash\(|\bimport \{[^}]*\bhash\b[^}]*\} from "node:crypto"/, "crypto.hash (20.12)"],
  [/\b(glob|globSync)\b[^\n]*from "node:fs/, "fs.glob (22)"],
  [/\bopenAsBlob\b/, "fs.openAsBlob (19.8)"],
  [/\bnavigator\./, "navigator (21)"],
  [/\bnew WebSocket\(/, "WebSocket (22)"],
  [/\bIterator\.from\b|\.values\(\)\.(map|filter|take|drop|toArray)\(/, "iterator helpers (22)"],
];

function sourcesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

describe("Node.js versions", () => {
  it("package.json engines, the bundle's target, setup-host.sh and the README name the same minimum", () => {
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(">=18.19");
    expect(read("scripts/build.mjs")).toMatch(/const target = "node18\.19"/);
    expect(read("scripts/setup-host.sh")).toMatch(/^NODE_MIN=18\.19$/m);
    expect(read("README.md")).toMatch(/^- Node\.js 18\.19\+/m);
  });

  it("the bundled code (cli, compose, engine) uses no API newer than Node 18.19", () => {
    const found: string[] = [];
    for (const file of ["cli", "compose", "engine"].flatMap(sourcesUnder)) {
      read(file)
        .split("\n")
        .forEach((line, i) => {
          for (const [pattern, api] of NEWER_THAN_18_19) if (pattern.test(line)) found.push(`${file}:${i + 1}: ${api}`);
        });
    }
    expect(found).toEqual([]);
  });

  it("the scan finds what it looks for", () => {
    const samples = [
      "join(e.parentPath, e.name)",
      "const here = import.meta.dirname;",
      'import { styleText } from "node:util";',
      "const sorted = names.toSorted();",
      "const byKind = Object.groupBy(items, (i) => i.kind);",
    ];
    for (const sample of samples)
      expect(
        NEWER_THAN_18_19.some(([p]) => p.test(sample)),
        sample,
      ).toBe(true);
  });
});
