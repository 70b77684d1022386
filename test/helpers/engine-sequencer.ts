/**
 * The order in which the engine tier's two workers take files. Heavy files (Spark, Jupyter)
 * run one at a time (heavy-lane.ts), so a worker that takes a heavy file while another runs
 * waits idle. The queue therefore holds each heavy file, longest first, followed by light files
 * that together last about as long: while one worker runs the heavy file, the other works
 * through those, and the next heavy file comes up as the first one ends. Vitest orders by its
 * own cache of durations, which a clean clone (CI) does not have; the figures come from
 * ENGINE_SECONDS (a file not listed counts as FALLBACK_SECONDS).
 */
import type { TestSpecification } from "vitest/node";
import { BaseSequencer } from "vitest/node";
import { ENGINE_SECONDS } from "./engine-seconds.js";

const FALLBACK_SECONDS = 60;

export const engineSeconds = (moduleId: string): number =>
  ENGINE_SECONDS[moduleId.slice(moduleId.lastIndexOf("/test/engine/") + "/test/engine/".length)] ?? FALLBACK_SECONDS;

/** Heavy files longest first, each followed by light ones (longest first) that add up to at least its seconds; the light ones left at the end. */
export function interleave<T>(heavy: T[], light: T[], seconds: (t: T) => number): T[] {
  const byLength = (a: T, b: T) => seconds(b) - seconds(a);
  const lights = [...light].sort(byLength);
  const out: T[] = [];
  for (const h of [...heavy].sort(byLength)) {
    out.push(h);
    for (let budget = seconds(h); budget > 0 && lights.length > 0; ) {
      const l = lights.shift() as T;
      out.push(l);
      budget -= seconds(l);
    }
  }
  return [...out, ...lights];
}

export class EngineSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const of = (name: string) => sorted.filter((f) => f.project.name === name);
    const engine = interleave(of("engine-heavy"), of("engine-light"), (f) => engineSeconds(f.moduleId));
    // unit and cli as vitest orders them, then the two engine lanes' queue, then the rest (engine-alone).
    const rest = sorted.filter((f) => !["engine-heavy", "engine-light"].includes(f.project.name));
    return [
      ...rest.filter((f) => !f.project.name.startsWith("engine")),
      ...engine,
      ...rest.filter((f) => f.project.name.startsWith("engine")),
    ];
  }
}
