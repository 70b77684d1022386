/**
 * HELK's Elasticsearch index templates, as data: Sysmon and Windows events from Logstash,
 * and the joined process/network documents. Field names follow the flat Mordor/NXLog format
 * Logstash passes on, plus what Winlogbeat 8 sends beside it (winlog.*, host.name, event.*). Only core field types, so every distribution (including test nodes
 * without analysis or mapper plugins) accepts them. Pure.
 */

const keyword = { type: "keyword", ignore_above: 4096 };
const text = { type: "text", fields: { keyword: { type: "keyword", ignore_above: 4096 } } };
// Windows writes "-" where an address or port is absent: keep the document, drop the value.
const ip = { type: "ip", ignore_malformed: true };
const port = { type: "integer", ignore_malformed: true };
const date = { type: "date", format: "strict_date_optional_time||yyyy-MM-dd HH:mm:ss.SSS||epoch_millis", ignore_malformed: true };

const long = { type: "long" };
const object = (properties: Record<string, unknown>) => ({ properties });
// ECS event.ingested: when the event reached HELK (Logstash: the Kafka record's time; the join:
// its network event's). Alert rules run on it, since replayed events carry old @timestamps.
const ARRIVAL = { type: "date" };

/**
 * What Winlogbeat 8 sends beside the flat fields Logstash derives from it (its own template's
 * types, elastic/beats winlogbeat/_meta/fields.common.yml and ECS): `winlog.*` as sent,
 * `winlog.event_data.*` as keywords (a dynamic template below: Windows gives every value as a
 * string), and the ECS fields. Field names differ from the flat ones (`message` / `Message`,
 * `winlog.record_id` / `RecordNumber`), so nothing conflicts; NXLog's string `host` is moved to
 * `log.source.address` by Logstash, because `host` is Winlogbeat's object.
 */
const WINLOGBEAT_FIELDS = {
  winlog: object({
    event_id: keyword,
    provider_name: keyword,
    provider_guid: keyword,
    channel: keyword,
    computer_name: keyword,
    record_id: long,
    opcode: keyword,
    task: keyword,
    version: long,
    keywords: keyword,
    api: keyword,
    activity_id: keyword,
    related_activity_id: keyword,
    process: object({ pid: long, thread: object({ id: long }) }),
    user: object({ identifier: keyword, name: keyword, domain: keyword, type: keyword }),
    event_data: { type: "object" },
    user_data: { type: "object" },
  }),
  host: object({ name: keyword, hostname: keyword }),
  event: object({
    code: keyword,
    provider: keyword,
    action: keyword,
    kind: keyword,
    category: keyword,
    type: keyword,
    outcome: keyword,
    module: keyword,
    dataset: keyword,
    created: { type: "date" },
    ingested: ARRIVAL,
  }),
  log: object({ level: keyword, source: object({ address: keyword }) }),
  message: text,
  agent: object({ name: keyword, type: keyword, version: keyword, id: keyword, ephemeral_id: keyword, hostname: keyword }),
  ecs: object({ version: keyword }),
};

const WINDOWS_FIELDS = {
  "@timestamp": { type: "date" },
  TimeCreated: date,
  EventID: { type: "integer" },
  Hostname: keyword,
  Channel: keyword,
  SourceName: keyword,
  Message: text,
  // NXLog sends these as numbers in some data sets and as hex strings in others.
  Keywords: keyword,
  Task: keyword,
  RecordNumber: long,
  SubjectUserName: keyword,
  TargetUserName: keyword,
  IpAddress: ip,
  IpPort: port,
  ...WINLOGBEAT_FIELDS,
};

const SYSMON_FIELDS = {
  ...WINDOWS_FIELDS,
  UtcTime: date,
  ProcessGuid: keyword,
  ProcessId: keyword,
  ParentProcessGuid: keyword,
  ParentProcessId: keyword,
  Image: keyword,
  ParentImage: keyword,
  CommandLine: text,
  ParentCommandLine: text,
  User: keyword,
  Hashes: keyword,
  Protocol: keyword,
  Initiated: keyword,
  SourceIp: ip,
  SourcePort: port,
  SourceHostname: keyword,
  DestinationIp: ip,
  DestinationPort: port,
  DestinationHostname: keyword,
  TargetFilename: keyword,
};

const JOIN_FIELDS = {
  "@timestamp": { type: "date" },
  event: object({ ingested: ARRIVAL }),
  ProcessGuid: keyword,
  Hostname: keyword,
  process_time: date,
  network_time: date,
  ProcessId: keyword,
  ParentProcessGuid: keyword,
  Image: keyword,
  CommandLine: text,
  ParentImage: keyword,
  ParentCommandLine: text,
  User: keyword,
  Hashes: keyword,
  SourceIp: ip,
  SourcePort: port,
  DestinationIp: ip,
  DestinationPort: port,
  DestinationHostname: keyword,
  Protocol: keyword,
};

/** The join job's progress document (one per streaming query), read by `helk status` and `verify`. */
const STREAM_STATUS_FIELDS = {
  "@timestamp": { type: "date" },
  started: { type: "date" },
  watermark: { type: "date" },
  event_time_max: { type: "date" },
  query: keyword,
  active: { type: "boolean" },
  // Opaque to searches; kept whole for readers.
  source_end_offsets: { type: "keyword", index: false, doc_values: false },
  source_latest_offsets: { type: "keyword", index: false, doc_values: false },
};

export interface IndexTemplate {
  name: string;
  body: {
    index_patterns: string[];
    priority: number;
    template: { settings: Record<string, unknown>; mappings: Record<string, unknown> };
    _meta: { managed_by: string; description: string };
  };
}

/**
 * Windows events: no date detection (as Winlogbeat's own template), so a string field is a
 * keyword whatever its first value looks like (a later "-" cannot be refused by a field that
 * guessed "date"); and winlog.event_data.* is keyword by path, before the general rule.
 */
const WINDOWS_MAPPING = {
  date_detection: false,
  dynamic_templates: [{ winlog_event_data: { path_match: "winlog.event_data.*", match_mapping_type: "string", mapping: keyword } }],
};

function template(
  name: string,
  patterns: string[],
  priority: number,
  properties: Record<string, unknown>,
  description: string,
  lifecycle?: string,
  replicas = 0,
  windows = false,
): IndexTemplate {
  return {
    name,
    body: {
      index_patterns: patterns,
      // Sysmon's pattern is inside the Windows one; the higher priority wins for Sysmon indices.
      priority,
      template: {
        settings: {
          number_of_shards: 1,
          // HELK's own node: replicas could never be assigned and the cluster would stay yellow.
          // An external cluster of several nodes gets one replica (provision.ts).
          number_of_replicas: replicas,
          ...(lifecycle ? { "index.lifecycle.name": lifecycle } : {}),
        },
        mappings: {
          ...(windows ? { date_detection: WINDOWS_MAPPING.date_detection } : {}),
          dynamic_templates: [
            ...(windows ? WINDOWS_MAPPING.dynamic_templates : []),
            { strings_as_keywords: { match_mapping_type: "string", mapping: keyword } },
          ],
          properties,
        },
      },
      _meta: { managed_by: "helk", description },
    },
  };
}

/**
 * Elasticsearch's own index templates that HELK's names meet: every 8.x/9.x node installs them at
 * start (elastic/elasticsearch x-pack/plugin/stack StackTemplateRegistry, logs@template.json and
 * metrics@template.json), data streams, priority 100. Elasticsearch refuses a template whose
 * patterns overlap another's at the same priority (MetadataIndexTemplateService
 * findConflictingV2Templates: "multiple index templates may not match during index creation"),
 * and the highest priority alone decides which template an index gets.
 */
export const BUILT_IN_TEMPLATES = [
  { name: "logs", index_patterns: ["logs-*-*"], priority: 100, data_stream: true },
  { name: "metrics", index_patterns: ["metrics-*-*"], priority: 100, data_stream: true },
] as const;

/**
 * Topics Logstash indexes under `logs-<topic>-<date>` without normalising them (its catch-all route
 * in images/logstash/pipeline/20-route.conf, for the topics 10-input-kafka.conf reads).
 */
export const PASS_THROUGH_TOPICS = ["filebeat", "zeek"] as const;

/**
 * The templates, with the retention policy attached where the node supports ILM.
 *
 * HELK's indices stay plain daily indices, above the built-in `logs` template (priority 100, a
 * data stream for every `logs-*-*` name), rather than becoming data streams:
 * - a data stream accepts only `create` (Logstash writes with `index`, the join documents are
 *   overwritten by id so a replay does not duplicate them) and is named
 *   `logs-<dataset>-<namespace>` with no `-` inside the dataset: HELK's names and every data view,
 *   notebook and saved search built on them would change;
 * - the `logs` template's settings name an ingest pipeline (logs@default-pipeline), ILM rollover
 *   (logs@lifecycle) and ECS mapping types (match_only_text, wildcard, constant_keyword) that the
 *   minimal test distribution lacks, as it lacks the data-streams module: data streams would be
 *   a path the tests could not run;
 * - retention stays what it is (delete daily indices after N days), with or without ILM.
 * The priorities leave room above Elastic's 100 and Fleet integrations' 200 (whose
 * `logs-<dataset.with.dots>-*` patterns never overlap HELK's). Every `logs-*-*` name Logstash
 * writes needs one of these, or it would become a data stream that refuses Logstash's writes.
 */
export function indexTemplates(lifecyclePolicy?: string, replicas = 0): IndexTemplate[] {
  return [
    template("helk-winevent", ["logs-endpoint-winevent-*"], 300, WINDOWS_FIELDS, "Windows event logs", lifecyclePolicy, replicas, true),
    template("helk-sysmon", ["logs-endpoint-winevent-sysmon-*"], 400, SYSMON_FIELDS, "Sysmon events", lifecyclePolicy, replicas, true),
    template(
      "helk-pass-through",
      PASS_THROUGH_TOPICS.map((t) => `logs-${t}-*`),
      300,
      { "@timestamp": { type: "date" }, event: object({ ingested: ARRIVAL }) },
      "Events of other topics, indexed as they come",
      lifecyclePolicy,
      replicas,
    ),
    template(
      "helk-sysmon-join",
      ["sysmon-join*"],
      200,
      JOIN_FIELDS,
      "Sysmon ProcessCreate x NetworkConnect joined on ProcessGuid",
      lifecyclePolicy,
      replicas,
    ),
    // No retention: one small document per query, overwritten in place.
    template(
      "helk-stream-status",
      ["helk-stream-status"],
      200,
      STREAM_STATUS_FIELDS,
      "Progress of HELK's streaming jobs",
      undefined,
      replicas,
    ),
  ];
}

export const RETENTION_POLICY = "helk-retention";

export function retentionPolicy(days: number): Record<string, unknown> {
  return { phases: { hot: { actions: {} }, delete: { min_age: `${days}d`, actions: { delete: {} } } }, _meta: { managed_by: "helk" } };
}
