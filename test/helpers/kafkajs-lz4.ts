/**
 * kafkajs reads LZ4-compressed batches, which `helk replay` sends by default, only with a codec
 * registered: it has none built in (its CompressionCodecs holds GZIP alone). The tests read
 * replayed topics with kafkajs, so every helper that makes a kafkajs client imports this first.
 * The codec is the one replay compresses with (@platformatic/wasm-utils, the LZ4 frame format
 * Kafka uses); HELK's own consumers (Logstash, Spark, ksqlDB) are Java and read LZ4 as they are.
 */
import { lz4Compress, lz4Decompress } from "@platformatic/wasm-utils";
// The default import: kafkajs is CommonJS, and Node.js's own ESM loader (tsx, the benches) finds
// no named export CompressionCodecs in it.
import kafkajs from "kafkajs";

const { CompressionCodecs, CompressionTypes } = kafkajs;

CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: async (encoder: { buffer: Buffer }) => lz4Compress(encoder.buffer),
  decompress: async (buffer: Buffer) => lz4Decompress(buffer),
});
