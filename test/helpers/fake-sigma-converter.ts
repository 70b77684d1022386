/**
 * A stand-in for `helk-sigma convert` (HELK's ElastAlert image, built by the alerting-image
 * half of #18) that keeps its contract: reads every .yml/.yaml under the rules folders, writes
 * one `<id>.yaml` ElastAlert rule per accepted Sigma rule into --out, a report of the contract's
 * shape into --report, and exits 0 (all converted) or 2 (some refused). It judges a rule the way
 * the real one words it, on three grounds the tests need: YAML that does not parse, a log source
 * HELK does not collect, a field HELK does not map. It converts nothing for real: the query is a
 * plain join of the selection's values, enough for `helk rules show` to print.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { type ConversionReport, type ConvertedRule, type ConverterRunner, GENERATED_MARK } from "../../engine/rules/converter.js";

/** The fake's own built-in rule set, standing in for the image's /opt/helk/sigma/helk. */
export const FAKE_HELK_RULES: { file: string; text: string }[] = [
  {
    file: "windows/regsvr32_scriptlet.yml",
    text: [
      "title: Regsvr32 loads a scriptlet (HELK)",
      "id: 7a1c9e2e-0f9e-4c7b-9a57-2b6f1d6a0001",
      "level: high",
      "logsource: { product: windows, category: process_creation }",
      "detection:",
      "  selection: { Image|endswith: '\\regsvr32.exe', CommandLine|contains: '/i:http' }",
      "  condition: selection",
      "",
    ].join("\n"),
  },
];

const MAPPED = new Set([
  "Image",
  "CommandLine",
  "ParentImage",
  "ParentCommandLine",
  "User",
  "DestinationIp",
  "DestinationPort",
  "TargetFilename",
]);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : /\.ya?ml$/i.test(e.name) ? [join(dir, e.name)] : [],
  );
}

interface SigmaDoc {
  title?: string;
  id?: string;
  level?: string;
  logsource?: { product?: string };
  detection?: Record<string, unknown>;
}

function judge(file: string, text: string, origin: "helk" | "user", out: string): ConvertedRule {
  let doc: SigmaDoc;
  try {
    doc = parse(text) as SigmaDoc;
  } catch (err) {
    const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    return { id: null, title: null, file, origin, status: "error", reason: `YAML error at line ${line ?? "?"}: the file does not parse` };
  }
  const base = { id: doc.id ?? null, title: doc.title ?? null, file, origin };
  if (doc.logsource?.product !== "windows")
    return {
      ...base,
      status: "error",
      reason: `log source product=${doc.logsource?.product ?? "none"} is not collected by HELK (HELK collects: windows sysmon/security)`,
    };
  const selections = Object.entries(doc.detection ?? {}).filter(([k]) => k !== "condition");
  const fields = selections.flatMap(([, v]) => Object.keys((v ?? {}) as object).map((f) => f.split("|")[0] as string));
  const unknown = fields.find((f) => !MAPPED.has(f));
  if (unknown) return { ...base, status: "error", reason: `unknown field ${unknown} (HELK maps: ${[...MAPPED].join(", ")})` };
  const query = selections
    .flatMap(([, v]) => Object.entries(v as object).map(([f, x]) => `${f.split("|")[0]}:*${String(x)}*`))
    .join(" AND ");
  const name = doc.title ?? file;
  writeFileSync(
    join(out, `${doc.id}.yaml`),
    `${GENERATED_MARK}\nname: ${JSON.stringify(name)}\ntype: any\nfilter: [{query: {query_string: {query: ${JSON.stringify(query)}}}}]\n`,
  );
  return {
    ...base,
    ...(doc.level ? { level: doc.level } : {}),
    status: "ok",
    targets: [{ name, index: "logs-endpoint-winevent-sysmon-*", query, file: `${doc.id}.yaml` }],
  };
}

/** One conversion over the user's folder and the fake's built-ins; returns the converter's exit code. */
export function fakeConvert(o: { userRules: string; out: string; reportFile: string }): number {
  mkdirSync(o.out, { recursive: true });
  const rules = [
    ...FAKE_HELK_RULES.map((r) => judge(r.file, r.text, "helk", o.out)),
    ...walk(o.userRules)
      .sort()
      .map((p) => judge(relative(o.userRules, p), readFileSync(p, "utf8"), "user", o.out)),
  ];
  const report: ConversionReport = { version: 1, rules };
  writeFileSync(o.reportFile, JSON.stringify(report));
  return rules.some((r) => r.status === "error") ? 2 : 0;
}

/** The fake as engine/rules' injectable runner; `calls` counts the runs. */
export function fakeRunner(): ConverterRunner & { calls: number } {
  const runner = (async (job) => {
    runner.calls++;
    const exitCode = fakeConvert({ userRules: job.userRules, out: job.out, reportFile: join(job.reportDir, "report.json") });
    return { exitCode, output: `${join(job.reportDir, "report.json")}\n` };
  }) as ConverterRunner & { calls: number };
  runner.calls = 0;
  return runner;
}
