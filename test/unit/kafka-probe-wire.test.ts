/**
 * The status probe's own Kafka requests (engine/probes/kafka-*.ts): SCRAM against RFC 7677's
 * example exchange, Metadata v4 decoding, and the probe against a model broker on loopback
 * (answers cut into pieces, a closed connection, a refused login, silence). The real broker
 * answers them in test/engine/kafka-sasl.test.ts (SCRAM-SHA-512) and external-clusters.test.ts
 * (three brokers, one killed: the degraded detail).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { scramFinal } from "../../engine/kafka/login.js";
import { KafkaReader, KafkaWriter, splitAnswers } from "../../engine/kafka/wire.js";
import { decodeMetadataV4 } from "../../engine/probes/kafka-metadata.js";
import { kafkaProbe } from "../../engine/probes/kafka-probe.js";

describe("SCRAM", () => {
  it("computes RFC 7677's SCRAM-SHA-256 example: the client's proof and the server's signature", async () => {
    const clientNonce = "rOprNGfwEbeRWgbNEkqO";
    const serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const { clientFinal, serverSignature } = await scramFinal("sha256", "pencil", `n=user,r=${clientNonce}`, serverFirst, clientNonce);
    expect(clientFinal).toBe("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    expect(serverSignature.toString("base64")).toBe("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  });

  it("refuses a challenge whose nonce does not extend the client's", async () => {
    await expect(scramFinal("sha512", "pw", "n=u,r=abc", "r=zzz,s=c2FsdA==,i=4096", "abc")).rejects.toThrow(/malformed/);
  });
});

/** A Metadata v4 answer: brokers, controller, and topics of [replicas, isr] partitions. */
function metadataAnswer(brokers: number[], controller: number, topics: [string, [number[], number[]][]][]): Buffer {
  const w = new KafkaWriter().int32(0).int32(brokers.length);
  for (const id of brokers) w.int32(id).string(`broker-${id}`).int32(9092).string(null);
  w.string("cluster-1").int32(controller).int32(topics.length);
  for (const [name, partitions] of topics) {
    w.int16(0)
      .string(name)
      .int8(name.startsWith("__") ? 1 : 0)
      .int32(partitions.length);
    partitions.forEach(([replicas, isr], i) => {
      w.int16(0)
        .int32(i)
        .int32(replicas[0] ?? -1)
        .int32(replicas.length);
      for (const r of replicas) w.int32(r);
      w.int32(isr.length);
      for (const r of isr) w.int32(r);
    });
  }
  return w.buffer();
}

describe("Metadata v4", () => {
  it("decodes brokers, the controller and each partition's replicas and in-sync replicas", () => {
    const m = decodeMetadataV4(
      metadataAnswer([1, 2, 3], 2, [
        [
          "winlogbeat",
          [
            [
              [1, 2, 3],
              [1, 2, 3],
            ],
            [
              [2, 3, 1],
              [2, 3],
            ],
          ],
        ],
        ["__consumer_offsets", [[[1], [1]]]],
      ]),
    );
    expect(m).toEqual({
      brokers: [1, 2, 3],
      controller: 2,
      topics: [
        {
          name: "winlogbeat",
          partitions: [
            { replicas: [1, 2, 3], isr: [1, 2, 3] },
            { replicas: [2, 3, 1], isr: [2, 3] },
          ],
        },
        { name: "__consumer_offsets", partitions: [{ replicas: [1], isr: [1] }] },
      ],
    });
    expect(decodeMetadataV4(metadataAnswer([1], -1, [])).controller).toBeNull();
  });

  it("says so when an answer ends early, rather than reading garbage", () => {
    const whole = metadataAnswer([1], 1, [["t", [[[1], [1]]]]]);
    expect(() => decodeMetadataV4(whole.subarray(0, whole.length - 3))).toThrow(/ended early/);
  });
});

/** A model broker: each request's api key goes to `answer`, which replies (a body) or acts on the socket. */
type Answer = (apiKey: number, body: KafkaReader, socket: Socket) => Buffer | "close" | "silence";
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function modelBroker(answer: Answer, options: { splitAnswers?: boolean; tls?: { key: string; cert: string } } = {}): Promise<string> {
  const serve = (socket: Socket) => {
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = new KafkaReader(pending.subarray(4, 4 + pending.readInt32BE(0)));
        pending = pending.subarray(4 + pending.readInt32BE(0));
        const apiKey = frame.int16();
        frame.int16(); // version
        const id = frame.int32();
        frame.string(); // client id
        const reply = answer(apiKey, frame, socket);
        if (reply === "close") return void socket.destroy();
        if (reply === "silence") return;
        const out = new KafkaWriter()
          .int32(reply.length + 4)
          .int32(id)
          .buffer();
        const whole = Buffer.concat([out, reply]);
        // Byte by byte, the way a slow network may deliver it.
        if (options.splitAnswers) for (let i = 0; i < whole.length; i += 7) socket.write(whole.subarray(i, i + 7));
        else socket.write(whole);
      }
    });
    socket.on("error", () => undefined);
  };
  server = options.tls ? createTlsServer(options.tls, serve) : createServer(serve);
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return `127.0.0.1:${address.port}`;
}

describe("kafkaProbe against a model broker", () => {
  it("reports brokers, controller and the install's topics, from an answer cut into pieces", async () => {
    const address = await modelBroker(
      (key) =>
        key === 3
          ? metadataAnswer([1], 1, [
              ["winlogbeat", [[[1], [1]]]],
              ["__consumer_offsets", [[[1], [1]]]],
            ])
          : "close",
      { splitAnswers: true },
    );
    expect(await kafkaProbe({ address, timeoutMs: 2000 })).toEqual({ ok: true, detail: "1 broker, controller 1, 1 topic" });
  });

  it("fails a cluster with under-replicated partitions or no controller", async () => {
    let controller = 1;
    const address = await modelBroker(() =>
      metadataAnswer([1, 2], controller, [
        [
          "winlogbeat",
          [
            [[1, 2], [1]],
            [
              [2, 1],
              [2, 1],
            ],
          ],
        ],
      ]),
    );
    expect(await kafkaProbe({ address, timeoutMs: 2000 })).toEqual({
      ok: false,
      detail: "degraded: 1 of 2 partitions under-replicated; 2 brokers, controller 1, 1 topic",
    });
    controller = -1;
    expect((await kafkaProbe({ address, timeoutMs: 2000 })).detail).toContain("controller none");
  });

  it("a broker that closes the connection on a client without a login: the listener may require SASL", async () => {
    const address = await modelBroker(() => "close");
    expect(await kafkaProbe({ address, timeoutMs: 2000 })).toEqual({
      ok: false,
      detail: expect.stringContaining("its listener may require SASL") as unknown as string,
    });
  });

  it("logs in with SCRAM first; a refused login names the user and where the password is", async () => {
    const seen: number[] = [];
    const address = await modelBroker((key, body) => {
      seen.push(key);
      if (key === 17) {
        expect(body.string()).toBe("SCRAM-SHA-512");
        return new KafkaWriter().int16(0).int32(1).string("SCRAM-SHA-512").buffer();
      }
      if (key === 36) return new KafkaWriter().int16(58).string("Authentication failed").bytes(Buffer.alloc(0)).int32(0).int32(0).buffer();
      return "close";
    });
    const r = await kafkaProbe({
      address,
      timeoutMs: 2000,
      kafka: { brokers: [address], sasl: { mechanism: "scram-sha-512", username: "helk", password: "wrong" } },
    });
    expect(seen).toEqual([17, 36]);
    expect(r).toEqual({ ok: false, detail: expect.stringContaining("Kafka refused helk's SASL login") as unknown as string });
  });

  it("a broker whose SCRAM signature does not prove the password fails the probe", async () => {
    const address = await modelBroker((key, body) => {
      if (key === 17) return new KafkaWriter().int16(0).int32(1).string("SCRAM-SHA-256").buffer();
      if (key !== 36) return "close";
      const said = (body.bytes() as Buffer).toString("utf8");
      const reply = said.startsWith("n,,")
        ? `r=${said.slice(said.indexOf("r=") + 2)}server,s=c2FsdA==,i=4096`
        : `v=${Buffer.alloc(32).toString("base64")}`;
      return new KafkaWriter().int16(0).string(null).bytes(Buffer.from(reply)).int32(0).int32(0).buffer();
    });
    const r = await kafkaProbe({
      address,
      timeoutMs: 2000,
      kafka: { brokers: [address], sasl: { mechanism: "scram-sha-256", username: "helk", password: "pw" } },
    });
    expect(r).toEqual({
      ok: false,
      detail: "probe failed: the broker's SCRAM signature does not match: it does not know this user's password",
    });
  });

  it("a mechanism the broker does not offer is named with what it offers", async () => {
    const address = await modelBroker(() => new KafkaWriter().int16(33).int32(1).string("PLAIN").buffer());
    const r = await kafkaProbe({
      address,
      timeoutMs: 2000,
      kafka: { brokers: [address], sasl: { mechanism: "scram-sha-256", username: "helk", password: "pw" } },
    });
    expect(r).toEqual({ ok: false, detail: "probe failed: the broker does not offer SASL SCRAM-SHA-256 (it offers PLAIN)" });
  });

  it("a silent broker fails within the probe's budget; an unreachable first broker is skipped", async () => {
    const silent = await modelBroker(() => "silence");
    const started = Date.now();
    const r = await kafkaProbe({ address: silent, timeoutMs: 300 });
    expect(r).toEqual({ ok: false, detail: expect.stringContaining("did not answer in") as unknown as string });
    expect(Date.now() - started).toBeLessThan(2000);

    await new Promise<void>((res) => server?.close(() => res()));
    const live = await modelBroker(() => metadataAnswer([1], 1, []));
    expect(await kafkaProbe({ address: "kafka", timeoutMs: 500 })).toEqual({
      ok: false,
      detail: 'probe failed: "kafka" is not a Kafka broker address (host:port)',
    });
    // Port 1 on loopback refuses at once: the probe goes on to the next address.
    expect(await kafkaProbe({ address: `127.0.0.1:1,${live}`, timeoutMs: 2000 })).toEqual({
      ok: true,
      detail: "1 broker, controller 1, 0 topics",
    });
  });

  it("speaks TLS where the access says so: verified against the given CA, refused without it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helk-kafka-tls-"));
    try {
      // A throwaway self-signed certificate for 127.0.0.1 (openssl is one of setup-host's packages).
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
        ],
        { stdio: "ignore" },
      );
      const tls = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
      const address = await modelBroker(() => metadataAnswer([1], 1, [["winlogbeat", [[[1], [1]]]]]), { tls });
      const withCa = await kafkaProbe({ address, timeoutMs: 2000, kafka: { brokers: [address], tls: { caFile: join(dir, "cert.pem") } } });
      expect(withCa).toEqual({ ok: true, detail: "1 broker, controller 1, 1 topic" });
      const systemCas = await kafkaProbe({ address, timeoutMs: 2000, kafka: { brokers: [address], tls: {} } });
      expect(systemCas).toEqual({
        ok: false,
        detail: expect.stringMatching(
          /^self[- ]signed certificate: Kafka's certificate is not one this machine's CAs signed .*kafka\.external\.tls\.caFile/,
        ),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("answers split from what a connection reads (splitAnswers: the probe's and replay's)", () => {
  const frame = (id: number, body: string) => {
    const b = Buffer.from(body);
    return Buffer.concat([
      new KafkaWriter()
        .int32(4 + b.length)
        .int32(id)
        .buffer(),
      b,
    ]);
  };
  const stream = Buffer.concat([frame(1, "one"), frame(2, ""), frame(3, "three, longer")]);

  /** Feeds `chunks` in turn; the answers as "id:body", then what is left. */
  function feed(chunks: Buffer[], stopAfter = Number.POSITIVE_INFINITY) {
    const got: string[] = [];
    let pending: Buffer | undefined;
    for (const c of chunks) {
      const left = splitAnswers(pending, c, (id, body) => got.push(`${id}:${body.toString()}`) < stopAfter);
      if (left instanceof Error) return { got, error: left.message };
      pending = left;
    }
    return { got, left: pending?.length ?? 0 };
  }

  it("gives each answer once, in order, however the bytes are cut", () => {
    const all = ["1:one", "2:", "3:three, longer"];
    expect(feed([stream])).toEqual({ got: all, left: 0 });
    // Byte by byte, and cut at every place into two.
    expect(feed([...stream].map((b) => Buffer.from([b])))).toEqual({ got: all, left: 0 });
    for (let at = 0; at <= stream.length; at++)
      expect(feed([stream.subarray(0, at), stream.subarray(at)]), `cut at ${at}`).toEqual({ got: all, left: 0 });
  });

  it("keeps a partial answer for the next chunk and stops when told to", () => {
    expect(feed([stream.subarray(0, stream.length - 2)])).toEqual({ got: ["1:one", "2:"], left: frame(3, "three, longer").length - 2 });
    expect(feed([stream], 1).got).toEqual(["1:one"]);
  });

  it("reports a size too small for a correlation id instead of reading past it", () => {
    const bad = Buffer.concat([frame(1, "one"), new KafkaWriter().int32(2).buffer(), Buffer.from([0, 0, 0, 0])]);
    expect(feed([bad])).toEqual({ got: ["1:one"], error: "an answer of 2 bytes, too short for its correlation id" });
  });
});
