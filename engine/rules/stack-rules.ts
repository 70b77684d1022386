/**
 * The conversion `helk install` and `helk start` run when the alerting add-on is on: never fatal.
 * A user's rule the converter refuses, or a converter that does not run, must not stop a stack
 * from installing or starting; each becomes a warning naming the command that says more.
 */
import type { HelkConfig } from "../../compose/config/schema.js";
import { serviceImage } from "../../compose/helk-images.js";
import { type ConverterRunner, convertRules } from "./converter.js";

export interface StackRulesOutcome {
  /** One line for the step's detail: "5 loaded, 1 refused". */
  summary: string;
  warnings: string[];
  /** Every refused rule with its reason, for the install log. */
  log: string[];
}

export async function convertForStack(o: {
  home: string;
  config: HelkConfig;
  version: string;
  runner?: ConverterRunner;
}): Promise<StackRulesOutcome> {
  const image = serviceImage(o.config, "elastalert", o.version);
  try {
    const { report } = await convertRules({ home: o.home, image, ...(o.runner ? { runner: o.runner } : {}) });
    const refused = report.rules.filter((r) => r.status === "error");
    const loaded = report.rules.length - refused.length;
    return {
      summary: `${loaded} loaded${refused.length ? `, ${refused.length} refused` : ""}`,
      warnings: refused.length
        ? [`${refused.length} Sigma rule(s) refused, the others run: ${refused.map((r) => r.file).join(", ")} (helk rules list says why)`]
        : [],
      log: refused.map((r) => `refused ${r.origin} ${r.file}: ${r.reason ?? "no reason given"}`),
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const details = (err as { details?: string[] }).details ?? [];
    return {
      summary: "not converted",
      warnings: [`${message}; ElastAlert runs the rules it had. Fix it, then: sudo helk rules convert`],
      log: [message, ...details],
    };
  }
}
