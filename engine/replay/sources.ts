/**
 * Replay inputs → members to read: plain .json/.jsonl files, the members of .zip archives,
 * the members of .tar.gz archives, directories of these, and "-" for standard input.
 * Everything streams; nothing holds a whole file in memory.
 */
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import yauzl from "yauzl";
import { ExitCode, HelkError } from "../errors.js";
import { FILE_CHUNK_BYTES, releaseChunk, takeChunk } from "./chunk-pool.js";

export interface Member {
  /** "file.zip:member.json", "file.json", "-". */
  name: string;
  /** Uncompressed size when known, for progress and ETA. */
  size?: number;
  /** Members that can be opened again are sniffed before anything is sent. */
  reopenable: boolean;
  open(): Promise<Readable>;
}

export interface Skipped {
  name: string;
  reason: string;
}

const JSON_FILE = /\.(json|jsonl|ndjson)$/i;
const ZIP = /\.zip$/i;
const TARGZ = /\.(tar\.gz|tgz)$/i;

/** macOS resource forks and folder metadata that archives made on a Mac carry along. */
const isMacJunk = (name: string) => name.startsWith("__MACOSX/") || basename(name).startsWith("._") || basename(name) === ".DS_Store";

function corrupt(path: string, cause: unknown): HelkError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new HelkError(`${path} is not a readable archive (${msg}): truncated or corrupt?`, {
    exitCode: ExitCode.corruptInput,
    hint: "download or copy it again; `unzip -t FILE` (or `tar tzf FILE`) checks an archive",
    cause,
  });
}

const ZIP_OPTIONS = { lazyEntries: true, autoClose: false, validateEntrySizes: true };

/** Reads only the first `size` bytes of a file, as yauzl's random-access source. */
class FilePrefixReader extends yauzl.RandomAccessReader {
  constructor(private readonly path: string) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return createReadStream(this.path, { start, end: end - 1 });
  }
}

/**
 * Some real archives (one of the shared Mordor sets among them) carry stray bytes after the
 * end-of-central-directory record. `unzip` tolerates them; yauzl refuses, so such a file is
 * opened again with the stray bytes left out.
 */
function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, ZIP_OPTIONS, (err, zip) => {
      if (zip && !err) return resolve(zip);
      const m = /Invalid comment length\. Expected: (\d+)\. Found: (\d+)/.exec(err?.message ?? "");
      const extra = m ? Number(m[1]) - Number(m[2]) : 0;
      if (extra <= 0) return reject(corrupt(path, err));
      yauzl.fromRandomAccessReader(new FilePrefixReader(path), statSync(path).size - extra, ZIP_OPTIONS, (err2, zip2) =>
        err2 || !zip2 ? reject(corrupt(path, err2 ?? err)) : resolve(zip2),
      );
    }),
  );
}

async function zipMembers(path: string, skipped: Skipped[]): Promise<Member[]> {
  const zip = await openZip(path);
  const entries: yauzl.Entry[] = await new Promise((resolve, reject) => {
    const all: yauzl.Entry[] = [];
    zip.on("entry", (e: yauzl.Entry) => {
      all.push(e);
      zip.readEntry();
    });
    zip.on("end", () => resolve(all));
    zip.on("error", (e) => reject(corrupt(path, e)));
    zip.readEntry();
  });
  const members: Member[] = [];
  for (const entry of entries) {
    if (entry.fileName.endsWith("/")) continue;
    const name = `${path}:${entry.fileName}`;
    if (isMacJunk(entry.fileName)) {
      skipped.push({ name, reason: "macOS metadata, not events" });
      continue;
    }
    members.push({
      name,
      size: entry.uncompressedSize,
      reopenable: true,
      open: () =>
        new Promise((resolve, reject) =>
          zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(corrupt(path, err)) : resolve(stream))),
        ),
    });
  }
  return members;
}

/** A .tar.gz is read once, front to back: its members are yielded as they come. */
async function* tarMembers(path: string, skipped: Skipped[]): AsyncGenerator<Member> {
  const ex = extract();
  const source = createReadStream(path).pipe(createGunzip());
  source.on("error", (e) => ex.destroy(corrupt(path, e)));
  source.pipe(ex);
  try {
    for await (const entry of ex) {
      const name = `${path}:${entry.header.name}`;
      if (entry.header.type !== "file" || isMacJunk(entry.header.name) || !JSON_FILE.test(entry.header.name)) {
        if (entry.header.type === "file")
          skipped.push({ name, reason: isMacJunk(entry.header.name) ? "macOS metadata, not events" : "not a .json/.jsonl member" });
        entry.resume();
        continue;
      }
      const stream = entry as unknown as Readable;
      yield { name, ...(entry.header.size !== undefined ? { size: entry.header.size } : {}), reopenable: false, open: async () => stream };
    }
  } catch (err) {
    throw err instanceof HelkError ? err : corrupt(path, err);
  }
}

/**
 * A plain file is read in 256 KiB chunks, not the default 64 KiB: fewer reads and chunks to
 * split. On bench:replay's 10× input into the fixture Kafka, alternating 4 rounds: 1.96–2.39 s
 * and 116–123 MB peak RSS, against 2.41–3.79 s and 110–115 MB. 1 MiB chunks were not faster
 * and took peak RSS to 150–167 MB (events in flight keep their chunks alive longer).
 */
export { FILE_CHUNK_BYTES };

function fileMember(path: string): Member {
  return {
    name: path,
    size: statSync(path).size,
    reopenable: true,
    open: async () => Readable.from(wholeLines(path), { objectMode: true }),
  };
}

/**
 * A file's bytes in chunks that end at a line's end: the partial line at a read's end starts the
 * next chunk's buffer, so the classifier never joins a cut line with the next chunk (a copy of
 * every chunk, and a second buffer per chunk for the collector). A chunk with no line end at all
 * (a line longer than a chunk) goes as it is; the classifier joins it with the next.
 */
async function* wholeLines(path: string): AsyncGenerator<Buffer> {
  const file = await open(path, "r");
  // The chunk before, held until its line tail is copied out of it (chunk-pool.ts).
  let before: Buffer | null = null;
  try {
    let carry: Buffer | null = null;
    for (;;) {
      // Two holders: replay's loop, and this reader until the next read.
      const buf = takeChunk((carry?.length ?? 0) + FILE_CHUNK_BYTES, 2);
      const held: number = carry ? carry.copy(buf) : 0;
      if (before) releaseChunk(before.buffer);
      before = buf;
      const { bytesRead } = await file.read(buf, held, FILE_CHUNK_BYTES, null);
      const filled: number = held + bytesRead;
      if (bytesRead === 0) {
        if (filled > 0) yield buf.subarray(0, filled);
        return;
      }
      const lastLineEnd: number = buf.lastIndexOf(10, filled - 1);
      if (lastLineEnd === -1) {
        carry = null;
        yield buf.subarray(0, filled);
        continue;
      }
      carry = lastLineEnd + 1 < filled ? buf.subarray(lastLineEnd + 1, filled) : null;
      yield buf.subarray(0, lastLineEnd + 1);
    }
  } finally {
    if (before) releaseChunk(before.buffer);
    await file.close();
  }
}

function listDir(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((d) => (d.isDirectory() ? listDir(join(dir, d.name)) : [join(dir, d.name)]));
}

export interface SourcePlan {
  /** Members that can be sniffed up front (files, zip members). */
  upfront: Member[];
  /** Everything to read, in order; tar.gz and stdin members appear as they are reached. */
  members(): AsyncGenerator<Member>;
  skipped: Skipped[];
}

/** Check the paths and open the archives that can be checked before reading (zip). */
export async function planSources(paths: string[], stdin: Readable = process.stdin): Promise<SourcePlan> {
  const skipped: Skipped[] = [];
  const steps: (Member | { tar: string })[] = [];
  for (const path of paths) {
    if (path === "-") {
      steps.push({ name: "-", reopenable: false, open: async () => stdin });
      continue;
    }
    if (!existsSync(path)) {
      throw new HelkError(`${path} does not exist`, {
        exitCode: ExitCode.usage,
        hint: "give a Mordor .zip, a .json/.jsonl file, a .tar.gz, a directory of these, or - for standard input",
      });
    }
    const isDir = statSync(path).isDirectory();
    const files = isDir ? listDir(path) : [path];
    const before = steps.length;
    for (const file of files) {
      if (ZIP.test(file)) steps.push(...(await zipMembers(file, skipped)));
      else if (TARGZ.test(file)) steps.push({ tar: file });
      // A file named on the command line is read whatever its name; sniffing judges it.
      else if (JSON_FILE.test(file) || !isDir) steps.push(fileMember(file));
      else skipped.push({ name: file, reason: "not a .zip, .json, .jsonl or .tar.gz file" });
    }
    if (steps.length === before) {
      throw new HelkError(`${path} holds nothing to replay`, {
        exitCode: ExitCode.noInput,
        hint: "it needs .zip, .json, .jsonl or .tar.gz files (Mordor data sets are .zip)",
        details: skipped.slice(-5).map((s) => `skipped ${s.name}: ${s.reason}`),
      });
    }
  }
  return {
    upfront: steps.filter((s): s is Member => "open" in s && s.reopenable),
    skipped,
    async *members() {
      for (const s of steps) {
        if ("tar" in s) yield* tarMembers(s.tar, skipped);
        else yield s;
      }
    },
  };
}
