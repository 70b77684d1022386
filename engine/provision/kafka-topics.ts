/**
 * Kafka topics with the configured partitions and retention; a second run changes nothing.
 * On a cluster of three or more brokers every topic gets three replicas and
 * min.insync.replicas 2, so one broker can be lost without losing an acknowledged event.
 * The joins' source topic gets message.timestamp.type=LogAppendTime: the broker stamps each
 * record when it arrives, and that arrival time is the joins' clock (images/jupyter/jobs/
 * sysmon_join.py), so data sets of any date, replayed in any order, join alike.
 */
// kafkajs is CommonJS whose enums Node.js's ESM loader cannot name (tsx, the benches): the default.
import kafkajs, { type Admin, type Kafka } from "kafkajs";
import type { HelkConfig } from "../../compose/config/schema.js";

const { ConfigResourceTypes, ConfigSource } = kafkajs;

type Topics = HelkConfig["kafka"]["topics"];

/** The topics whose record timestamps the joins read as arrival time. */
export const ARRIVAL_TIME_TOPICS: ReadonlySet<string> = new Set(["winlogbeat"]);

export interface TopicOptions {
  /**
   * The operator's cluster, not HELK's own: an existing topic there keeps its timestamp type
   * (other consumers may read its record times); HELK says so in a note. Default false.
   */
  external?: boolean;
}

export interface TopicsResult {
  changes: string[];
  notes: string[];
}

const hoursToMs = (h: number) => String(h * 3600 * 1000);

/** Kafka's answers while a new topic's metadata spreads to every broker: worth asking again. */
function settling(err: unknown): boolean {
  const e = err as { retriable?: boolean; type?: string; message?: string };
  return (
    e.retriable === true ||
    ["UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE", "NOT_LEADER_FOR_PARTITION", "NOT_CONTROLLER"].includes(e.type ?? "") ||
    /does not host this topic-partition|leader/i.test(e.message ?? "")
  );
}

/**
 * Until every partition of these topics has a leader that the metadata answers with. Right
 * after creation a broker may not host the partition yet ("This server does not host this
 * topic-partition"); that is asked again, not failed, until the deadline.
 */
export async function waitForLeaders(
  admin: Admin,
  topics: string[],
  deadlineMs = 90_000,
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = "no answer yet";
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      const leaderless = meta.topics.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`));
      if (meta.topics.length === topics.length && leaderless.length === 0) return;
      last = leaderless.length ? `no leader yet for ${leaderless.join(", ")}` : "not every topic in the metadata yet";
    } catch (err) {
      if (!settling(err)) throw err;
      last = (err as Error).message;
    }
    if (Date.now() >= until) throw new Error(`topics ${topics.join(", ")} have no leaders after ${deadlineMs / 1000} s (${last})`);
    await sleep(500);
  }
}

/** The topic-level configs HELK wants on one topic, given how many replicas it has. */
export function wantedTopicConfigs(name: string, retentionHours: number, replicas: number): Record<string, string> {
  return {
    "retention.ms": hoursToMs(retentionHours),
    ...(replicas >= 3 ? { "min.insync.replicas": "2" } : {}),
    ...(ARRIVAL_TIME_TOPICS.has(name) ? { "message.timestamp.type": "LogAppendTime" } : {}),
  };
}

/** What a changed config is called in the plan's text. */
function describeChange(name: string, value: string, retentionHours: number): string {
  if (name === "retention.ms") return `retention set to ${retentionHours} h`;
  if (name === "message.timestamp.type") return `message.timestamp.type set to ${value} (the broker stamps arrival time, the joins' clock)`;
  return `${name} set to ${value}`;
}

type TopicEntry = [name: string, topic: Topics[keyof Topics]];
type Metadata = Awaited<ReturnType<Admin["fetchTopicMetadata"]>>;

/** Create the topics that do not exist yet, and wait until each partition has a leader. */
async function createMissing(admin: Admin, missing: TopicEntry[], replicated: boolean, changes: string[]): Promise<void> {
  const replicas = replicated ? 3 : 1;
  // Leaders are waited for below, with a deadline of HELK's: kafkajs's own wait gives up after
  // the client's few retries, which three brokers on a busy machine can outlast.
  await admin.createTopics({
    waitForLeaders: false,
    topics: missing.map(([topic, t]) => ({
      topic,
      numPartitions: t.partitions,
      replicationFactor: replicas,
      configEntries: Object.entries(wantedTopicConfigs(topic, t.retentionHours, replicas)).map(([name, value]) => ({ name, value })),
    })),
  });
  await waitForLeaders(
    admin,
    missing.map(([name]) => name),
  );
  for (const [name, t] of missing)
    changes.push(
      `created topic ${name} (${t.partitions} partitions, retention ${t.retentionHours} h${replicated ? ", 3 replicas, min.insync.replicas 2" : ""}${ARRIVAL_TIME_TOPICS.has(name) ? ", LogAppendTime" : ""})`,
    );
}

/** Raise the partitions of existing topics that have fewer than configured (Kafka cannot lower them). */
async function growPartitions(admin: Admin, present: TopicEntry[], meta: Metadata, changes: string[]): Promise<void> {
  const grow = present.filter(([name, t]) => (meta.topics.find((m) => m.name === name)?.partitions.length ?? 0) < t.partitions);
  if (grow.length === 0) return;
  await admin.createPartitions({ topicPartitions: grow.map(([topic, t]) => ({ topic, count: t.partitions })) });
  for (const [name, t] of grow) changes.push(`topic ${name}: partitions raised to ${t.partitions}`);
}

/** The note for an external cluster's existing topic that keeps its own record clock. */
function keptClockNote(name: string, clock: string): string {
  return (
    `topic ${name} keeps message.timestamp.type ${clock} (an existing topic on the external cluster: HELK sets it only on topics it creates there): the joins then ` +
    "run on the producers' record times (Winlogbeat writes each event's own time), and a backlog older than what the " +
    `join has seen is dropped as late; to make them arrival times: kafka-configs.sh --alter --entity-type topics --entity-name ${name} --add-config message.timestamp.type=LogAppendTime`
  );
}

/** Set the configs HELK manages (retention, min.insync.replicas, the joins' clock) on existing topics. */
async function alignConfigs(
  admin: Admin,
  present: TopicEntry[],
  meta: Metadata,
  options: TopicOptions,
  result: TopicsResult,
): Promise<void> {
  // Every config of each topic: kafkajs has only the non-incremental AlterConfigs, which
  // REPLACES all of a topic's own (dynamic) configs with what it is sent, so a change must
  // carry the ones HELK does not manage (an operator's, min.insync.replicas) along.
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map(([name]) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  const alter: { name: string; configEntries: { name: string; value: string }[] }[] = [];
  for (const [name, t] of present) {
    const entries = described.resources.find((r) => r.resourceName === name)?.configEntries ?? [];
    const own = entries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG);
    const current = Object.fromEntries(entries.map((e) => [e.configName, e.configValue]));
    const replicas = meta.topics.find((m) => m.name === name)?.partitions[0]?.replicas.length ?? 1;
    const want = wantedTopicConfigs(name, t.retentionHours, replicas);
    // An operator's existing topic keeps its clock: its other consumers read the record times.
    const clock = current["message.timestamp.type"] ?? "CreateTime";
    if (options.external && want["message.timestamp.type"] && clock !== want["message.timestamp.type"]) {
      delete want["message.timestamp.type"];
      result.notes.push(keptClockNote(name, clock));
    }
    const differ = Object.entries(want).filter(([k, v]) => current[k] !== v);
    if (differ.length === 0) continue;
    const hidden = own.filter((e) => e.isSensitive || e.configValue === null);
    if (hidden.length)
      throw new Error(
        `topic ${name} has configs Kafka does not show (${hidden.map((e) => e.configName).join(", ")}), which changing its ` +
          `configs would erase; set ${differ.map(([k, v]) => `${k}=${v}`).join(", ")} on it yourself`,
      );
    const keep = Object.fromEntries(own.map((e) => [e.configName, e.configValue]));
    alter.push({ name, configEntries: Object.entries({ ...keep, ...want }).map(([k, value]) => ({ name: k, value })) });
    for (const [k, v] of differ) result.changes.push(`topic ${name}: ${describeChange(k, v, t.retentionHours)}`);
  }
  if (alter.length) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: alter.map((a) => ({ type: ConfigResourceTypes.TOPIC, ...a })),
    });
  }
}

export async function provisionTopics(kafka: Kafka, topics: Topics, options: TopicOptions = {}): Promise<TopicsResult> {
  const admin = kafka.admin();
  await admin.connect();
  const result: TopicsResult = { changes: [], notes: [] };
  try {
    const existing = new Set(await admin.listTopics());
    const { brokers } = await admin.describeCluster();
    const wanted: TopicEntry[] = Object.entries(topics);
    const missing = wanted.filter(([name]) => !existing.has(name));
    if (missing.length) await createMissing(admin, missing, brokers.length >= 3, result.changes);
    const present = wanted.filter(([name]) => existing.has(name));
    if (present.length === 0) return result;
    const meta = await admin.fetchTopicMetadata({ topics: present.map(([n]) => n) });
    await growPartitions(admin, present, meta, result.changes);
    await alignConfigs(admin, present, meta, options, result);
    return result;
  } finally {
    await admin.disconnect();
  }
}
