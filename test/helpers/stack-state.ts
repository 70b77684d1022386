/**
 * A stack's real state, read with the services' own clients and the Docker engine, so that
 * "a second run changes nothing" is checked against what exists and not against HELK's own
 * report: containers (id, creation time), Kafka topics (partitions, non-default configs),
 * HELK's index templates, and the security index's highest sequence number (every user or
 * password HELK sets is a write there, and the number survives a node restart).
 */
import { execa } from "execa";
// kafkajs is CommonJS whose enums Node.js's ESM loader cannot name (tsx, the benches): the default.
import kafkajs, { type Kafka } from "kafkajs";
import "./kafkajs-lz4.js";
import { elasticAdmin, kafkaOf } from "./stack-clients.js";
import type { TestStack } from "./test-stack.js";

const { ConfigResourceTypes } = kafkajs;

export interface StackState {
  containers?: Record<string, { id: string; created: string }>;
  topics: Record<string, { partitions: number; configs: Record<string, string> }>;
  templates: Record<string, unknown>;
  securityMaxSeqNo: number;
}

async function containers(project: string): Promise<NonNullable<StackState["containers"]>> {
  const ids = (await execa("docker", ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`])).stdout
    .split("\n")
    .filter(Boolean);
  if (ids.length === 0) return {};
  const r = await execa("docker", [
    "inspect",
    "--format",
    '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.Created}}',
    ...ids,
  ]);
  return Object.fromEntries(
    r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const [service, id, created] = l.split(" ") as [string, string, string];
        return [service, { id, created }];
      }),
  );
}

async function topics(kafka: Kafka): Promise<StackState["topics"]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics()).filter((t) => !t.startsWith("__")).sort();
    const meta = await admin.fetchTopicMetadata({ topics: names });
    const cfg = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    });
    const out: StackState["topics"] = {};
    for (const t of meta.topics) {
      const entries = cfg.resources.find((r) => r.resourceName === t.name)?.configEntries ?? [];
      out[t.name] = {
        partitions: t.partitions.length,
        configs: Object.fromEntries(entries.filter((e) => !e.isDefault).map((e) => [e.configName, e.configValue])),
      };
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

export async function stackState(
  stack: TestStack,
  options: { containers?: boolean; kafkaHost?: string; kafkaLogin?: { username: string; password: string } } = {},
): Promise<StackState> {
  const es = elasticAdmin(stack);
  try {
    const templates = await es.indices.getIndexTemplate({ name: "helk-*" }, { ignore: [404] });
    const stats = (await es.indices.stats({ index: ".security*", level: "shards", expand_wildcards: "all" })) as {
      indices?: Record<string, { shards: Record<string, { seq_no?: { max_seq_no: number } }[]> }>;
    };
    const seqNos = Object.values(stats.indices ?? {}).flatMap((i) =>
      Object.values(i.shards).flatMap((copies) => copies.map((c) => c.seq_no?.max_seq_no ?? -1)),
    );
    return {
      ...(options.containers === false ? {} : { containers: await containers(stack.project) }),
      topics: await topics(kafkaOf(stack, options.kafkaHost ?? "127.0.0.1", options.kafkaLogin)),
      templates: Object.fromEntries((templates.index_templates ?? []).map((t) => [t.name, t.index_template])),
      securityMaxSeqNo: Math.max(-1, ...seqNos),
    };
  } finally {
    await es.close();
  }
}
