/**
 * The shared Mordor data sets (flat NXLog layout) converted to what Winlogbeat 8 sends to
 * Kafka, so every path (replay, the joins, Logstash, templates) is tested on the layout real
 * endpoints send. The target shape is Winlogbeat's own output for Sysmon as Elastic records it
 * (elastic/beats, x-pack/winlogbeat/module/sysmon/test/testdata/collection/*.golden.json) plus
 * what its Kafka output adds (`@metadata`, `agent`, `ecs`).
 *
 * Where each flat field goes:
 * | flat (Mordor / NXLog)                      | Winlogbeat 8                                   |
 * |--------------------------------------------|------------------------------------------------|
 * | `@timestamp`                               | `@timestamp`                                   |
 * | `EventID` (number)                         | `winlog.event_id` and `event.code` (strings)   |
 * | `SourceName`                               | `winlog.provider_name`, `event.provider`       |
 * | `Channel`                                  | `winlog.channel`                               |
 * | `Hostname`                                 | `winlog.computer_name`, `host.name`            |
 * | `ProviderGuid`                             | `winlog.provider_guid`                         |
 * | `RecordNumber` / `EventRecordID`           | `winlog.record_id` (number)                    |
 * | `Task` / `Category`                        | `winlog.task`, `event.action`                  |
 * | `Opcode`                                   | `winlog.opcode`                                |
 * | `Version`                                  | `winlog.version` (number)                      |
 * | `ExecutionProcessID`/`ProcessID`, `ThreadID`| `winlog.process.pid`, `winlog.process.thread.id`|
 * | `Severity` / `Level`                       | `log.level` (lower case)                       |
 * | `Message`                                  | `message`                                      |
 * | every other field (the event's own data)   | `winlog.event_data.<same name>` (as a string)  |
 * NXLog's transport fields (`EventTime`, `EventReceivedTime`, `SourceModule*`, `@version`,
 * `host`, `port`, `tags`, `Keywords`, `SeverityValue`, `OpcodeValue`, `EventType`, `Domain`,
 * `AccountName`, `AccountType`, `UserID`, `TimeCreated`) have no Winlogbeat counterpart here and
 * are dropped.
 */

export type FlatEvent = Record<string, unknown>;
export type Winlogbeat8Event = Record<string, unknown>;

/** The Winlogbeat version the converted events claim (`@metadata.version`, `agent.version`). */
export const WINLOGBEAT_VERSION = "8.19.5";

const DROPPED = new Set([
  "EventTime",
  "EventReceivedTime",
  "SourceModuleName",
  "SourceModuleType",
  "@version",
  "host",
  "port",
  "tags",
  "Keywords",
  "SeverityValue",
  "OpcodeValue",
  "EventType",
  "Domain",
  "AccountName",
  "AccountType",
  "UserID",
  "TimeCreated",
]);
const HEADER = new Set([
  "@timestamp",
  "EventID",
  "SourceName",
  "Channel",
  "Hostname",
  "ProviderGuid",
  "RecordNumber",
  "EventRecordID",
  "Task",
  "Category",
  "Opcode",
  "Version",
  "ExecutionProcessID",
  "ProcessID",
  "ThreadID",
  "Severity",
  "Level",
  "Message",
]);

const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
const num = (v: unknown) => (v === undefined || v === null || v === "" || Number.isNaN(Number(v)) ? undefined : Number(v));

/** Drops keys whose value is undefined (JSON.stringify would too; this keeps objects comparable). */
function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** One flat event in Winlogbeat 8's Kafka output shape. */
export function toWinlogbeat8(e: FlatEvent): Winlogbeat8Event {
  const eventData: Record<string, string> = {};
  for (const [k, v] of Object.entries(e)) {
    if (HEADER.has(k) || DROPPED.has(k) || v === undefined || v === null) continue;
    eventData[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  const code = str(e.EventID);
  const task = str(e.Task ?? e.Category);
  const level = str(e.Severity ?? e.Level);
  const pid = num(e.ExecutionProcessID ?? e.ProcessID);
  const thread = num(e.ThreadID);
  return defined({
    "@timestamp": e["@timestamp"],
    "@metadata": { beat: "winlogbeat", type: "_doc", version: WINLOGBEAT_VERSION },
    agent: { type: "winlogbeat", version: WINLOGBEAT_VERSION, name: str(e.Hostname) },
    ecs: { version: "8.0.0" },
    event: defined({ code, kind: "event", provider: str(e.SourceName), action: task, created: e["@timestamp"] }),
    host: defined({ name: str(e.Hostname) }),
    log: level ? { level: level.toLowerCase() } : undefined,
    message: str(e.Message),
    winlog: defined({
      channel: str(e.Channel),
      computer_name: str(e.Hostname),
      event_data: eventData,
      event_id: code,
      opcode: str(e.Opcode),
      process: pid === undefined ? undefined : defined({ pid, thread: thread === undefined ? undefined : { id: thread } }),
      provider_guid: str(e.ProviderGuid),
      provider_name: str(e.SourceName),
      record_id: num(e.RecordNumber ?? e.EventRecordID),
      task,
      version: num(e.Version),
    }),
  });
}

/** A JSON-lines text (a Mordor file's content) converted line by line; blank lines are kept. */
export function convertLines(text: string): string {
  return text
    .split("\n")
    .map((line) => (line.trim() ? JSON.stringify(toWinlogbeat8(JSON.parse(line) as FlatEvent)) : line))
    .join("\n");
}
