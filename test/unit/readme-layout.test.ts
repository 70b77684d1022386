/** README's Layout section names every folder of the repository, and only folders that exist. */
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * The repository's folders two levels deep, from what git tracks: a walk of the disk would also
 * find what a run leaves behind (.test-output, dist, node_modules), which the README rightly omits.
 */
function trackedFolders(): string[] {
  const files = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n");
  const folders = new Set<string>();
  for (const file of files) {
    const parts = file.split("/").slice(0, -1).slice(0, 2);
    if (parts.length > 0) folders.add(parts[0] as string);
    if (parts.length > 1) folders.add(parts.join("/"));
  }
  // .github holds the hosted CI workflow, not HELK: the README leaves it out.
  return [...folders].filter((d) => !d.startsWith(".github"));
}

function layout(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Layout\n");
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe("README's Layout section", () => {
  it("names each folder and each folder one level inside it", () => {
    const text = layout();
    const folders = trackedFolders();
    expect(folders.filter((d) => !text.includes(`\`${d}/`))).toEqual([]);
  });

  it("names no folder that does not exist", () => {
    const named = [...layout().matchAll(/`([\w.-]+(?:\/[\w.-]+)*)\/`/g)].map((m) => m[1] as string);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((d) => !statSync(join(ROOT, d), { throwIfNoEntry: false })?.isDirectory())).toEqual([]);
  });
});
