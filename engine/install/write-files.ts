/** Write rendered files into an install home, reporting what changed. Modes are enforced. */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { FileChange } from "../../compose/plan.js";
import type { RenderedFile } from "../../compose/render.js";

/** Compare rendered files with what is on disk, without writing. */
export function diffFiles(home: string, files: RenderedFile[]): FileChange[] {
  return files.map((f) => {
    const target = join(home, f.path);
    if (!existsSync(target)) return { path: f.path, change: "create", mode: f.mode };
    return { path: f.path, change: readFileSync(target, "utf8") === f.content ? "unchanged" : "update", mode: f.mode };
  });
}

/** Write atomically (temp file + rename) so an interrupted install never leaves half a file. */
export function writeFiles(home: string, files: RenderedFile[]): FileChange[] {
  const changes = diffFiles(home, files);
  for (const f of files) {
    const target = join(home, f.path);
    const secret = (f.mode & 0o077) === 0;
    mkdirSync(dirname(target), { recursive: true, mode: secret ? 0o700 : 0o755 });
    const tmp = `${target}.helk-tmp`;
    writeFileSync(tmp, f.content, { mode: f.mode });
    chmodSync(tmp, f.mode);
    renameSync(tmp, target);
  }
  return changes;
}
