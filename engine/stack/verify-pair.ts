/**
 * `helk verify`'s synthetic Sysmon pair, pure: a ProcessCreate (EID 1) and a NetworkConnect
 * (EID 3) of one fresh ProcessGuid, in the shape real endpoints send (Winlogbeat 8's Kafka
 * output: the layout of test/fixtures/winlogbeat8/sysmon-sample.ndjson), dated now.
 *
 * Why now: the joins run on arrival time (the Kafka record timestamp), and a real endpoint's
 * events are current; an old date would test a path no user's events take. Why marked: if
 * verify stops before its clean-up (a hop times out, Ctrl-C), whatever lands later carries
 * host name `helk-verify` and the tag `helk-verify` (normalised events), so users can filter it.
 */
import type { StreamStatus } from "../probes/stream-join-probe.js";

/** Host name (host.name, winlog.computer_name; `Hostname` once normalised or joined) and tag. */
export const VERIFY_HOST = "helk-verify";
export const VERIFY_TAG = "helk-verify";

/** The Winlogbeat version the pair claims, as the shared sample does. */
const WINLOGBEAT_VERSION = "8.19.5";
const SYSMON_PROVIDER_GUID = "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}";

export interface SyntheticPair {
  create: Record<string, unknown>;
  connect: Record<string, unknown>;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Sysmon's own UtcTime format: "2026-11-30 09:14:02.401". */
const utcTime = (ms: number) => iso(ms).replace("T", " ").replace("Z", "");

/**
 * The pair at `now` (ms): the process starts 1.5 s before its connection, so neither event is
 * dated in the future.
 */
export function syntheticPair(processGuid: string, now: number, recordId = 1): SyntheticPair {
  const created = now - 1500;
  const envelope = (at: number, code: "1" | "3", action: string, message: string, record: number) => ({
    "@timestamp": iso(at),
    "@metadata": { beat: "winlogbeat", type: "_doc", version: WINLOGBEAT_VERSION },
    agent: {
      type: "winlogbeat",
      version: WINLOGBEAT_VERSION,
      name: VERIFY_HOST,
      id: processGuid.slice(1, -1).toLowerCase(),
      ephemeral_id: processGuid.slice(1, -1).toLowerCase(),
    },
    ecs: { version: "8.0.0" },
    event: { action, code, created: iso(at), kind: "event", provider: "Microsoft-Windows-Sysmon" },
    host: { name: VERIFY_HOST },
    log: { level: "information" },
    message,
    tags: [VERIFY_TAG],
    winlog: {
      channel: "Microsoft-Windows-Sysmon/Operational",
      computer_name: VERIFY_HOST,
      event_data: {} as Record<string, string>,
      event_id: code,
      opcode: "Info",
      process: { pid: 3180, thread: { id: 4412 } },
      provider_guid: SYSMON_PROVIDER_GUID,
      provider_name: "Microsoft-Windows-Sysmon",
      record_id: record,
      task: action,
      user: { domain: "NT AUTHORITY", identifier: "S-1-5-18", name: "SYSTEM", type: "Well Known Group" },
      version: 5,
    },
  });
  const process = {
    ProcessGuid: processGuid,
    ProcessId: "4242",
    Image: "C:\\Windows\\System32\\helk-verify.exe",
    User: "HELK\\verify",
  };
  const create = envelope(created, "1", "Process Create (rule: ProcessCreate)", "Process Create:\nRuleName: helk-verify", recordId);
  create.winlog.event_data = {
    RuleName: "helk-verify",
    UtcTime: utcTime(created),
    ...process,
    CommandLine: "helk-verify.exe --self-test",
    CurrentDirectory: "C:\\Windows\\System32\\",
    IntegrityLevel: "Medium",
    Hashes: "SHA256=0000000000000000000000000000000000000000000000000000000000000000",
    ParentProcessGuid: "{00000000-0000-0000-0000-000000000000}",
    ParentProcessId: "4241",
    ParentImage: "C:\\Windows\\System32\\cmd.exe",
    ParentCommandLine: "cmd.exe /c helk verify",
  };
  const connect = envelope(
    now,
    "3",
    "Network connection detected (rule: NetworkConnect)",
    "Network connection detected:\nRuleName: helk-verify",
    recordId + 1,
  );
  connect.winlog.event_data = {
    RuleName: "helk-verify",
    UtcTime: utcTime(now),
    ...process,
    Protocol: "tcp",
    Initiated: "true",
    SourceIsIpv6: "false",
    SourceIp: "127.0.0.1",
    SourceHostname: VERIFY_HOST,
    SourcePort: "49152",
    DestinationIsIpv6: "false",
    DestinationIp: "127.0.0.1",
    DestinationHostname: "helk-verify.invalid",
    DestinationPort: "9",
  };
  return { create, connect };
}

/**
 * Documents of the pair in any index: normalised (Logstash lifts event_data to the top) or
 * raw Winlogbeat 8 (winlog.event_data.ProcessGuid), and joined documents (top-level ProcessGuid).
 */
export function pairQuery(processGuid: string) {
  return {
    bool: {
      should: [{ term: { ProcessGuid: processGuid } }, { term: { "winlog.event_data.ProcessGuid": processGuid } }],
      minimum_should_match: 1,
    },
  };
}

/** Where the pair sits in the topic: its partition and the offset of its second record. */
export interface PairPosition {
  partition: number;
  /** Offset of the last of the two records. */
  lastOffset: number;
}

/** A job report older than this means the job stopped reporting (it reports every ~5 s). */
const STALE_MS = 60_000;

/**
 * Why the Spark join gave no document, from its last report and where the pair is: not
 * reporting (stopped), still reading what came before the pair (a backlog: wait longer), or
 * past the pair without joining it (look at the job's log).
 */
export function joinLagDetail(status: StreamStatus | undefined, topic: string, at: PairPosition | undefined, now: number): string {
  if (!status) return "the job has not reported yet (helk status stream-join)";
  const age = now - Date.parse(status["@timestamp"]);
  if (!status.active || !(age < STALE_MS))
    return `the job ${status.active ? `has not reported for ${Math.round(age / 1000)} s` : "reports its query stopped"}: is it running? (helk status stream-join)`;
  if (!at) return "the job is running";
  let read: number | undefined;
  try {
    read = (JSON.parse(status.source_end_offsets ?? "null") as Record<string, Record<string, number>> | null)?.[topic]?.[
      String(at.partition)
    ];
  } catch {
    read = undefined;
  }
  if (read === undefined) return "the job is running; its report does not say how far it has read";
  if (read > at.lastOffset)
    return `the job has read past the pair (partition ${at.partition}, offset ${at.lastOffset}) without joining it: check \`helk logs stream-join\``;
  return `the job is still reading what came before the pair (partition ${at.partition}: at offset ${read}, the pair at ${at.lastOffset}): run verify again with a longer --timeout`;
}
