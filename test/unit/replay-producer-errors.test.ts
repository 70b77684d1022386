/**
 * The partitioner and error helpers of engine/replay/kafka-producer.ts and kafka-transport.ts.
 * (Resending after a lost broker: replay-pipeline.test.ts.)
 */
import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError, TimeoutError } from "@platformatic/kafka";
import { Partitioners } from "kafkajs";
import { describe, expect, it } from "vitest";
import { brokerError, errorText, partitionFor, retriable } from "../../engine/replay/kafka-producer.js";
import { hasKafkaError } from "../../engine/replay/kafka-transport.js";

describe("partitionFor", () => {
  it("puts a host where Kafka's default (Java murmur2) partitioner does, as kafkajs computes it", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const hosts = ["WORKSTATION5", "WORKSTATION6.theshire.local", "MORDORDC.theshire.local", "ws2", "a", "DESKTOP-ÅÄÖ.example"];
    for (const partitions of [1, 3, 7, 12])
      for (const host of hosts) {
        const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 1 }));
        const expected = kafkajs({ topic: "t", partitionMetadata, message: { key: host, value: null } } as never);
        expect(partitionFor(host, partitions), `${host} over ${partitions}`).toBe(expected);
      }
  });
});

describe("producer errors", () => {
  const nested = Object.assign(new Error("produce failed 3 times."), {
    errors: [Object.assign(new Error("Connection to 127.0.0.1:9092 refused"), { canRetry: true })],
    produced: { offsets: [{ topic: "t", partition: 2, offset: 10n }] },
  });
  it("names the innermost reasons", () => {
    expect(errorText(nested)).toBe("produce failed 3 times. (Connection to 127.0.0.1:9092 refused)");
  });
  it("is retriable only when no error in the chain says otherwise", () => {
    expect(retriable(nested)).toBe(true);
    expect(retriable(Object.assign(new Error("x"), { errors: [nested, Object.assign(new Error("auth"), { canRetry: false })] }))).toBe(
      false,
    );
  });
  it("a lost broker's timeouts and closed connections are resent; a refused login and a sequence gap are not", () => {
    const lost = new MultipleErrors("Producing messages failed.", [
      new MultipleErrors("produce failed 2 times.", [
        new NetworkError("Connection closed"),
        new TimeoutError("Connection to 10.0.0.1:9092 timed out."),
      ]),
    ]);
    expect(retriable(lost)).toBe(true);
    expect(retriable(new MultipleErrors("x", [new AuthenticationError("SASL authentication failed")]))).toBe(false);
    expect(retriable(new MultipleErrors("x", [new ProtocolError("OUT_OF_ORDER_SEQUENCE_NUMBER")]))).toBe(false);
  });
  it("finds a Kafka error by name anywhere in the chain (a gap, a duplicate), and only that one", () => {
    const gap = new MultipleErrors("x", [new MultipleErrors("y", [new ProtocolError("OUT_OF_ORDER_SEQUENCE_NUMBER")])]);
    expect(hasKafkaError(gap, "OUT_OF_ORDER_SEQUENCE_NUMBER")).toBe(true);
    expect(hasKafkaError(gap, "DUPLICATE_SEQUENCE_NUMBER")).toBe(false);
    expect(hasKafkaError(nested, "OUT_OF_ORDER_SEQUENCE_NUMBER")).toBe(false);
  });
  it("a closed connection while sending is a lost broker, not a listener that wants a login (that is only said of the check before)", () => {
    const access = { brokers: ["127.0.0.1:9092"] };
    const sending = brokerError(access, "winlogbeat", new MultipleErrors("x", [new NetworkError("Connection closed")]), 900);
    expect(sending.message).toContain("Connection closed");
    expect(sending.message).toContain("(900 events sent before the error)");
    expect(sending.hint).not.toContain("SASL");
    const checking = brokerError(
      access,
      "winlogbeat",
      Object.assign(new Error("Closed connection"), { name: "KafkaJSConnectionClosedError" }),
      0,
    );
    expect(checking.hint).toContain("may require SASL");
  });
});
