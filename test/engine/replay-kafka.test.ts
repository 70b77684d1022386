/**
 * `helk replay` into a real Kafka broker: each shared data set leaves exactly its events in
 * a fresh topic, keyed by host, values byte for byte; a JSON array (plain or zipped) leaves
 * exactly its elements; input with no event is exit 7; a broker refusing the topic is exit 10.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KafkaFixture, startKafka } from "../helpers/kafka-fixture.js";
import { freePortBlock } from "../helpers/port-block.js";
import { helk } from "../helpers/run-cli.js";
import { readMessages } from "../helpers/stack-clients.js";
import { convertLines } from "../helpers/winlogbeat8.js";

const MORDOR = new URL("../../../shared/datasets/mordor/", import.meta.url).pathname;
const SETS = [
  ["cmd_bitsadmin_download_psh_script.zip", 424],
  ["covenant_dcom_executeexcel4macro_allowed.zip", 8121],
  ["empire_launcher_sct_regsvr32.zip", 2390],
  ["schtask_modification.zip", 2657],
] as const;

let kafka: KafkaFixture;

/** The topic's first `count` messages, as key and value. */
const consume = async (topic: string, count: number) =>
  (await readMessages(kafka.kafka, [topic], `t-${topic}`, count)).map(({ key, value }) => ({ key, value }));

describe.sequential("replay into a real Kafka", () => {
  beforeAll(async () => {
    kafka = await startKafka(freePortBlock(1));
  });
  afterAll(() => kafka?.stop());

  it.each(SETS)("%s: the fresh topic holds exactly %d messages", async (file, events) => {
    const topic = await kafka.freshTopic("replay");
    const r = await helk(["replay", "--json", "--topic", topic, "--bootstrap", kafka.bootstrap, `${MORDOR}${file}`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { events: number }).events).toBe(events);
    expect(await kafka.messageCount(topic)).toBe(events);
  });

  it("keys by host name and keeps each line byte for byte", async () => {
    const topic = await kafka.freshTopic("bytes", 1);
    const lines = ['{"Hostname":"WS1","EventID":1,"x":"a b"}', '{ "host": {"name": "ws2"},  "EventID": 3 }'];
    const r = await helk(["replay", "--topic", topic, "--bootstrap", kafka.bootstrap, "-"], { input: `${lines.join("\r\n")}\n` });
    expect(r.exitCode, r.stderr).toBe(0);
    const seen = await consume(topic, 2);
    expect(seen).toEqual([
      { key: "WS1", value: lines[0] },
      { key: "ws2", value: lines[1] },
    ]);
  });

  it("batches stay under the broker's 1 MB record batch: events of 300-700 KB and small ones with long host names all land", async () => {
    const topic = await kafka.freshTopic("big", 1);
    const big = [700, 400, 700, 300].map((kb, i) => JSON.stringify({ Hostname: "WS1", EventID: i, pad: "x".repeat(kb * 1000) }));
    const host = `h${"o".repeat(199)}`;
    const small = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ Hostname: host, EventID: i }));
    const r = await helk(["replay", "--json", "--topic", topic, "--bootstrap", kafka.bootstrap, "-"], {
      input: `${[...big, ...small].join("\n")}\n`,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { events: number }).events).toBe(3004);
    expect(await kafka.messageCount(topic)).toBe(3004);
    const seen = await consume(topic, 3004);
    // The first line (700 KB) is longer than the 64 KiB sample replay judges a file by.
    expect(seen.slice(0, 4).map((m) => m.value?.length)).toEqual(big.map((b) => b.length));
    expect(seen[3003]).toEqual({ key: host, value: small[2999] });
  });

  it.each([
    ["none", "x"],
    ["lz4", "random"],
  ])(
    "a topic that takes batches of at most 300 KB (max.message.bytes) still gets every event: replay reads the limit (--compression %s, %s padding)",
    async (compression, padding) => {
      const topic = `small-batches-${compression}-${Date.now()}`;
      await kafka.createTopic(topic, 1, { "max.message.bytes": "300000" });
      // 2 MB for one host: in replay's usual 1 MB batches the broker refuses them (message too
      // large). Random hex hardly compresses: LZ4's 2 MB batches must be split to fit.
      const pad = (i: number) =>
        padding === "x"
          ? "x".repeat(1000)
          : randomBytes(500)
              .toString("hex")
              .slice(0, 1000 - (i % 7));
      const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ Hostname: "WS1", EventID: i, pad: pad(i) }));
      const r = await helk(["replay", "--json", "--compression", compression, "--topic", topic, "--bootstrap", kafka.bootstrap, "-"], {
        input: `${lines.join("\n")}\n`,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await kafka.messageCount(topic)).toBe(2000);
      if (padding === "random") expect((await consume(topic, 2000)).map((m) => m.value)).toEqual(lines);
    },
  );

  it("LZ4 by default: the broker stores a small part of the bytes, --compression none stores them as they are, and both read back byte for byte", async () => {
    const file = `${MORDOR}empire_launcher_sct_regsvr32.zip`;
    const stored: Record<string, { bytes: number; values: string[] }> = {};
    for (const flags of [[], ["--compression", "none"]]) {
      const topic = await kafka.freshTopic("codec", 1);
      const r = await helk(["replay", "--json", ...flags, "--topic", topic, "--bootstrap", kafka.bootstrap, file]);
      expect(r.exitCode, r.stderr).toBe(0);
      // The partition's log segments as the broker wrote them (its index files are preallocated: not counted).
      const sizes = await execa("docker", ["exec", kafka.container, "sh", "-c", `stat -c %s /var/lib/kafka/data/${topic}-0/*.log`]);
      const bytes = sizes.stdout.split("\n").reduce((sum, n) => sum + Number(n), 0);
      stored[flags.length ? "none" : "lz4"] = { bytes, values: (await consume(topic, 2390)).map((m) => m.value ?? "") };
    }
    const input = (await execa("unzip", ["-p", file], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    expect(stored.none?.bytes).toBeGreaterThan(input.length);
    expect(stored.lz4?.bytes).toBeLessThan((stored.none?.bytes ?? 0) / 5);
    expect(stored.lz4?.values).toEqual(stored.none?.values);
    expect(stored.none?.values).toEqual(
      input
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => l.replace(/\r$/, "")),
    );
  });

  it("a converted data set as a pretty-printed JSON array (zipped too): exactly its events, each element's compact JSON keyed by host.name", async () => {
    const file = "empire_launcher_sct_regsvr32.zip";
    const text = (await execa("unzip", ["-p", `${MORDOR}${file}`], { maxBuffer: 256 * 1024 * 1024 })).stdout;
    const events = convertLines(text)
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { host?: { name?: string } });
    const dir = mkdtempSync(join(tmpdir(), "helk-replay-array-"));
    const arrayFile = join(dir, "empire.golden.json");
    writeFileSync(arrayFile, JSON.stringify(events, null, 2));
    await execa("python3", [
      "-c",
      "import zipfile,sys\nwith zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z: z.write(sys.argv[2],'empire.json')",
      join(dir, "empire-array.zip"),
      arrayFile,
    ]);

    for (const input of [arrayFile, join(dir, "empire-array.zip")]) {
      const topic = await kafka.freshTopic("array", 1);
      const r = await helk(["replay", "--json", "--topic", topic, "--bootstrap", kafka.bootstrap, input]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ events: events.length, jsonArrays: 1, nonObjectValues: 0 });
      expect(await kafka.messageCount(topic)).toBe(events.length);
      if (input !== arrayFile) continue;
      // One partition keeps the order: message i is element i, compact, keyed by its host.
      const seen = await consume(topic, events.length);
      expect(seen.map((m) => m.key)).toEqual(events.map((e) => e.host?.name ?? ""));
      expect(seen.map((m) => m.value)).toEqual(events.map((e) => JSON.stringify(e)));
    }
  });

  it("a one-line array that is all numbers: exit 7 and nothing in the topic", async () => {
    const topic = await kafka.freshTopic("nothing", 1);
    const r = await helk(["replay", "--topic", topic, "--bootstrap", kafka.bootstrap, "-"], { input: "[1,2,3]" });
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toContain("error: no events in 1 member (7 bytes read): 3 JSON values that are not an object");
    expect(await kafka.messageCount(topic)).toBe(0);
  });

  it("a topic the broker does not have: exit 10 before reading anything", async () => {
    const r = await helk(["replay", "--topic", "no-such-topic", "--bootstrap", kafka.bootstrap, `${MORDOR}schtask_modification.zip`]);
    expect(r.exitCode).toBe(10);
    expect(r.stderr).toContain(`error: topic no-such-topic does not exist on ${kafka.bootstrap} (0 events sent before the error)`);
  });

  it("--rate paces the replay", async () => {
    const topic = await kafka.freshTopic("rate", 1);
    const r = await helk([
      "replay",
      "--json",
      "--rate",
      "200",
      "--limit",
      "300",
      "--topic",
      topic,
      "--bootstrap",
      kafka.bootstrap,
      `${MORDOR}cmd_bitsadmin_download_psh_script.zip`,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { events: number; seconds: number };
    expect(s.events).toBe(300);
    expect(s.seconds).toBeGreaterThanOrEqual(1.4);
    expect(await kafka.messageCount(topic)).toBe(300);
  });
});
