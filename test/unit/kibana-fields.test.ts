/**
 * HELK's Kibana saved objects against the fields HELK writes: every field a data view, saved
 * search (columns, sort, KQL query, filters) names is mapped by the template of the indices it
 * reads, and is present in the documents of both layouts: Sysmon events as Logstash writes them
 * from a flat Mordor event and from a Winlogbeat 8 event (the pipeline model of
 * test/helpers/logstash-eval.ts), and joined documents as ksqlDB's SYSMON_JOIN stream makes them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ALERTS_INDEX } from "../../engine/rules/alert-counts.js";
import { templateOf } from "../helpers/es-templates.js";
import { checkStatements, parseStatement, splitStatements } from "../helpers/ksql-statements.js";
import { parseLogstashConfig } from "../helpers/logstash-config.js";
import { type Event, fromKafka, getField, runPipeline } from "../helpers/logstash-eval.js";
import { isSysmonFlat, readMordorSet } from "../helpers/mordor.js";

const IMAGES = new URL("../../images/", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(IMAGES, path), "utf8");

interface SavedObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: { type: string; id: string; name: string }[];
}
const OBJECTS = read("kibana/saved-objects/helk.ndjson")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as SavedObject);

/** Every field path a template maps: nested properties and multi-fields, dotted. */
function mappedFields(properties: Record<string, unknown>, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, m] of Object.entries(properties)) {
    const def = m as { type?: string; properties?: Record<string, unknown>; fields?: Record<string, { type: string }> };
    const path = `${prefix}${name}`;
    if (def.properties) for (const [k, v] of mappedFields(def.properties, `${path}.`)) out.set(k, v);
    else out.set(path, def.type ?? "object");
    for (const [sub, f] of Object.entries(def.fields ?? {})) out.set(`${path}.${sub}`, f.type);
  }
  return out;
}

/** The fields a KQL query names (`field : value`, `field:(a or b)`, `field >= 3`). */
function kqlFields(query: string): string[] {
  const code = query.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...code.matchAll(/([A-Za-z_@][\w.@]*)\s*(?::|<=|>=|<|>)/g)].map((m) => m[1] as string);
}

/** What a saved object names: its data view's time field, columns, sort, query and filter fields. */
function fieldsNamed(o: SavedObject): { dataView?: string; fields: string[] } {
  const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON?: string } | undefined;
  const source = meta?.searchSourceJSON
    ? (JSON.parse(meta.searchSourceJSON) as {
        query?: { query?: string; language?: string };
        filter?: { meta?: { key?: string }; query?: Record<string, Record<string, unknown>> }[];
        indexRefName?: string;
      })
    : {};
  const fields = [
    ...((o.attributes.columns as string[] | undefined) ?? []),
    ...((o.attributes.sort as [string, string][] | undefined) ?? []).map(([f]) => f),
    ...(source.query?.language === "kuery" ? kqlFields(source.query.query ?? "") : []),
    ...(source.filter ?? []).flatMap((f) => [
      ...(f.meta?.key ? [f.meta.key] : []),
      ...Object.values(f.query ?? {}).flatMap((clause) => Object.keys(clause)),
    ]),
  ];
  const ref = o.references.find((r) => r.name === source.indexRefName);
  return { ...(ref ? { dataView: ref.id } : {}), fields };
}

/**
 * The alerting add-on's objects read ElastAlert's writeback index, which no HELK template maps:
 * ElastAlert creates it with its own mapping. What is checked instead is what ElastAlert 2 writes
 * into each alert document (elastalert/elastalert.py: get_alert_body gives match_body, rule_name,
 * alert_info, alert_sent, alert_time and match_time; writeback adds @timestamp), and that every
 * match_body.* column is a field of the documents HELK's rules match (the Sysmon events below).
 * ElastAlert maps match_body `enabled: false` (rules-alerts-es.test.ts reads its mapping): those
 * columns show each alert's values from the document, but are not searchable in Kibana.
 */
const ALERT_OBJECTS = read("kibana/saved-objects/alerts.ndjson")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as SavedObject);
const ELASTALERT_ALERT_FIELDS = new Set(["rule_name", "alert_time", "alert_sent", "alert_info", "match_time", "match_body", "@timestamp"]);

const dataViews = new Map(OBJECTS.filter((o) => o.type === "index-pattern").map((o) => [o.id, o]));
const searches = OBJECTS.filter((o) => o.type === "search");

describe("the KQL field reader", () => {
  it("finds the fields of HELK's query forms, not values or quoted text", () => {
    expect(kqlFields("EventID : 1")).toEqual(["EventID"]);
    expect(kqlFields('winlog.event_id: "3" and not Image : "a:b" or DestinationPort >= 443')).toEqual([
      "winlog.event_id",
      "Image",
      "DestinationPort",
    ]);
    expect(kqlFields("*")).toEqual([]);
  });
});

describe("Kibana saved objects name only fields HELK writes", () => {
  it("every data view's time field, and every field a saved search names, is mapped by the template of the data view's indices", () => {
    expect(searches.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const view of dataViews.values()) {
      const title = view.attributes.title as string;
      const template = templateOf(title.replace(/\*$/, "2026.11.30").replace(/--/, "-"));
      expect(template, title).toBeDefined();
      const mapped = mappedFields(template?.body.template.mappings.properties as Record<string, unknown>);
      if (!mapped.has(view.attributes.timeFieldName as string)) missing.push(`${view.id}: ${view.attributes.timeFieldName}`);
      for (const s of searches) {
        const named = fieldsNamed(s);
        if (named.dataView !== view.id) continue;
        for (const f of named.fields) if (!mapped.has(f)) missing.push(`${s.id} → ${title}: ${f}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("the check is real: a field no template maps is reported", () => {
    const sysmon = mappedFields(
      templateOf("logs-endpoint-winevent-sysmon-2026.11.30")?.body.template.mappings.properties as Record<string, unknown>,
    );
    expect(sysmon.get("CommandLine.keyword")).toBe("keyword");
    expect(sysmon.get("winlog.event_data")).toBe("object");
    expect(sysmon.get("host.name")).toBe("keyword");
    expect(sysmon.has("DestinationHost")).toBe(false);
    const fake = {
      ...(searches[0] as SavedObject),
      attributes: { ...(searches[0] as SavedObject).attributes, columns: ["DestinationHost"] },
    };
    expect(fieldsNamed(fake).fields.filter((f) => !sysmon.has(f))).toEqual(["DestinationHost"]);
  });

  describe("and both layouts carry them", () => {
    const PIPELINE = readdirSync(join(IMAGES, "logstash/pipeline"))
      .filter((f) => f.endsWith(".conf"))
      .sort()
      .flatMap((f) => parseLogstashConfig(read(`logstash/pipeline/${f}`)));
    const SAMPLE = readFileSync(new URL("../fixtures/winlogbeat8/sysmon-sample.ndjson", import.meta.url), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const written = (e: Record<string, unknown>) => runPipeline(PIPELINE, fromKafka(e, "winlogbeat")).outputs[0]?.source as Event;
    let flat: Record<string, unknown>[];
    beforeAll(async () => {
      flat = (await readMordorSet("empire_launcher_sct_regsvr32.zip")).events.filter(isSysmonFlat);
    });

    it.each(searches.filter((s) => fieldsNamed(s).dataView === "helk-sysmon").map((s) => [s.id, s] as const))(
      "%s: each field is in the Sysmon documents its query selects, from a flat and a Winlogbeat 8 event",
      (_id, s) => {
        const named = fieldsNamed(s);
        const eid = Number(/EventID\s*:\s*(\d+)/.exec(JSON.stringify(s.attributes))?.[1]);
        expect(eid).toBeGreaterThan(0);
        const docs = [
          written(SAMPLE.find((e) => (e.winlog as { event_id: string }).event_id === String(eid)) as Record<string, unknown>),
          written(flat.find((e) => e.EventID === eid) as Record<string, unknown>),
        ];
        for (const doc of docs) {
          expect(doc.EventID).toBe(eid);
          expect(named.fields.filter((f) => getField(doc, `[${f.split(".").join("][")}]`) === undefined)).toEqual([]);
        }
      },
    );

    it("the HELK alerts search: ElastAlert's own fields, and match_body.* fields the matched Sysmon events carry", () => {
      const view = ALERT_OBJECTS.find((o) => o.type === "index-pattern");
      expect(view?.attributes).toMatchObject({ title: ALERTS_INDEX, timeFieldName: "alert_time" });
      const alertSearches = ALERT_OBJECTS.filter((o) => o.type === "search");
      expect(alertSearches.map((o) => fieldsNamed(o).dataView)).toEqual([view?.id]);
      const named = alertSearches.flatMap((o) => fieldsNamed(o).fields);
      expect(named.filter((f) => !f.startsWith("match_body.") && !ELASTALERT_ALERT_FIELDS.has(f))).toEqual([]);
      const matched = [1, 3].flatMap((eid) => [
        written(SAMPLE.find((e) => (e.winlog as { event_id: string }).event_id === String(eid)) as Record<string, unknown>),
        written(flat.find((e) => e.EventID === eid) as Record<string, unknown>),
      ]);
      const body = named.filter((f) => f.startsWith("match_body.")).map((f) => f.slice("match_body.".length));
      expect(body.length).toBeGreaterThan(0);
      // Each column is in a process creation or a network connection, in both layouts.
      for (const layout of [matched.filter((_, i) => i % 2 === 0), matched.filter((_, i) => i % 2 === 1)])
        expect(body.filter((f) => layout.every((doc) => getField(doc, `[${f.split(".").join("][")}]`) === undefined))).toEqual([]);
    });

    it("the joined-connections search names only columns ksqlDB's SYSMON_JOIN writes", () => {
      const join = checkStatements(splitStatements(read("ksqldb/statements/sysmon-join.sql")).map(parseStatement)).get("SYSMON_JOIN");
      const named = searches.filter((s) => fieldsNamed(s).dataView === "helk-sysmon-join").flatMap((s) => fieldsNamed(s).fields);
      expect(named.length).toBeGreaterThan(0);
      // @timestamp is Logstash's (the time it indexed the joined document).
      expect(named.filter((f) => f !== "@timestamp" && !join?.has(f))).toEqual([]);
    });
  });
});
