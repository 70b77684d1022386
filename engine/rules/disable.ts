/**
 * `helk rules disable|enable`: a rule stays converted (and listed) but its ElastAlert rules are
 * withheld from the live folder. The way to silence one of HELK's own rules, which `remove`
 * cannot take out; it works for the user's rules too. Kept in `<home>/rules/disabled.json` by id.
 */
import { ExitCode, HelkError } from "../errors.js";
import { readConversion, readDisabled, userRulesDir, writeDisabled } from "./conversion-file.js";
import { notFound, rowsNamed } from "./remove.js";
import { activeCounts, convert, type RuleRow, type RulesContext, ruleRows } from "./rules.js";

export interface DisableResult {
  rules: RuleRow[];
  active: { helk: number; user: number };
}

export async function setDisabled(ctx: RulesContext, arg: string, disable: boolean): Promise<DisableResult> {
  const named = rowsNamed(ruleRows(ctx.home, readConversion(ctx.home)), userRulesDir(ctx.home), arg);
  if (!named.length) throw notFound(arg);
  const ids = named.map((r) => r.id).filter((id): id is string => Boolean(id));
  if (!ids.length)
    throw new HelkError(`${arg} has no Sigma id, so it cannot be ${disable ? "disabled" : "enabled"}`, {
      exitCode: ExitCode.usage,
      hint: "a rule without an id is refused anyway; helk rules list shows each rule's state",
    });
  const before = readDisabled(ctx.home);
  const disabled = new Set(before);
  for (const id of ids)
    if (disable) disabled.add(id);
    else disabled.delete(id);
  writeDisabled(ctx.home, disabled);
  let conversion: Awaited<ReturnType<typeof convert>>;
  try {
    conversion = await convert(ctx);
  } catch (err) {
    // The rules ElastAlert runs did not change (conversion publishes only when it ran): the
    // list must say what runs, so the old set goes back.
    writeDisabled(ctx.home, before);
    throw err;
  }
  const rows = ruleRows(ctx.home, conversion).filter((r) => r.id && ids.includes(r.id));
  return { rules: rows, active: activeCounts(ctx.home, conversion) };
}
