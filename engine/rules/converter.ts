/**
 * Sigma → ElastAlert 2 rules: one run of `helk-sigma convert` in HELK's layer of the ElastAlert
 * image (images/elastalert, built by the install), over HELK's own rules baked into the image and
 * the user's in `<home>/rules/sigma/`. The runner is injected, so tests use a fake converter that
 * writes a report of the same shape.
 *
 * The converter writes into a fresh staging folder, not the live rules folder ElastAlert reads:
 * a converter that crashes (exit 1) then leaves the running rules as they were, and the live
 * folder stays root's (the image's uid 1000 only ever writes into the staging folder).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dockerCli } from "../docker/docker-cli.js";
import { ExitCode, HelkError } from "../errors.js";
import { liveRulesDir, readDisabled, userRulesDir, writeConversion } from "./conversion-file.js";
import { withConvertLock } from "./convert-lock.js";

/** Paths inside the converter's container (the contract in images/elastalert). */
export const CONTAINER = {
  helkRules: "/opt/helk/sigma/helk",
  userRules: "/opt/helk/sigma/user",
  out: "/out",
  report: "/report/report.json",
} as const;

/** The uid the image runs as: its staging folders must be writable by it. */
const CONVERTER_UID = 1000;

export interface RuleTarget {
  /** The ElastAlert rule's name: what `rule_name` holds in helk-alerts. */
  name: string;
  index: string;
  query: string;
  file: string;
}

export interface ConvertedRule {
  id: string | null;
  title: string | null;
  /** Relative to its rules folder: HELK's in the image, or `<home>/rules/sigma/`. */
  file: string;
  origin: "helk" | "user";
  level?: string | null;
  status: "ok" | "error";
  targets?: RuleTarget[];
  /** Why it was refused, in words a user can act on. */
  reason?: string;
}

export interface ConversionReport {
  version: 1;
  rules: ConvertedRule[];
}

/** One conversion as `helk rules` keeps it in reportFile(). */
export interface Conversion {
  convertedAt: string;
  image: string;
  report: ConversionReport;
}

/** What a runner is asked to do: host folders for the contract's mounts. */
export interface ConvertJob {
  image: string;
  userRules: string;
  out: string;
  reportDir: string;
}

/** Runs the converter; resolves with its exit code and its output (stdout and stderr). */
export type ConverterRunner = (job: ConvertJob) => Promise<{ exitCode: number; output: string }>;

/** The contract's `docker run`: inputs read-only, the image's own user, nothing else mounted. */
export function converterArgv(job: ConvertJob): string[] {
  return [
    "run",
    "--rm",
    "--network",
    "none",
    "--user",
    String(CONVERTER_UID),
    // The converter whatever the image's entrypoint does (upstream's starts ElastAlert), and a
    // memory bound: a run over a whole public collection stays well under it.
    "--entrypoint",
    "helk-sigma",
    "--memory",
    "1g",
    "-v",
    `${job.userRules}:${CONTAINER.userRules}:ro`,
    "-v",
    `${job.out}:${CONTAINER.out}`,
    "-v",
    `${job.reportDir}:${CONTAINER.report.replace(/\/[^/]+$/, "")}`,
    job.image,
    "convert",
    "--rules",
    CONTAINER.helkRules,
    "--rules",
    CONTAINER.userRules,
    "--out",
    CONTAINER.out,
    "--report",
    CONTAINER.report,
  ];
}

export const dockerConverterRunner: ConverterRunner = async (job) => {
  const r = await dockerCli(converterArgv(job), { timeoutMs: 300_000 });
  return { exitCode: r.exitCode, output: r.output };
};

function readReport(file: string, output: string): ConversionReport {
  let report: ConversionReport;
  try {
    report = JSON.parse(readFileSync(file, "utf8")) as ConversionReport;
  } catch (cause) {
    throw new HelkError("the Sigma converter wrote no readable report", {
      details: output.trim().split("\n").slice(-10),
      cause,
      hint: "this is a bug in HELK's ElastAlert image; `helk rules list` still shows the previous conversion",
    });
  }
  if (report.version !== 1 || !Array.isArray(report.rules))
    throw new HelkError(`the Sigma converter's report has version ${String(report.version)}, helk reads version 1`, {
      hint: "helk and its ElastAlert image differ in version: run `sudo helk upgrade` to rebuild the image",
    });
  return report;
}

/** The converter did not run to the end: say what it printed and the likely fix. */
function crashed(image: string, exitCode: number, output: string): HelkError {
  const missing = /executable file not found|helk-sigma: not found|No such image|Unable to find image/i.test(output);
  return new HelkError(`the Sigma converter failed (exit ${exitCode}); the running rules are unchanged`, {
    exitCode: ExitCode.failure,
    details: output.trim().split("\n").slice(-10),
    hint: missing
      ? `the image ${image} lacks HELK's converter: build it with \`sudo helk install\` (it resumes) or \`sudo helk upgrade\``
      : "check the messages above; `helk rules list` still shows the previous conversion",
  });
}

const ruleFile = (name: string) => /\.ya?ml$/.test(name);
/** The converter's first line in every file it writes: only such files are its to remove. */
export const GENERATED_MARK = "# Generated by helk-sigma";
const generated = (file: string) => readFileSync(file, "utf8").startsWith(GENERATED_MARK);

/**
 * Make the live folder hold exactly the staged rules but the withheld ones (of disabled rules): a
 * generated rule not made this time goes (its Sigma file was removed, or it was disabled); an
 * ElastAlert rule written by hand, and .keep, stay.
 */
function publish(staged: string, live: string, withheld: Set<string>): void {
  mkdirSync(live, { recursive: true, mode: 0o755 });
  const fresh = new Set(readdirSync(staged).filter((name) => ruleFile(name) && !withheld.has(name)));
  for (const name of readdirSync(live).filter(ruleFile)) if (!fresh.has(name) && generated(join(live, name))) rmSync(join(live, name));
  for (const name of fresh) {
    const tmp = join(live, `.${name}.helk-tmp`);
    copyFileSync(join(staged, name), tmp);
    chmodSync(tmp, 0o644);
    // A rename, so ElastAlert never reads half a rule.
    renameSync(tmp, join(live, name));
  }
}

/**
 * Convert HELK's and the user's Sigma rules and publish the ElastAlert rules; returns the
 * report (rules refused are in it with their reason; the others are published). Throws when
 * the converter did not finish (exit 1, no report): the published rules are then untouched.
 */
export async function convertRules(o: { home: string; image: string; runner?: ConverterRunner; now?: () => Date }): Promise<Conversion> {
  const userRules = userRulesDir(o.home);
  mkdirSync(userRules, { recursive: true, mode: 0o755 });
  return withConvertLock(dirname(userRules), () => convertOnce({ ...o, userRules }));
}

async function convertOnce(o: {
  home: string;
  image: string;
  userRules: string;
  runner?: ConverterRunner;
  now?: () => Date;
}): Promise<Conversion> {
  const { userRules } = o;
  const scratch = mkdtempSync(join(tmpdir(), "helk-sigma-"));
  try {
    const out = join(scratch, "out");
    const reportDir = join(scratch, "report");
    // Only the converter's uid must write here; the 0700 scratch parent keeps everyone else out.
    for (const dir of [out, reportDir]) {
      mkdirSync(dir);
      chmodSync(dir, 0o777);
    }
    const r = await (o.runner ?? dockerConverterRunner)({ image: o.image, userRules, out, reportDir });
    const file = join(reportDir, "report.json");
    if ((r.exitCode !== 0 && r.exitCode !== 2) || !existsSync(file)) throw crashed(o.image, r.exitCode, r.output);
    const report = readReport(file, r.output);
    const disabled = readDisabled(o.home);
    const withheld = report.rules.filter((r) => r.id && disabled.has(r.id)).flatMap((r) => (r.targets ?? []).map((t) => t.file));
    publish(out, liveRulesDir(o.home), new Set(withheld));
    const conversion: Conversion = { convertedAt: (o.now?.() ?? new Date()).toISOString(), image: o.image, report };
    writeConversion(o.home, conversion);
    return conversion;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
