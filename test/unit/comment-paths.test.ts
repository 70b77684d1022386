/**
 * A path of this repository named in a comment or a string (e.g. "engine/stack/stack.ts") is a file
 * that exists: a comment that sends a reader to a file that was renamed or never written costs
 * more than no comment. Paths of upstream projects (kafka's bin/..., Kibana's src/...) do not
 * start with one of this repository's folders and are not checked; nor are test/fixtures/, which
 * copy upstream images' files and name theirs (Jupyter's images/base-notebook/...).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const FOLDERS = ["cli", "compose", "engine", "images", "test", "scripts", "bench"];
const PATH = new RegExp(`(?<=^|[\\s\`'"(])((?:${FOLDERS.join("|")})/[\\w./-]*\\.(?:ts|md|sh|py|mjs))\\b`, "g");

function sources(): string[] {
  return FOLDERS.flatMap((dir) =>
    (readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" }) as string[])
      .filter((f) => /\.(ts|mjs|sh|py)$/.test(f) && !f.includes("node_modules"))
      .filter((f) => !(dir === "test" && f.startsWith("fixtures/")))
      .map((f) => join(dir, f)),
  );
}

describe("paths named in the sources", () => {
  it("every path of this repository named in a source file exists", () => {
    const missing = sources().flatMap((file) =>
      readFileSync(join(ROOT, file), "utf8")
        .split("\n")
        .flatMap((line, i) =>
          [...line.matchAll(PATH)]
            .map((m) => m[1] as string)
            .filter((p) => !existsSync(join(ROOT, p)))
            .map((p) => `${file}:${i + 1} ${p}`),
        ),
    );
    expect(missing).toEqual([]);
  });

  it("the pattern takes a repository path, and leaves an upstream one alone", () => {
    const found = (text: string) => [...text.matchAll(PATH)].map((m) => m[1]);
    expect(found(" * engine/stack/stack.ts writes; see `compose/render.ts`.")).toEqual(["engine/stack/stack.ts", "compose/render.ts"]);
    expect(found(" * upstream src/core/packages/http/server-internal/src/http_service.ts")).toEqual([]);
  });
});
