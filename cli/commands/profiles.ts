/** `helk profiles`: the build profiles and add-ons with their services and minimums. */
import { ADDONS, ON_DEMAND, PROFILES } from "../../compose/profiles.js";
import { type Printer, printJson, table } from "../output.js";

export function runProfiles(opts: { json?: boolean }, printer: Printer): number {
  if (opts.json) {
    printJson(printer, {
      profiles: PROFILES.map((p) => ({
        name: p.name,
        helkOption: p.helkOption ?? null,
        summary: p.summary,
        services: p.services,
        onDemand: p.services.filter((s) => ON_DEMAND.has(s)),
        minRamGiB: p.minRamGiB,
        minDiskGiB: p.minDiskGiB,
      })),
      addons: ADDONS.map((a) => ({ name: a.name, summary: a.summary, services: a.services, extraRamGiB: a.extraRamGiB })),
    });
    return 0;
  }
  printer.out(
    table(
      ["PROFILE", "RAM", "DISK", "SERVICES"],
      PROFILES.map((p) => [
        p.name,
        `${p.minRamGiB} GiB`,
        `${p.minDiskGiB} GiB`,
        p.services.map((s) => (ON_DEMAND.has(s) ? `${s} (on demand)` : s)).join(", "),
      ]),
    ),
  );
  printer.out(
    `\n${table(
      ["ADD-ON", "RAM", "DISK", "SERVICES"],
      ADDONS.map((a) => [a.name, `+${a.extraRamGiB} GiB`, "-", a.services.join(", ")]),
    )}`,
  );
  return 0;
}
