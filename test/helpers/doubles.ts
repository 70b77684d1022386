/**
 * Which image each HELK service runs in the engine tier. Kafka and Elasticsearch are real
 * (built from package registries by scripts/build-fixture-images.sh); the services that cannot
 * be obtained here run doubles (scripts/build-test-images.sh), each as strict as the upstream
 * image it stands for: see the CONTRACT.md beside each double under test/fixtures/images/.
 * One line per service, so that a double can be swapped without touching the rest.
 */
import { SERVICE_NAMES } from "../../compose/config/schema.js";

export const STANDIN = "helk-test/standin:1";
export const STANDIN_UNHEALTHY = "helk-test/standin-unhealthy:1";
/** Real services built from package registries (scripts/build-fixture-images.sh). */
export const KAFKA_FIXTURE = "helk-test/kafka:4.1.1";
export const ES_FIXTURE = "helk-test/elasticsearch:8.19.5";
export const JUPYTER_FIXTURE = "helk-test/jupyter:pyspark";
/** Strict doubles (scripts/build-test-images.sh), one folder each under test/fixtures/images/doubles/. */
export const KIBANA_DOUBLE = "helk-test/kibana-double:1";

type ImageKey = (typeof SERVICE_NAMES)[number];

/** The engine tier's image per service (`images.<key>` of every test stack). */
export const TEST_IMAGES: Record<ImageKey, string> = {
  ...(Object.fromEntries(SERVICE_NAMES.map((s) => [s, STANDIN])) as Record<ImageKey, string>),
  kafka: KAFKA_FIXTURE,
  elasticsearch: ES_FIXTURE,
  logstash: STANDIN,
  kibana: KIBANA_DOUBLE,
  ksqldb: STANDIN,
  nginx: STANDIN,
};

/** Every double and fixture image the core engine tests need, for requireImages(). */
export const CORE_TEST_IMAGES = [STANDIN, STANDIN_UNHEALTHY, KAFKA_FIXTURE, ES_FIXTURE, KIBANA_DOUBLE];
