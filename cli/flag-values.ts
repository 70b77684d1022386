/** Checks of flag values shared by commands: a wrong value is a usage error (exit 2), said with the flag. */
import { ExitCode, HelkError } from "../engine/errors.js";

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new HelkError(`${flag} expects a whole number above 0, got "${value}"`, { exitCode: ExitCode.usage });
  return n;
}
