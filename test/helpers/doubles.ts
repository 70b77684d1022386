/**
 * Which image each HELK service runs in the engine tier. Kafka and Elasticsearch are real
 * (built from package registries by scripts/build-fixture-images.sh); the services that cannot
 * be obtained here run doubles (scripts/build-test-images.sh), each as strict as the upstream
 * image it stands for: see the CONTRACT.md beside each double under test/fixtures/images/.
 * One line per service, so that a double can be swapped without touching the rest.
 */
import { DEFAULT_IMAGES, SERVICE_NAMES } from "../../compose/config/schema.js";

export const STANDIN = "helk-test/standin:1";
export const STANDIN_UNHEALTHY = "helk-test/standin-unhealthy:1";
/** Real services built from package registries (scripts/build-fixture-images.sh). */
export const KAFKA_FIXTURE = "helk-test/kafka:4.1.1";
export const ES_FIXTURE = "helk-test/elasticsearch:8.19.5";
/**
 * Real JupyterLab and Spark with upstream pyspark-notebook's layout and none of HELK's additions
 * (no Kafka connector): scripts/build-notebook-image.sh, test/fixtures/images/jupyter/CONTRACT.md.
 * Its tag is the Spark version HELK's default images.jupyter runs (test/unit/notebook-spark.test.ts).
 */
export const JUPYTER_FIXTURE = "helk-test/pyspark-notebook:4.2.0";
/**
 * The same fixture on Spark 3.4.4 / Scala 2.12, the Spark ES-Hadoop runs on
 * (scripts/build-notebook-image.sh spark-3.4, test/fixtures/images/jupyter/variants/spark-3.4.txt).
 */
export const JUPYTER_SPARK34_FIXTURE = "helk-test/pyspark-notebook:3.4.4";
/**
 * Real ElastAlert 2 with upstream jertel/elastalert2's layout (scripts/build-elastalert-image.sh,
 * test/fixtures/images/elastalert2/CONTRACT.md); its tag is HELK's default images.elastalert's.
 */
export const ELASTALERT_FIXTURE = "helk-test/elastalert2:2.31.0";
/** Strict doubles (test/fixtures/images/doubles/<name>/, scripts/build-test-images.sh). */
export const KSQLDB_DOUBLE = "helk-test/ksqldb-double:1";
export const LOGSTASH_DOUBLE = "helk-test/logstash-double:1";
export const NGINX_DOUBLE = "helk-test/nginx-double:1";
export const KIBANA_DOUBLE = "helk-test/kibana-double:1";

type ImageKey = (typeof SERVICE_NAMES)[number];

/** The engine tier's image per service on the doubles (`images.<key>` of every test stack). */
export const DOUBLE_IMAGES: Record<ImageKey, string> = {
  ...(Object.fromEntries(SERVICE_NAMES.map((s) => [s, STANDIN])) as Record<ImageKey, string>),
  kafka: KAFKA_FIXTURE,
  elasticsearch: ES_FIXTURE,
  logstash: LOGSTASH_DOUBLE,
  kibana: KIBANA_DOUBLE,
  ksqldb: KSQLDB_DOUBLE,
  nginx: NGINX_DOUBLE,
  elastalert: ELASTALERT_FIXTURE,
  // Also what spark-master, spark-worker and stream-join run, through HELK's notebook image.
  jupyter: JUPYTER_FIXTURE,
};

/** Every double and fixture image the core engine tests need, for requireImages(). */
export const CORE_TEST_IMAGES = [STANDIN, STANDIN_UNHEALTHY, KAFKA_FIXTURE, ES_FIXTURE, LOGSTASH_DOUBLE, NGINX_DOUBLE, KIBANA_DOUBLE];

/**
 * `HELK_TEST_IMAGES`: `doubles` (the default, what runs where no registry answers) or
 * `upstream`, the real-images tier: every engine-tier install and the hunt data path run on
 * the upstream images HELK configures by default (compose/config/schema.ts DEFAULT_IMAGES),
 * pulled by `helk install` itself.
 */
export type TestImagesMode = "doubles" | "upstream";

export function testImagesMode(env: Record<string, string | undefined> = process.env): TestImagesMode {
  const value = env.HELK_TEST_IMAGES ?? "doubles";
  if (value === "doubles" || value === "upstream") return value;
  throw new Error(`HELK_TEST_IMAGES=${value}: use doubles (the default) or upstream (the real-images tier)`);
}

/**
 * Images that stand for the upstream image of their key. Under `upstream` each becomes that
 * key's default image; any other image a test chose (a deliberately broken double such as
 * STANDIN_UNHEALTHY, a re-tagged image of an upgrade test) stays: those tests are about HELK's
 * handling, not about the image.
 */
const standsForUpstream = (ref: string): boolean =>
  ref === STANDIN || ref === KAFKA_FIXTURE || ref === ES_FIXTURE || ref === JUPYTER_FIXTURE || Object.values(DOUBLE_IMAGES).includes(ref);

/** A test stack's `images` in the given mode: the doubles, then the test's own choices, mapped. */
export function testImageMap(mode: TestImagesMode, chosen: Partial<Record<ImageKey, string>> = {}): Record<ImageKey, string> {
  const merged = { ...DOUBLE_IMAGES, ...chosen };
  if (mode === "doubles") return merged;
  return Object.fromEntries(
    SERVICE_NAMES.map((key) => [key, standsForUpstream(merged[key]) ? DEFAULT_IMAGES[key] : merged[key]]),
  ) as Record<ImageKey, string>;
}

/** This run's mode, from the environment. */
export const TEST_IMAGES_MODE = testImagesMode();

/** The engine tier's image per service in this run's mode. */
export const TEST_IMAGES: Record<ImageKey, string> = testImageMap(TEST_IMAGES_MODE);

/**
 * The images a test needs present before it starts: under `upstream` the ones standing for an
 * upstream image are not needed (install pulls the upstream ones).
 */
export const neededLocally = (images: readonly string[], mode: TestImagesMode = TEST_IMAGES_MODE): string[] =>
  mode === "upstream" ? images.filter((i) => !standsForUpstream(i)) : [...images];
