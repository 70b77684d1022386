/** Where helk's own files (images/, helk.config.json) are: the folder of its package.json. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** Walks up from this module (dist/, dist/chunks/ or engine/ when run from source). */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "helk") {
      cached = dir;
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`helk's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** images/<folder> of this helk, or HELK_IMAGES_DIR/<folder> when set (a site's own content). */
export function imagesDir(folder: string): string {
  return join(process.env.HELK_IMAGES_DIR ?? join(packageRoot(), "images"), folder);
}
