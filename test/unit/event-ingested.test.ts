/**
 * `event.ingested`, the arrival time alert rules run on (images/elastalert: every generated rule
 * has timestamp_field event.ingested): Logstash sets it from the Kafka record's time on every
 * index family, the templates map it as a date, and a replayed event keeps its own @timestamp.
 * The pipeline runs in the model of test/helpers/logstash-eval.ts (Logstash cannot run here).
 */
import { describe, expect, it } from "vitest";
import { indexTemplates } from "../../compose/elasticsearch-templates.js";
import { helkPipeline } from "../helpers/logstash-config.js";
import { fromKafka, getField, runPipeline } from "../helpers/logstash-eval.js";
import { isSysmonFlat, readMordorSet } from "../helpers/mordor.js";

const SECTIONS = helkPipeline();
const ARRIVED = Date.UTC(2026, 11, 2, 7, 30, 0, 123);

describe("event.ingested", () => {
  it("is the Kafka record's time on Sysmon, other Windows and joined documents; @timestamp stays the event's", async () => {
    const set = await readMordorSet("schtask_modification.zip");
    const sysmon = set.events.find(isSysmonFlat);
    const security = set.events.find((e) => e.Channel === "Security");
    const joined = { ProcessGuid: "{g}", Hostname: "h", network_time: "2020-12-19 01:02:03.000", Image: "C:\\x.exe" };
    for (const [json, topic, family] of [
      [sysmon, "winlogbeat", "logs-endpoint-winevent-sysmon-"],
      [security, "winlogbeat", "logs-endpoint-winevent-2"],
      [joined, "SYSMON_JOIN", "sysmon-join-"],
    ] as const) {
      const out = runPipeline(SECTIONS, fromKafka(json as Record<string, unknown>, topic, ARRIVED)).outputs[0];
      expect(out?.index.startsWith(family), out?.index).toBe(true);
      expect(getField(out?.source ?? {}, "[event][ingested]")).toBe(new Date(ARRIVED).toISOString());
    }
    const out = runPipeline(SECTIONS, fromKafka(sysmon as Record<string, unknown>, "winlogbeat", ARRIVED)).outputs[0];
    expect(String(out?.source["@timestamp"])).toMatch(/^2020-12-19T/);
  });

  it("is mapped as a date by every template Logstash or the join writes into", () => {
    for (const name of ["helk-sysmon", "helk-winevent", "helk-sysmon-join", "helk-pass-through"]) {
      const props = indexTemplates().find((t) => t.name === name)?.body.template.mappings.properties as
        | { event?: { properties?: { ingested?: unknown } } }
        | undefined;
      expect(props?.event?.properties?.ingested, name).toEqual({ type: "date" });
    }
  });
});
