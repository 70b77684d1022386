/**
 * Is this JSON lines or a JSON array at all? Judged on a small sample before anything is sent,
 * so a packet capture or a pretty-printed single object is refused with a clear message instead
 * of being counted as thousands of unparsable lines. A JSON array (first meaningful byte `[`)
 * passes here; its structure is checked as it streams (json-array.ts).
 */

export const SAMPLE_BYTES = 64 * 1024;

export type SniffVerdict = { ok: true } | { ok: false; reason: string };

export function sniff(sample: Buffer, wholeFile: boolean): SniffVerdict {
  if (sample.length === 0) return { ok: true };
  const head = sample.subarray(0, Math.min(sample.length, 4096));
  let control = 0;
  for (const b of head) {
    if (b === 0) return { ok: false, reason: "it is binary (it contains NUL bytes): a capture, an archive or an executable?" };
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  if (control > head.length * 0.1) return { ok: false, reason: "it is binary, not text" };
  const text = sample.toString("utf8");
  // The last line of a sample may be cut in half; judge it only when the sample is the whole file.
  const lines = text.split("\n");
  if (!wholeFile && lines.length === 1) {
    // One line longer than the sample (a large PowerShell script block, say): it cannot be parsed
    // from here. One that starts as a JSON object is read and counted exactly like any other.
    const start = text.replace(/^\uFEFF/, "").trimStart();
    if (start.startsWith('{"') || start.startsWith("[")) return { ok: true };
    return { ok: false, reason: `its first line is over ${SAMPLE_BYTES / 1024} KiB and does not start like a JSON object` };
  }
  if (!wholeFile && lines.length > 1) lines.pop();
  const meaningful = lines.map((l) => l.trim()).filter((l) => l !== "");
  if (meaningful.length === 0) return { ok: true };
  const first = (meaningful[0] as string).replace(/^\uFEFF/, "");
  if (first.startsWith("[")) return { ok: true };
  const parses = (l: string) => {
    try {
      JSON.parse(l);
      return true;
    } catch {
      return false;
    }
  };
  if (meaningful.some((l) => parses(l.replace(/^\uFEFF/, "")))) return { ok: true };
  if (first === "{") {
    return {
      ok: false,
      reason: "it is one JSON object spread over lines, not one event per line nor an array of events; compact it, e.g. with: jq -c .",
    };
  }
  return { ok: false, reason: `none of its first ${meaningful.length} lines is JSON` };
}
