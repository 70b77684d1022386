/** README's Layout section names every folder of the repository, and only folders that exist. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const SKIP = new Set(["node_modules", "dist", ".git"]);

const dirs = (rel: string): string[] =>
  readdirSync(join(ROOT, rel))
    .filter((n) => !SKIP.has(n) && !n.startsWith(".git") && statSync(join(ROOT, rel, n)).isDirectory())
    .map((n) => (rel ? `${rel}/${n}` : n));

function layout(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Layout\n");
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe("README's Layout section", () => {
  it("names each folder and each folder one level inside it", () => {
    const text = layout();
    const folders = dirs("").flatMap((d) => [d, ...dirs(d)]);
    expect(folders.filter((d) => !text.includes(`\`${d}/`))).toEqual([]);
  });

  it("names no folder that does not exist", () => {
    const named = [...layout().matchAll(/`([\w.-]+(?:\/[\w.-]+)*)\/`/g)].map((m) => m[1] as string);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((d) => !statSync(join(ROOT, d), { throwIfNoEntry: false })?.isDirectory())).toEqual([]);
  });
});
