/**
 * Engine-tier files, longest first: with two at once, a long file started last would run
 * alone at the end. Vitest orders by its own cache of durations, which a clean clone (CI) does
 * not have, and then by file size, which says little here (a 240-line file runs 8 minutes).
 * So the order comes from ENGINE_SECONDS, each file's seconds measured in a whole run; a
 * file not listed counts as FALLBACK_SECONDS.
 */
import type { TestSpecification } from "vitest/node";
import { BaseSequencer } from "vitest/node";
import { ENGINE_SECONDS } from "./engine-seconds.js";

const FALLBACK_SECONDS = 60;

export const engineSeconds = (moduleId: string): number =>
  ENGINE_SECONDS[moduleId.slice(moduleId.lastIndexOf("/test/engine/") + "/test/engine/".length)] ?? FALLBACK_SECONDS;

export class EngineSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const engine = (f: TestSpecification) => f.project.name.startsWith("engine");
    // Keep the groups' order (and unit/cli as vitest orders them); reorder within each engine project.
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => {
        if (a.f.project.name !== b.f.project.name || !engine(a.f)) return a.i - b.i;
        return engineSeconds(b.f.moduleId) - engineSeconds(a.f.moduleId) || a.i - b.i;
      })
      .map(({ f }) => f);
  }
}
