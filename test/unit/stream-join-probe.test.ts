/** The stream join's probe: its progress report against the topic's end offsets. */
import { describe, expect, it } from "vitest";

describe("stream join: has the job read the topic to its end?", () => {
  it("compares every partition of the report with the topic's end offsets", async () => {
    const { caughtUpTo } = await import("../../engine/probes/stream-join-probe.js");
    const status = (offsets: unknown) => ({
      "@timestamp": "2026-01-01T00:00:00Z",
      active: true,
      source_end_offsets: JSON.stringify(offsets),
    });
    const ends = { "0": 10, "1": 5, "2": 0 };
    expect(caughtUpTo(status({ winlogbeat: { "0": 10, "1": 5, "2": 0 } }), "winlogbeat", ends)).toBe(true);
    expect(caughtUpTo(status({ winlogbeat: { "0": 10, "1": 4 } }), "winlogbeat", ends)).toBe(false);
    expect(caughtUpTo(undefined, "winlogbeat", ends)).toBe(false);
    expect(caughtUpTo({ "@timestamp": "x", active: true, source_end_offsets: "{broken" }, "winlogbeat", ends)).toBe(false);
  });
});
