/**
 * A send that fails while others are in flight fails the replay: its events are lost, and a
 * replay that exits 0 would say they were sent. (Before, the failed send left the list of those
 * awaited as soon as it settled, so only a failure still in that list was ever seen.)
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { KafkaAccess } from "../../compose/kafka-access.js";
import { ExitCode } from "../../engine/errors.js";
import { replay } from "../../engine/replay/replay.js";

function input(events: number): string {
  const file = join(mkdtempSync(join(tmpdir(), "helk-replay-fail-")), "events.json");
  writeFileSync(file, `${Array.from({ length: events }, (_, i) => JSON.stringify({ host: { name: `h${i % 3}` }, i })).join("\n")}\n`);
  return file;
}

describe("replay: a failed send", () => {
  for (const failing of [0, 1, 2]) {
    it(`fails the replay with the broker's error when send ${failing + 1} of 3 is refused, the others landing`, async () => {
      let calls = 0;
      const delivered: number[] = [];
      const run = replay({
        paths: [input(30)],
        topic: "winlogbeat",
        kafka: { brokers: ["127.0.0.1:9"] } as unknown as KafkaAccess,
        dryRun: false,
        batchSize: 10,
        sink: () => undefined,
        producer: async () => ({
          send: async (batch) => {
            const call = calls++;
            // The refused one fails at once, the others land later: the failure settles first.
            if (call === failing) throw Object.assign(new Error("MESSAGE_TOO_LARGE"), { canRetry: false });
            await new Promise((r) => setTimeout(r, 5));
            delivered.push(batch.length);
          },
          close: async () => undefined,
        }),
      });
      await expect(run).rejects.toMatchObject({ exitCode: ExitCode.broker, message: expect.stringContaining("MESSAGE_TOO_LARGE") });
      expect(delivered.reduce((a, b) => a + b, 0)).toBeLessThan(30);
    });
  }
});
