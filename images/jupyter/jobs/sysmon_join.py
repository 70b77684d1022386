"""HELK's Sysmon join as a Spark Structured Streaming job.

Reads the `winlogbeat` Kafka topic, keeps Sysmon ProcessCreate (EID 1) and NetworkConnect
(EID 3) events, joins each network connection to the process that made it on ProcessGuid,
and writes one enriched document per joined connection to the Elasticsearch index
`sysmon-join`.

Why it is shaped like this:
- Arrival time drives the join, not event time. The watermark and the join's time range are
  on the Kafka record's `timestamp`, which HELK's `winlogbeat` topic sets when the broker
  appends the record (message.timestamp.type=LogAppendTime, engine/provision/kafka-topics.ts).
  Recorded data sets come from different years and are replayed in any order, one by one, as
  a folder, twice, or while live events flow: an event-time watermark shared by all of them
  would drop every pair of a set older than the newest one seen as late. By arrival time a
  set replayed today is "now", whatever its dates, so every order gives the same documents.
  The events' own time (`@timestamp`) stays the documents' `@timestamp`, `process_time` and
  `network_time`.
- ProcessGuid alone decides a pair; the time range (an EID 3 arriving between
  JOIN_BEFORE_SECONDS before and JOIN_AFTER_SECONDS after its EID 1) only bounds state, so
  the job drops an EID 1 once the watermark (latest arrival minus WATERMARK) passes its arrival
  plus JOIN_AFTER_SECONDS, instead of keeping every process forever. A process's network
  event may arrive up to JOIN_AFTER_SECONDS (default 300 s) after the process did; the shared
  data sets replay each pair within a second.
- The topic is read and parsed once: one stateful operator keyed by ProcessGuid
  (`applyInPandasWithState`, helk_hunt.pairing) keeps each key's events that may still find a
  partner and emits the pairs the stream-stream self-join of EID 1 and EID 3 did, which read
  and parsed every record once per side (bench/join-fleet.ts; README, "The join at a fleet's rate").
- Both layouts are read: the flat Mordor/NXLog one (top-level `EventID`, `ProcessGuid`, ...)
  and Winlogbeat 8's (`winlog.event_id` as a string, `winlog.provider_name`, `winlog.channel`,
  `winlog.computer_name`, `host.name`, `winlog.event_data.*`, ECS `event.code`).
- The document id is a hash of the EID 3 event's raw Kafka value: replaying the same file
  again, or restarting from the checkpoint after a crash (at-least-once), overwrites the same
  documents instead of adding copies.
- Spark 4 has no Elasticsearch connector (ES-Hadoop stops at Spark 3), so each micro-batch is
  written with the Python client's bulk helper, partition by partition on the executors.
- Progress goes to the index `helk-stream-status` (one document per query), which notebooks,
  `helk status` and `helk verify` read; the container's health check reads a local heartbeat.
  Its `watermark` and `event_time_max` are arrival times (Kafka record timestamps), as the
  join's clock is.

Settings come from the environment (compose/services/stream-join.ts sets them).
"""

import glob
import hashlib
import json
import os
import signal
import sys
import time
from datetime import datetime, timezone

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

# HELK's package in the notebook image (images/jupyter/python), on every python3's path.
from helk_hunt import kafka, pairing, parse

# PySpark hands timestamps to Python as naive datetimes in the process's local zone: make that
# UTC, whatever the image's default, so documents carry the events' true instants.
os.environ["TZ"] = "UTC"
time.tzset()

ENV = os.environ
TOPIC = ENV.get("HELK_JOIN_SOURCE_TOPIC", "winlogbeat")
ES_URL = ENV.get("HELK_ES_URL", "http://elasticsearch:9200")
ES_USER = ENV.get("HELK_ES_USER", "")
ES_PASSWORD = ENV.get("HELK_ES_PASSWORD", "")
INDEX = ENV.get("HELK_JOIN_INDEX", "sysmon-join")
STATUS_INDEX = ENV.get("HELK_STATUS_INDEX", "helk-stream-status")
CHECKPOINT = ENV.get("HELK_JOIN_CHECKPOINT", "/var/lib/helk/checkpoints/sysmon-join")
# Spark resumes a stateful query only from the state of the same plan. The stream-stream self-join
# kept its checkpoint in CHECKPOINT itself; the one stateful operator by ProcessGuid keeps its
# own below it, so an upgraded install starts this plan from the topic's start (its documents
# overwrite themselves: same ids) instead of failing on the old plan's state.
PLAN_CHECKPOINT = os.path.join(CHECKPOINT, "by-processguid")
# How far behind the latest arrival a record may still come and be joined: partitions read in
# different batches, brokers' clocks, or a topic whose producers stamp the records (CreateTime).
WATERMARK = ENV.get("HELK_JOIN_WATERMARK", "10 minutes")
BEFORE = int(ENV.get("HELK_JOIN_BEFORE_SECONDS", "60"))
AFTER = int(ENV.get("HELK_JOIN_AFTER_SECONDS", "300"))
TRIGGER = ENV.get("HELK_JOIN_TRIGGER", "2 seconds")
HEARTBEAT = ENV.get("HELK_JOIN_HEARTBEAT", "/tmp/helk-stream-join.heartbeat")
ES_CA = ENV.get("HELK_ES_CA", "")
QUERY_NAME = "sysmon-join"
# Sysmon ProcessCreate and NetworkConnect: the prefilter and the parsed test keep the same ones.
JOINED_EVENT_IDS = [1, 3]

def log(message):
    print(f"{datetime.now(timezone.utc).isoformat()} helk-sysmon-join {message}", flush=True)


def spark_session():
    builder = (
        SparkSession.builder.appName("helk-sysmon-join")
        .master(ENV.get("HELK_SPARK_MASTER", "local[2]"))
        .config("spark.sql.session.timeZone", "UTC")
        # One shuffle partition per core of local[2]: each is a task and a set of state stores
        # committed every micro-batch. A checkpoint keeps the count it was started with. The
        # notebooks' sessions have their own knob, HELK_SPARK_PARTITIONS (helk_hunt.spark_session).
        .config("spark.sql.shuffle.partitions", ENV.get("HELK_JOIN_PARTITIONS", "2"))
        .config("spark.ui.showConsoleProgress", "false")
    )
    # Spark's Kafka source is baked into the image's Spark jars (images/jupyter/build): nothing
    # is fetched at run time (spark.jars.packages would be ignored by a running JVM anyway, and
    # an air-gapped site has nowhere to fetch from). Without it, say so instead of failing later
    # with "Failed to find data source: kafka".
    import pyspark

    spark_home = ENV.get("SPARK_HOME") or os.path.dirname(pyspark.__file__)
    if not glob.glob(os.path.join(spark_home, "jars", "spark-sql-kafka-0-10_*.jar")):
        log(f"Spark's Kafka source is not in {spark_home}/jars: rebuild HELK's notebook image (helk install)")
        sys.exit(2)
    spark = builder.getOrCreate()
    # The prefilter is HELK's JVM code in the image (parse.JVM_CLASSES, on the driver's class
    # path by spark-submit's --driver-class-path): an image built before it, or a job started
    # without that path, says so here instead of failing on the first micro-batch.
    if not parse.register_event_id_scan(spark):
        log(f"{parse.EVENT_ID_SCAN_CLASS} is not on the driver's class path ({parse.JVM_CLASSES}): rebuild HELK's notebook image (helk install)")
        sys.exit(2)
    return spark


def read_events(spark):
    return sysmon_events(
        spark.readStream.format("kafka")
        .options(**kafka.topic_options(TOPIC))
        # 8 MiB per partition and fetch instead of the consumer's 1 MiB: a backlog is read in
        # an eighth of the round trips to the broker (bench/join-fleet.ts: task threads spent a
        # fifth of their samples waiting on fetches).
        .option("kafka.max.partition.fetch.bytes", str(8 << 20))
        .load()
    )


def sysmon_events(records):
    """Kafka records (`value`, `timestamp`) → the Sysmon EID 1 and 3 events, from either layout."""
    # `timestamp` is the record's: the broker's append time on HELK's topic (LogAppendTime).
    # Only records that may be an EID 1 or 3 are decoded and parsed: about one in eighty of a
    # Windows feed. The test runs on the value's bytes (parse.event_id_scan).
    kept = records.where(parse.event_id_scan(JOINED_EVENT_IDS))
    raw = kept.select(F.col("value").cast("string").alias("raw"), F.col("timestamp").alias("arrival"))
    # The notebooks read the same events with the same parser (helk_hunt.parse).
    events = parse.flat_fields(raw, parse.SYSMON_DATA, keep=["arrival"])
    return events.where(parse.is_sysmon() & F.col("EventID").isin(*JOINED_EVENT_IDS) & F.col("ProcessGuid").isNotNull())


def joined(events):
    """Each EID 3 with each EID 1 of its ProcessGuid that arrived at most AFTER seconds before
    it or BEFORE seconds after it: the topic is read and parsed once, and one stateful operator
    keyed by ProcessGuid (helk_hunt.pairing) keeps the events still waiting for a partner."""
    # The watermark (latest arrival minus WATERMARK) moves with the wall clock whatever the
    # events' dates; it drops late records and times out a key's state once it passes every
    # kept event's bound (an EID 1's arrival plus AFTER seconds, an EID 3's plus BEFORE).
    pending = events.select(
        "ProcessGuid", "EventID", "arrival", "ts", "Hostname", *pairing.PROCESS_FIELDS, *pairing.NETWORK_FIELDS,
        # The raw value is hashed here, in the JVM, and not carried into the state.
        F.when(F.col("EventID") == 3, F.sha2(F.col("raw"), 256)).alias("doc_id"),
    ).withWatermark("arrival", WATERMARK)
    return pending.groupBy("ProcessGuid").applyInPandasWithState(
        pairing.pair_up(BEFORE, AFTER),
        outputStructType=pairing.OUTPUT_SCHEMA,
        stateStructType=pairing.STATE_SCHEMA,
        outputMode="append",
        timeoutConf="EventTimeTimeout",
    )


def iso(ts):
    return ts.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z") if ts else None


def es_client():
    from elasticsearch import Elasticsearch

    # An external cluster's API key (compose/endpoints.ts), else a user, else no login.
    api_key = ENV.get("HELK_ES_API_KEY", "")
    login = {"api_key": api_key} if api_key else {"basic_auth": (ES_USER, ES_PASSWORD)} if ES_USER else {}
    tls = {"ca_certs": ES_CA} if ES_CA else {}
    return Elasticsearch(ES_URL.split(","), request_timeout=60, retry_on_timeout=True, max_retries=5, **login, **tls)


def document(row):
    return {
        # The connection's own time; an event without one is placed at its arrival.
        "@timestamp": iso(row.n_ts or row.n_arrival),
        # Arrival time of the network event (ECS event.ingested), which alert rules run on.
        "event": {"ingested": iso(row.n_arrival)},
        "ProcessGuid": row.p_guid,
        "Hostname": row.n_host or row.p_host,
        "process_time": iso(row.p_ts),
        "network_time": iso(row.n_ts),
        "ProcessId": row.ProcessId,
        "Image": row.Image or row.n_image,
        "CommandLine": row.CommandLine,
        "ParentImage": row.ParentImage,
        "ParentCommandLine": row.ParentCommandLine,
        "ParentProcessGuid": row.ParentProcessGuid,
        "User": row.User,
        "Hashes": row.Hashes,
        "Protocol": row.Protocol,
        "SourceIp": row.SourceIp,
        "SourcePort": row.SourcePort,
        "DestinationIp": row.DestinationIp,
        "DestinationPort": row.DestinationPort,
        "DestinationHostname": row.DestinationHostname,
    }


def write_partition(rows):
    from elasticsearch import helpers

    actions = ({"_op_type": "index", "_index": INDEX, "_id": row.doc_id, "_source": document(row)} for row in rows)
    client = es_client()
    try:
        # raise_on_error: a rejected document fails the batch, so Spark retries it rather than
        # committing an offset past data that never arrived.
        helpers.bulk(client, actions, chunk_size=500, raise_on_error=True, refresh=False)
    finally:
        client.close()


def write_batch(batch, batch_id):  # noqa: ARG001 - foreachBatch's signature
    # Searchable after Elasticsearch's next refresh (1 s by default): the writer role has no
    # privilege to force one, and needs none.
    batch.foreachPartition(write_partition)


def as_json(offsets):
    """Kafka offsets as one JSON string: Spark already reports them as one, but not everywhere."""
    return offsets if isinstance(offsets, str) or offsets is None else json.dumps(offsets)


# The latest arrival time (Kafka record timestamp) the job has seen, over every micro-batch: Spark
# calls the watermark column its "event time", and the watermark column is the arrival. The
# watermark of the next batch is this minus WATERMARK, while a progress report's own "watermark"
# is the one its batch used (still 1970 after the first data). Both are reported under their
# old names (`event_time_max`, `watermark`) and are arrival times; no event's `@timestamp` is
# compared with them, so events of any date join.
EVENT_TIME_MAX = {"value": None}


def seen_event_time(query):
    for progress in query.recentProgress or []:
        latest = (progress.get("eventTime") or {}).get("max")
        # Spark writes these as ISO-8601 UTC strings of one format, which compare in time order.
        if latest and (EVENT_TIME_MAX["value"] is None or latest > EVENT_TIME_MAX["value"]):
            EVENT_TIME_MAX["value"] = latest
    return EVENT_TIME_MAX["value"]


def previous_event_time():
    """After a restart: the latest arrival time the job reported before it."""
    client = es_client()
    try:
        doc = client.options(ignore_status=404).get(index=STATUS_INDEX, id=QUERY_NAME)
        return (doc.get("_source") or {}).get("event_time_max") if doc.get("found") else None
    except Exception as error:  # noqa: BLE001 - best effort, as every status write
        log(f"could not read {STATUS_INDEX}: {error}")
        return None
    finally:
        client.close()


def beat():
    """The heartbeat the container's health check reads (compose/services/stream-join.ts)."""
    now = datetime.now(timezone.utc)
    with open(HEARTBEAT, "w", encoding="utf-8") as f:
        f.write(now.isoformat())
    return now


def wait_for_topic(spark):
    """Return once the topic's partitions answer. On a new install the job starts while
    `helk install` creates the topic: a query started then failed its first offset fetch
    ("This server does not host this topic-partition") and the container restarted. Planning a
    batch read fetches the offsets without reading a record. A topic that does not exist at all
    has no partitions yet; the job waits for it too, saying so, as the stream would."""
    waited = 0
    while True:
        try:
            probe = spark.read.format("kafka").options(**kafka.topic_options(TOPIC))
            # One offset fetch per probe, not Spark's three (each logged with a stack trace).
            if probe.option("fetchOffset.numRetries", "1").load().rdd.getNumPartitions() > 0:
                return
            reason = "it has no partitions yet"
        except Exception as error:  # noqa: BLE001 - only a topic still being created is waited for
            if "UnknownTopicOrPartition" not in str(error) and "does not host this topic-partition" not in str(error):
                raise
            reason = "its partitions are not ready yet"
        if waited % 60 == 0:
            log(f"waiting for the topic {TOPIC}: {reason} (helk install creates it)")
        beat()
        time.sleep(2)
        waited += 2


def report(query, started):
    """Heartbeat for the health check; progress to Elasticsearch for users and `helk verify`."""
    now = beat()
    progress = query.lastProgress or {}
    sources = progress.get("sources") or [{}]
    doc = {
        "@timestamp": now.isoformat(),
        "query": QUERY_NAME,
        "started": started,
        "active": query.isActive,
        "batch_id": progress.get("batchId"),
        "input_rows": progress.get("numInputRows"),
        "input_rows_per_second": progress.get("inputRowsPerSecond"),
        "processed_rows_per_second": progress.get("processedRowsPerSecond"),
        "batch_duration_ms": (progress.get("durationMs") or {}).get("triggerExecution"),
        "watermark": (progress.get("eventTime") or {}).get("watermark"),
        "event_time_max": seen_event_time(query),
        "state_rows": sum(op.get("numRowsTotal", 0) for op in progress.get("stateOperators") or []),
        "source_end_offsets": as_json(sources[0].get("endOffset")),
        "source_latest_offsets": as_json(sources[0].get("latestOffset")),
        "source_topic": TOPIC,
        "index": INDEX,
    }
    # Before its first micro-batch a restarted query knows no progress yet: leave the last
    # report's values (above all its watermark, which `helk verify` times its events by) as
    # they are rather than overwrite them with nothing.
    doc = {k: v for k, v in doc.items() if v is not None}
    client = es_client()
    try:
        client.update(index=STATUS_INDEX, id=QUERY_NAME, doc=doc, doc_as_upsert=True)
    except Exception as error:  # noqa: BLE001 - status is best effort; the join itself must go on
        log(f"could not write status to {STATUS_INDEX}: {error}")
    finally:
        client.close()


def main():
    spark = spark_session()
    spark.sparkContext.setLogLevel(ENV.get("HELK_SPARK_LOG_LEVEL", "WARN"))
    wait_for_topic(spark)
    query = (
        joined(read_events(spark))
        .writeStream.queryName(QUERY_NAME)
        .foreachBatch(write_batch)
        .option("checkpointLocation", PLAN_CHECKPOINT)
        .trigger(processingTime=TRIGGER)
        .start()
    )
    started = datetime.now(timezone.utc).isoformat()
    EVENT_TIME_MAX["value"] = previous_event_time()
    log(f"started: {TOPIC} -> {INDEX}, watermark {WATERMARK}, join window -{BEFORE}s/+{AFTER}s, checkpoint {PLAN_CHECKPOINT}")

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        log("stopping (signal)")
        query.stop()

    signal.signal(signal.SIGTERM, stop)
    while query.isActive:
        report(query, started)
        query.awaitTermination(5)
    error = query.exception()
    if error:
        log(f"query failed: {error}")
        sys.exit(1)
    log("stopped")


if __name__ == "__main__":
    main()
