/** engine/replay/retry-for.ts: how replay asks a broker again (the producer id after a lost broker). */
import { describe, expect, it } from "vitest";
import { retryFor } from "../../engine/replay/retry-for.js";
import { fakeClock } from "../helpers/fakes.js";

const loading = Object.assign(new Error("The coordinator is loading and hence can't process requests."), { retry: true });
const refused = Object.assign(new Error("SASL authentication failed"), { retry: false });
const retriable = (err: unknown) => (err as { retry: boolean }).retry;

describe("retryFor", () => {
  it("asks again, backing off, until the answer comes", async () => {
    const clock = fakeClock();
    const answers = [loading, loading, loading];
    let calls = 0;
    const id = await retryFor(
      async () => {
        calls++;
        const next = answers.shift();
        if (next) throw next;
        return 42;
      },
      { retriable, forMs: 60_000, clock },
    );
    expect(id).toBe(42);
    expect(calls).toBe(4);
    expect(clock.t).toBe(250 + 500 + 1000);
  });

  it("throws the last error once the time is up, and waits at most 5 s between tries", async () => {
    const clock = fakeClock();
    const waits: number[] = [];
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      waits.push(ms);
      await sleep(ms);
    };
    await expect(
      retryFor(
        async () => {
          throw loading;
        },
        { retriable, forMs: 20_000, clock },
      ),
    ).rejects.toBe(loading);
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it("throws at once an error that no retry can fix", async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      retryFor(
        async () => {
          calls++;
          throw refused;
        },
        { retriable, forMs: 60_000, clock },
      ),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
    expect(clock.t).toBe(0);
  });
});
