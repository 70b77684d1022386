/**
 * An install home as `helk install` leaves it for `helk rules`: the record (with or without the
 * alerting add-on), the rendered rules folder with its .keep, and Sigma files to add: good ones,
 * and one for each way the converter refuses a rule.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { defaultConfig } from "../../compose/config/schema.js";
import { servicesFor } from "../../compose/profiles.js";
import type { InstallRecord } from "../../engine/install/install-record.js";

const sigma = (title: string, id: string, product: string, field = "Image") =>
  [
    `title: ${title}`,
    `id: ${id}`,
    "level: medium",
    `logsource: { product: ${product}, category: process_creation }`,
    "detection:",
    `  selection: { ${field}|endswith: '\\bitsadmin.exe' }`,
    "  condition: selection",
    "",
  ].join("\n");

export const SIGMA = {
  bitsadmin: sigma("Bitsadmin download", "1d0f3a6e-1111-4a1b-9c1d-000000000001", "windows"),
  schtasks: sigma("Scheduled task changed", "1d0f3a6e-2222-4a1b-9c1d-000000000002", "windows"),
  /** A flow mapping never closed: no YAML parser reads it. */
  brokenYaml: "title: Broken\nid: 1d0f3a6e-3333-4a1b-9c1d-000000000003\nlogsource: { product: windows\ndetection: [\n",
  linux: sigma("Linux shell", "1d0f3a6e-4444-4a1b-9c1d-000000000004", "linux"),
  unknownField: sigma("Odd field", "1d0f3a6e-5555-4a1b-9c1d-000000000005", "windows", "NoSuchField"),
};

/** Write files (path → text) under a fresh folder; returns the folder. */
export function sigmaFolder(files: Record<string, string>, name = "detections"): string {
  const dir = join(mkdtempSync(join(tmpdir(), "helk-sigma-src-")), name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** A home with a record; Elasticsearch on `esPort` (a closed port unless a test serves one). */
export function rulesHome(o: { alerting: boolean; esPort?: number; parent?: string; project?: string }): {
  home: string;
  record: InstallRecord;
} {
  const home = join(o.parent ?? mkdtempSync(join(tmpdir(), "helk-rules-")), "home");
  mkdirSync(join(home, "config", "elastalert", "rules"), { recursive: true, mode: 0o755 });
  writeFileSync(join(home, "config", "elastalert", "rules", ".keep"), "");
  const project = o.project ?? `helk-rules-${process.pid}`;
  const config = {
    ...defaultConfig(),
    profile: "core" as const,
    addons: o.alerting ? ["alerting" as const] : [],
    installHome: home,
    // Names HELK's image tags (<project>/elastalert:<version>): never an install's real one.
    projectName: project,
  };
  config.security.enabled = false;
  config.ports.elasticsearch = o.esPort ?? 9;
  const record: InstallRecord = {
    version: "0.1.0-test",
    project,
    profile: "core",
    addons: config.addons,
    services: servicesFor(config),
    hostIp: "127.0.0.1",
    installHome: home,
    composeFile: join(home, "compose.yaml"),
    logFile: join(home, "install.log"),
    installedAt: new Date(0).toISOString(),
    config,
  };
  writeFileSync(join(home, "helk.install.json"), JSON.stringify(record));
  return { home, record };
}
