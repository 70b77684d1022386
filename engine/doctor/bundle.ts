/**
 * `helk doctor --bundle FILE`: a support archive (tar.gz) a user can attach to a report:
 * the findings, versions, the generated compose files and install record, the install log and
 * each service's recent log, with every secret value of the install replaced by [redacted].
 * Secret files themselves are never included.
 */
import { createWriteStream, existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import type { DockerClient } from "../docker/docker-client.js";
import { VERSION } from "../host/version.js";
import { REDACTED } from "../install/install-log.js";
import type { InstallRecord } from "../install/install-record.js";
import type { DoctorFacts, Finding } from "./rules.js";

const BUNDLE_LOG_LINES = 2000;

export async function writeBundle(o: {
  file: string;
  record: InstallRecord;
  docker: DockerClient;
  facts: DoctorFacts;
  findings: Finding[];
  /** Every secret value of the install (engine/secrets.ts secretValues), each replaced by [redacted]. */
  secrets: string[];
  now?: () => Date;
}): Promise<string[]> {
  const home = o.record.installHome;
  // Longest first, so a secret that contains another is redacted whole.
  const secrets = [...o.secrets].sort((a, b) => b.length - a.length);
  const redact = (text: string) => secrets.reduce((t, s) => t.split(s).join(REDACTED), text);
  const entries: [string, string][] = [];
  const add = (name: string, text: string) => entries.push([name, redact(text)]);

  add(
    "doctor.json",
    `${JSON.stringify({ createdAt: (o.now?.() ?? new Date()).toISOString(), findings: o.findings, facts: { ...o.facts, logs: undefined } }, null, 2)}\n`,
  );
  let engine = "unreachable";
  try {
    const v = await o.docker.ping();
    engine = `Docker ${v.version} (API ${v.apiVersion})`;
  } catch {
    // recorded as unreachable
  }
  add("versions.txt", `helk ${VERSION}\nnode ${process.version}\nengine ${engine}\nrecord ${o.record.version}\n`);
  for (const f of ["compose.yaml", ".env", "helk.install.json"]) {
    const p = join(home, f);
    if (existsSync(p)) add(`install-home/${f === ".env" ? "env" : f}`, readFileSync(p, "utf8"));
  }
  if (existsSync(o.record.logFile)) {
    const lines = readFileSync(o.record.logFile, "utf8").split("\n");
    add("helk-install.log", lines.slice(-BUNDLE_LOG_LINES * 2).join("\n"));
  }
  for (const c of o.facts.containers) {
    const lines = await o.docker.containers.logsTail(c.id, BUNDLE_LOG_LINES).catch(() => [] as string[]);
    add(`logs/${c.service}.log`, `${lines.join("\n")}\n`);
  }

  const pack = tar.pack();
  const partial = `${o.file}.partial`;
  const written = pipeline(pack, createGzip(), createWriteStream(partial, { mode: 0o600 }));
  for (const [name, text] of entries) pack.entry({ name, mode: 0o600 }, text);
  pack.finalize();
  await written;
  renameSync(partial, o.file);
  return entries.map(([name]) => name);
}
