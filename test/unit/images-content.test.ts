/**
 * HELK's own content in images/: checked as far as it can be without the servers that are not
 * available here (Logstash, Kibana, ksqlDB). Logstash pipelines against Logstash's config
 * grammar, ksqlDB statements against the grammar they use (every name defined before use),
 * Kibana saved objects as NDJSON whose references resolve, the Elasticsearch templates against
 * the code provisioning applies, and the Dockerfiles' build inputs. The Spark job and the
 * notebooks run for real in test/engine/hunt-join.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig, TOPIC_NAMES } from "../../compose/config/schema.js";
import { BUILT_IN_TEMPLATES, indexTemplates, PASS_THROUGH_TOPICS, RETENTION_POLICY } from "../../compose/elasticsearch-templates.js";
import { helkImagesFor } from "../../compose/helk-images.js";
import { buildComposeModel } from "../../compose/model.js";
import { selectServices } from "../../compose/profiles.js";
import { patternMatches, templateOf } from "../helpers/es-templates.js";
import { configFor, HOST } from "../helpers/fixtures.js";
import { checkStatements, identifier, parseStatement, type StreamStatement, splitStatements } from "../helpers/ksql-statements.js";
import { parseLogstashConfig, plugins, strings } from "../helpers/logstash-config.js";
import { CHECKED, sparkApp } from "../helpers/notebook-checks.js";

const IMAGES = new URL("../../images/", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(IMAGES, path), "utf8");

const templateFor = (index: string) => templateOf(index)?.name;

describe("Logstash pipelines (images/logstash)", () => {
  const files = readdirSync(join(IMAGES, "logstash/pipeline")).sort();
  const sections = files.flatMap((f) => parseLogstashConfig(read(`logstash/pipeline/${f}`)));
  const all = sections.flatMap((s) => plugins(s.body));

  it("every file parses with Logstash's grammar; inputs, filters and an output, in file order", () => {
    expect(files).toEqual([
      "10-input-kafka.conf",
      "20-route.conf",
      "30-windows-normalise.conf",
      "31-sysmon-normalise.conf",
      "90-output.conf",
    ]);
    expect(sections.map((s) => s.type)).toEqual(["input", "filter", "filter", "filter", "output"]);
    expect(read("logstash/pipelines.yml")).toContain('path.config: "/usr/share/logstash/helk-pipeline/*.conf"');
  });

  it("the parser is a real check: it rejects broken configuration, naming the line", () => {
    expect(() => parseLogstashConfig('filter {\n  mutate { add_field => { "a" => "b" }\n}\n')).toThrow(/line 4: expected/);
    expect(() => parseLogstashConfig('output {\n  elasticsearch { hosts "x" }\n}')).toThrow(/line 2: expected => after hosts/);
    expect(() => parseLogstashConfig("filter { if [a] == { } }")).toThrow(/expected a field reference, string, number or list/);
    expect(() => parseLogstashConfig("filters { }")).toThrow(/expected input, filter or output/);
  });

  it("uses only plugins Logstash's default distribution ships", () => {
    const shipped = new Set(["kafka", "mutate", "ruby", "date", "kv", "fingerprint", "elasticsearch"]);
    expect(all.map((p) => p.name).filter((n) => !shipped.has(n))).toEqual([]);
  });

  it("reads HELK's topics and only variables the compose file gives the container", () => {
    const kafka = all.find((p) => p.name === "kafka");
    const topics = kafka?.attributes.find(([k]) => k === "topics")?.[1] as string[];
    expect(topics.filter((t) => !(TOPIC_NAMES as readonly string[]).includes(t))).toEqual([]);
    for (const security of [true, false]) {
      const config = configFor("core", [], { security: { ...defaultConfig().security, enabled: security } });
      const logstash = buildComposeModel({ config, host: HOST, kafkaClusterId: "x", version: "1" }).services.logstash;
      const given = new Set([...Object.keys(logstash?.environment ?? {}), ...(security ? ["HELK_ES_PASSWORD"] : [])]);
      const used = [
        ...new Set(
          all
            .flatMap((p) => p.attributes.flatMap(([, v]) => strings(v)))
            .flatMap((s) => [...s.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1] as string)),
        ),
      ];
      expect(used.sort()).toEqual(["HELK_ES_PASSWORD", "HELK_ES_URL", "HELK_ES_USER", "HELK_KAFKA_BOOTSTRAP"]);
      expect(
        used.filter((v) => !given.has(v)),
        `security ${security}`,
      ).toEqual([]);
    }
  });

  it("routes every event to an index family that one of HELK's templates maps", () => {
    const routed = all
      .filter((p) => p.name === "mutate")
      .flatMap((p) => p.attributes.filter(([k]) => k === "add_field").map(([, v]) => (v as Record<string, string>)["[@metadata][index]"]))
      .filter((v): v is string => v !== undefined && !v.includes("%{"));
    expect(routed.sort()).toEqual(["logs-endpoint-winevent", "logs-endpoint-winevent-sysmon", "sysmon-join"]);
    expect(routed.map((i) => templateFor(`${i}-2020.10.23`)).sort()).toEqual(["helk-sysmon", "helk-sysmon-join", "helk-winevent"]);
  });
});

describe("ksqlDB statements (images/ksqldb)", () => {
  const text = read("ksqldb/statements/sysmon-join.sql");
  const statements = splitStatements(text).map(parseStatement);
  const byName = new Map<string, StreamStatement>(statements.map((s) => [s.name, s]));
  /** The statements with one of them rewritten (a mutation the checker must refuse). */
  const mutated = (name: string, from: RegExp | string, to: string) =>
    splitStatements(text).map((t) => {
      const s = parseStatement(t);
      if (s.name !== name) return s;
      const changed = t.replace(from, to);
      expect(changed, `the mutation of ${name} applies`).not.toBe(t);
      return parseStatement(changed);
    });

  it("four idempotent statements: the source stream, EID 1 and EID 3 keyed by ProcessGuid, the windowed join", () => {
    expect(statements.map((s) => [s.name, s.ifNotExists])).toEqual([
      ["WINLOGBEAT_STREAM", true],
      ["SYSMON_PROCESS_CREATE", true],
      ["SYSMON_NETWORK_CONNECT", true],
      ["SYSMON_JOIN", true],
    ]);
    // Arrival time: no TIMESTAMP property, so ROWTIME is the record's (broker-stamped) timestamp.
    expect(byName.get("WINLOGBEAT_STREAM")?.properties).toEqual({ KAFKA_TOPIC: "winlogbeat", VALUE_FORMAT: "JSON" });
    expect(byName.get("SYSMON_PROCESS_CREATE")?.select?.where).toMatch(/^COALESCE\(EventID, CAST\(winlog->event_id AS INT\)\) = 1 AND /);
    expect(byName.get("SYSMON_NETWORK_CONNECT")?.select?.where).toMatch(/^COALESCE\(EventID, CAST\(winlog->event_id AS INT\)\) = 3 AND /);
    const checked = checkStatements(statements);
    for (const s of ["SYSMON_PROCESS_CREATE", "SYSMON_NETWORK_CONNECT"]) {
      const sel = byName.get(s)?.select;
      // The key column is the projection item that repeats the PARTITION BY expression.
      expect(sel?.items.find((i) => i.expression === sel.partitionBy)?.name, s).toBe("PROCESSGUID");
      expect(checked.get(s)?.get("PROCESSGUID")?.base).toBe("VARCHAR");
    }
    expect(byName.get("SYSMON_JOIN")?.properties.KAFKA_TOPIC).toBe("SYSMON_JOIN");
  });

  it("the reader is a real check: it rejects what ksqlDB would", () => {
    expect(() => parseStatement("CREATE STREAM X (a VARCHR) WITH (KAFKA_TOPIC = 't')")).toThrow(/not a column definition/);
    expect(() => parseStatement("CREATE STREAM X (a STRUCT<>) WITH (KAFKA_TOPIC = 't')")).toThrow(/not a column definition/);
    expect(() => parseStatement("CREATE STREAM X WITH (KAFKA_TOPIC = 't') AS SELECT a FROM Y")).toThrow(/EMIT CHANGES/);
    expect(() => splitStatements("CREATE STREAM X (a INT) WITH (KAFKA_TOPIC = 't')")).toThrow(/closing semicolon/);
  });

  it.each([
    [
      "a struct field the STRUCT does not declare",
      "SYSMON_PROCESS_CREATE",
      "winlog->event_data->Image)",
      "winlog->event_data->ImageX)",
      /Could not find field 'IMAGEX' in 'WINLOG->EVENT_DATA'/,
    ],
    [
      "COALESCE over INT and VARCHAR (the event id without its CAST)",
      "SYSMON_NETWORK_CONNECT",
      "CAST(winlog->event_id AS INT)",
      "winlog->event_id",
      /COALESCE' does not accept parameters \(INTEGER, STRING\)/,
    ],
    [
      "an INT column compared with a string",
      "SYSMON_NETWORK_CONNECT",
      "AS INT)) = 3",
      "AS INT)) = '3'",
      /Cannot compare INTEGER to STRING/,
    ],
    [
      "a PARTITION BY expression missing from the projection",
      "SYSMON_PROCESS_CREATE",
      "PARTITION BY COALESCE(ProcessGuid,",
      "PARTITION BY COALESCE(ParentProcessGuid,",
      /must include the partitioning expression/,
    ],
    [
      "-> on a column that is not a STRUCT",
      "SYSMON_PROCESS_CREATE",
      "winlog->event_data->Image)",
      "Image->x)",
      /Expected STRUCT type for 'IMAGE'/,
    ],
    ["an unknown column", "SYSMON_NETWORK_CONNECT", "COALESCE(SourceIp,", "COALESCE(SourceIpp,", /Column 'SOURCEIPP' cannot be resolved/],
    ["a join column its stream does not have", "SYSMON_JOIN", "N.Protocol AS", "P.Protocol AS", /Column 'P.PROTOCOL' cannot be resolved/],
    [
      "an unquoted reserved word as a struct field",
      "WINLOGBEAT_STREAM",
      "Hashes VARCHAR,\n      Protocol",
      "Window VARCHAR,\n      Protocol",
      /mismatched input 'Window'/,
    ],
    [
      "a TIMESTAMP column the stream does not have",
      "WINLOGBEAT_STREAM",
      "VALUE_FORMAT = 'JSON')",
      "VALUE_FORMAT = 'JSON', TIMESTAMP = 'ts')",
      /TIMESTAMP column set in the WITH clause does not exist/,
    ],
  ])("the checker refuses %s, as ksqlDB's analyzer does", (_what, name, from, to, message) => {
    expect(() => checkStatements(statements)).not.toThrow();
    expect(() => checkStatements(mutated(name, from, to))).toThrow(message);
  });

  it("every stream and column a statement uses is defined before it, with the case HELK's documents use", () => {
    const columns = checkStatements(statements);
    // The joined stream's value carries the sysmon-join template's field names, case and all.
    const props = indexTemplates().find((t) => t.name === "helk-sysmon-join")?.body.template.mappings.properties as Record<string, unknown>;
    const valueColumns = [...(columns.get("SYSMON_JOIN")?.keys() ?? [])].filter((c) => c !== "JOIN_KEY");
    expect(valueColumns.filter((c) => !(c in props))).toEqual([]);
    expect(valueColumns).toContain("ProcessGuid");
    expect(identifier("`User`")).toBe("User");
  });

  it("the join window holds every joinable pair of the shared data sets (EID 3 1.2-37.3 s after its EID 1)", () => {
    const join = byName.get("SYSMON_JOIN")?.select?.join;
    expect(join?.type).toBe("INNER");
    // N (EID 3) is the left side: its EID 1 may be up to `before` earlier.
    expect(join?.within.beforeSeconds).toBeGreaterThanOrEqual(37.3);
    expect(join?.graceSeconds).toBeGreaterThanOrEqual(60);
    expect(join?.on.replace(/\s/g, "")).toBe("N.ProcessGuid=P.ProcessGuid");
  });
});

describe("Kibana saved objects (images/kibana)", () => {
  const lines = read("kibana/saved-objects/helk.ndjson").split("\n").filter(Boolean);
  const objects = lines.map(
    (l) =>
      JSON.parse(l) as {
        type: string;
        id: string;
        attributes: Record<string, unknown>;
        references: { type: string; id: string; name: string }[];
      },
  );

  it("is NDJSON: one object per line, unique ids per type", () => {
    expect(objects.map((o) => `${o.type}:${o.id}`)).toHaveLength(new Set(objects.map((o) => `${o.type}:${o.id}`)).size);
    expect(objects.map((o) => o.type).sort()).toEqual([
      "dashboard",
      "index-pattern",
      "index-pattern",
      "index-pattern",
      "search",
      "search",
      "search",
    ]);
  });

  it("every reference resolves to an object in the file, and every ref name is used", () => {
    const ids = new Set(objects.map((o) => `${o.type}:${o.id}`));
    for (const o of objects) {
      for (const r of o.references) expect(ids.has(`${r.type}:${r.id}`), `${o.id} → ${r.type}:${r.id}`).toBe(true);
      const used: string[] = [];
      const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string } | undefined;
      const source = meta ? (JSON.parse(meta.searchSourceJSON) as { indexRefName?: string }) : {};
      if (source.indexRefName) used.push(source.indexRefName);
      if (typeof o.attributes.panelsJSON === "string")
        used.push(...(JSON.parse(o.attributes.panelsJSON) as { panelRefName: string }[]).map((p) => p.panelRefName));
      expect(used.sort(), o.id).toEqual(o.references.map((r) => r.name).sort());
    }
  });

  it("data views cover HELK's indices, each one mapped by a HELK template", () => {
    const views = objects.filter((o) => o.type === "index-pattern").map((o) => o.attributes.title as string);
    expect(views.sort()).toEqual(["logs-endpoint-winevent-*", "logs-endpoint-winevent-sysmon-*", "sysmon-join*"]);
    expect(views.map((v) => templateFor(v.replace("*", "-2020.10.23").replace("--", "-"))).sort()).toEqual([
      "helk-sysmon",
      "helk-sysmon-join",
      "helk-winevent",
    ]);
  });
});

/** Can one index name match both glob patterns (only `*` wildcards, as Elasticsearch's simple match)? */
function globsOverlap(a: string, b: string): boolean {
  const seen = new Map<string, boolean>();
  const f = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = seen.get(key);
    if (known !== undefined) return known;
    seen.set(key, false);
    let r = false;
    if (i === a.length && j === b.length) r = true;
    else if (a[i] === "*") r = f(i + 1, j) || (j < b.length && f(i, j + 1));
    else if (b[j] === "*") r = f(i, j + 1) || (i < a.length && f(i + 1, j));
    else r = i < a.length && j < b.length && a[i] === b[j] && f(i + 1, j + 1);
    seen.set(key, r);
    return r;
  };
  return f(0, 0);
}

describe("Elasticsearch templates beside the node's built-in ones", () => {
  const all = [
    ...BUILT_IN_TEMPLATES.map((t) => ({ name: t.name, patterns: [...t.index_patterns], priority: t.priority })),
    ...indexTemplates().map((t) => ({ name: t.name, patterns: t.body.index_patterns, priority: t.body.priority })),
  ];
  const winner = (index: string) =>
    all.filter((t) => t.patterns.some((p) => patternMatches(p, index))).sort((x, y) => y.priority - x.priority)[0]?.name;

  it("the overlap check is real: logs-*-* overlaps logs-endpoint-winevent-*, not sysmon-join*", () => {
    expect(globsOverlap("logs-*-*", "logs-endpoint-winevent-*")).toBe(true);
    expect(globsOverlap("logs-*-*", "sysmon-join*")).toBe(false);
    expect(globsOverlap("a*b", "*c")).toBe(false);
  });

  it("no HELK template overlaps another template at the same priority (Elasticsearch refuses that put)", () => {
    const clashes: string[] = [];
    for (const h of all.filter((t) => t.name.startsWith("helk-")))
      for (const o of all)
        if (o !== h && o.priority === h.priority && h.patterns.some((p) => o.patterns.some((q) => globsOverlap(p, q))))
          clashes.push(`${h.name} and ${o.name} at ${h.priority}`);
    expect(clashes).toEqual([]);
  });

  it("every index Logstash writes is taken by a HELK template, not the built-in data stream ones", () => {
    const indices = [
      "logs-endpoint-winevent-2020.10.23",
      "logs-endpoint-winevent-sysmon-2020.10.23",
      "sysmon-join-2020.10.23",
      ...PASS_THROUGH_TOPICS.map((t) => `logs-${t}-2020.10.23`),
    ];
    expect(indices.map(winner)).toEqual(["helk-winevent", "helk-sysmon", "helk-sysmon-join", "helk-pass-through", "helk-pass-through"]);
    // The pass-through topics are exactly those Logstash reads and does not route itself.
    const input = read("logstash/pipeline/10-input-kafka.conf");
    const topics = JSON.parse(/topics => (\[[^\]]*\])/.exec(input)?.[1] ?? "[]") as string[];
    const routed = ["winlogbeat", "SYSMON_JOIN", "winevent"];
    expect(topics.filter((t) => !routed.includes(t)).sort()).toEqual([...PASS_THROUGH_TOPICS].sort());
  });
});

describe("Elasticsearch templates (images/elasticsearch)", () => {
  it("the JSON files are exactly what provisioning applies (npm run gen:templates)", () => {
    const files = readdirSync(join(IMAGES, "elasticsearch/templates")).sort();
    const templates = indexTemplates(RETENTION_POLICY);
    expect(files).toEqual(templates.map((t) => `${t.name}.json`).sort());
    for (const t of templates) expect(JSON.parse(read(`elasticsearch/templates/${t.name}.json`)), t.name).toEqual(t.body);
  });
});

describe("Dockerfiles of the images HELK builds", () => {
  const config = configFor("notebook-analysis");
  const built = helkImagesFor(config, selectServices("notebook-analysis", []), "1.0.0");

  it("logstash, kibana, ksqldb and the notebook image (jupyter, the Spark cluster and stream-join share it)", () => {
    expect(built.map((b) => [b.folder, b.services])).toEqual([
      ["logstash", ["logstash"]],
      ["kibana", ["kibana"]],
      ["ksqldb", ["ksqldb-server"]],
      ["jupyter", ["jupyter", "spark-master", "spark-worker", "stream-join"]],
    ]);
    expect(built.map((b) => b.tag)).toContain(`${config.projectName}/jupyter:1.0.0`);
  });

  it.each(["logstash", "kibana", "ksqldb", "jupyter"])(
    "images/%s/Dockerfile builds FROM the configured image and copies files that exist",
    (folder) => {
      const dockerfile = read(`${folder}/Dockerfile`);
      expect(dockerfile).toMatch(/^ARG BASE_IMAGE=\S+$/m);
      expect(dockerfile).toMatch(/^FROM \$\{BASE_IMAGE\}$/m);
      const sources = [...dockerfile.matchAll(/^COPY (?:--\S+ )*(\S+) \S+$/gm)].map((m) => m[1] as string);
      expect(sources.length).toBeGreaterThan(0);
      for (const s of sources) expect(existsSync(join(IMAGES, folder, s)), `${folder}/${s}`).toBe(true);
    },
  );
});

describe("notebooks (images/jupyter/notebooks)", () => {
  it.each(readdirSync(join(IMAGES, "jupyter/notebooks")))("%s is an nbformat 4 notebook with code", (name) => {
    const nb = JSON.parse(read(`jupyter/notebooks/${name}`)) as { nbformat: number; cells: { cell_type: string; source: string[] }[] };
    expect(nb.nbformat).toBe(4);
    expect(nb.cells.filter((c) => c.cell_type === "code").length).toBeGreaterThan(1);
    expect(nb.cells.every((c) => Array.isArray(c.source) && c.source.length > 0)).toBe(true);
  });

  it.each(readdirSync(join(IMAGES, "jupyter/notebooks")))("%s reads through helk_hunt and ends with one HELK-RESULT report", (name) => {
    const cells = (JSON.parse(read(`jupyter/notebooks/${name}`)) as { cells: { cell_type: string; source: string[] }[] }).cells;
    const code = cells.filter((c) => c.cell_type === "code").map((c) => c.source.join(""));
    expect(code.join("\n")).toMatch(/^import helk_hunt/m);
    expect(code.join("\n").match(/helk_hunt\.report\(/g)).toHaveLength(1);
    expect(code.at(-1)).toContain("helk_hunt.report(");
    // Credentials come from the container's environment through helk_hunt, never from a notebook.
    expect(code.join("\n")).not.toMatch(/HELK_ES_PASSWORD|basic_auth/);
  });

  // The engine tests run every notebook of the image's folder and stop at one they cannot check:
  // say so here first, in seconds.
  it.each(readdirSync(join(IMAGES, "jupyter/notebooks")))("%s has a check in test/helpers/notebook-checks.ts", (name) => {
    expect(CHECKED).toContain(name);
  });

  it.each(readdirSync(join(IMAGES, "jupyter/notebooks")))("%s names its Spark application when it reads events through Spark", (name) => {
    const reads = /helk_hunt\.(sysmon|security)_events\(/.test(read(`jupyter/notebooks/${name}`));
    // The cluster test finds each notebook's run among the master's applications by this name.
    expect(sparkApp(name) !== undefined, name).toBe(reads);
  });
});
