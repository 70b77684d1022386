/**
 * The user's Sigma files in `<home>/rules/sigma/`: what `helk rules add` copies in (keeping the
 * folder layout the user gave, so a checkout of a rule collection stays recognisable) and what
 * `helk rules remove` takes out. No YAML is parsed here: the converter judges content.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { ExitCode, HelkError } from "../errors.js";

export const isSigmaFile = (name: string): boolean => /\.ya?ml$/i.test(name);

/** A file to copy: where it is, and where it goes under rules/sigma/. */
export interface SigmaSource {
  path: string;
  rel: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith("."))
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []))
    .sort();
}

/**
 * The YAML files of a file or a folder (recursively, hidden entries skipped). A folder keeps its
 * own name as the top of the layout: `add sigma/rules/windows/process_creation` puts its files
 * under rules/sigma/process_creation/. Other files in a folder (a README) are counted, not copied;
 * a single file that is not YAML is a usage error.
 */
export function sigmaSources(path: string): { files: SigmaSource[]; ignored: string[] } {
  const abs = resolve(path);
  if (!existsSync(abs))
    throw new HelkError(`${path} does not exist`, { exitCode: ExitCode.usage, hint: "give a Sigma rule file (.yml) or a folder of them" });
  if (statSync(abs).isFile()) {
    if (!isSigmaFile(abs))
      throw new HelkError(`${path} is not a Sigma rule file: helk takes .yml and .yaml files`, {
        exitCode: ExitCode.usage,
        hint: "Sigma rules are YAML; rename the file if it is one",
      });
    return { files: [{ path: abs, rel: basename(abs) }], ignored: [] };
  }
  const all = walk(abs);
  const top = basename(abs);
  const files = all.filter(isSigmaFile).map((p) => ({ path: p, rel: join(top, relative(abs, p)) }));
  if (!files.length)
    throw new HelkError(`${path} holds no .yml or .yaml file`, {
      exitCode: ExitCode.usage,
      hint: "point it at a folder of Sigma rules, e.g. a checkout's sigma/rules/windows/process_creation",
    });
  return { files, ignored: all.filter((p) => !isSigmaFile(p)).map((p) => relative(abs, p)) };
}

export interface CopyOutcome {
  /** Copied in (new, or replacing a different file with --replace). */
  added: string[];
  /** Already there with the same bytes. */
  unchanged: string[];
  /** Not copied: a different file of that name is there and --replace was not given. */
  conflicts: string[];
  /** What --replace overwrote, to put back if the new file is refused. */
  previous: Map<string, Buffer>;
}

/** Copy sources into `dir`; never overwrites a different file unless `replace`. */
export function copySigmaFiles(dir: string, sources: SigmaSource[], replace: boolean): CopyOutcome {
  const out: CopyOutcome = { added: [], unchanged: [], conflicts: [], previous: new Map() };
  for (const s of sources) {
    const target = join(dir, s.rel);
    const bytes = readFileSync(s.path);
    if (existsSync(target)) {
      const old = readFileSync(target);
      if (old.equals(bytes)) {
        out.unchanged.push(s.rel);
        continue;
      }
      if (!replace) {
        out.conflicts.push(s.rel);
        continue;
      }
      out.previous.set(s.rel, old);
    }
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    // World-readable: the converter reads them as the image's uid 1000.
    writeFileSync(target, bytes, { mode: 0o644 });
    chmodSync(target, 0o644);
    out.added.push(s.rel);
  }
  return out;
}

/** Remove a file under `dir` and the folders it leaves empty (rules/sigma itself stays). */
export function removeSigmaFile(dir: string, rel: string): void {
  rmSync(join(dir, rel), { force: true });
  let parent = dirname(join(dir, rel));
  while (parent.startsWith(dir + sep) && readdirSync(parent).length === 0) {
    rmdirSync(parent);
    parent = dirname(parent);
  }
}

/** Put back a file as it was (what --replace overwrote, what remove took), or remove a new one. */
export function restoreSigmaFile(dir: string, rel: string, previous: Buffer | undefined): void {
  if (!previous) {
    removeSigmaFile(dir, rel);
    return;
  }
  mkdirSync(dirname(join(dir, rel)), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, rel), previous, { mode: 0o644 });
}

/** Every Sigma file under `dir`, relative to it. */
export function listSigmaFiles(dir: string): string[] {
  return existsSync(dir)
    ? walk(dir)
        .filter(isSigmaFile)
        .map((p) => relative(dir, p))
    : [];
}

/**
 * A `remove` argument as a file under `dir`: a path relative to it, or a path on disk that lies
 * inside it; undefined when it names no such file.
 */
export function sigmaFileArg(dir: string, arg: string): string | undefined {
  for (const candidate of [join(dir, arg), resolve(arg)]) {
    const rel = relative(dir, candidate);
    if (!rel.startsWith("..") && rel !== "" && existsSync(candidate) && statSync(candidate).isFile()) return rel;
  }
  return undefined;
}
