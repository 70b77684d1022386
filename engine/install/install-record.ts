/** The install record in the install home: what day-2 commands need to find the stack. No secrets. */
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ConfigLayer } from "../../compose/config/resolve.js";
import type { HelkConfig } from "../../compose/config/schema.js";
import { ExitCode, HelkError } from "../errors.js";

export interface InstallRecord {
  version: string;
  project: string;
  profile: string;
  addons: string[];
  services: string[];
  hostIp: string;
  installHome: string;
  composeFile: string;
  logFile: string;
  installedAt: string;
  /** The effective configuration the stack was rendered from (hostIp resolved). */
  config: HelkConfig;
}

export const RECORD_FILE = "helk.install.json";

export function writeRecord(home: string, record: InstallRecord): void {
  writeFileSync(join(home, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
}

/** EACCES from a path this user may not read: the install is there, the user is not root. */
function notPermitted(path: string, cause: unknown): HelkError {
  return new HelkError(`cannot read ${path}: permission denied`, {
    exitCode: ExitCode.preflight,
    hint: "the install belongs to root: run the command with sudo",
    cause,
  });
}

export function readRecord(home: string): InstallRecord {
  const file = join(home, RECORD_FILE);
  try {
    accessSync(home, constants.X_OK);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "EACCES") throw notPermitted(home, cause);
  }
  if (!existsSync(file)) {
    throw new HelkError(`no HELK install found in ${home}`, {
      exitCode: ExitCode.usage,
      hint: "install one with `sudo helk install`, or point at it with --install-home DIR (or HELK_HOME)",
    });
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "EACCES") throw notPermitted(file, cause);
    throw cause;
  }
  try {
    return JSON.parse(text) as InstallRecord;
  } catch (cause) {
    throw new HelkError(`${file} is not valid JSON`, { hint: "run `helk install` again to rewrite it (data is kept)", cause });
  }
}

/**
 * The recorded configuration as the base layer of a new one (upgrade, reconfigure): what the
 * stack runs now, named by the record's file in messages about it.
 */
export function recordedConfig(home: string, record: InstallRecord): ConfigLayer {
  return { source: { kind: "file", detail: join(home, RECORD_FILE) }, data: record.config as unknown as Record<string, unknown> };
}
