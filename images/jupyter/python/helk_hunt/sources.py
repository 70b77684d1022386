"""Where the notebooks' events come from: Elasticsearch when HELK's indices hold them (profiles
with Logstash), else the `winlogbeat` Kafka topic read in batch (`lab` has no Logstash, so its
Elasticsearch holds only what the join job writes). HELK_HUNT_SOURCE=elasticsearch|kafka picks
one; `source_of(kind)` says which a call used."""

import os

from pyspark.sql import functions as F

from helk_hunt import elastic, kafka, parse

SYSMON_INDEX = "logs-endpoint-winevent-sysmon-*"
# Logstash routes Security (and every other non-Sysmon Windows) event to
# logs-endpoint-winevent-<date>; `-2*` keeps the Sysmon indices out.
WINEVENT_INDEX = "logs-endpoint-winevent-2*"
TOPIC = os.environ.get("HELK_HUNT_TOPIC", "winlogbeat")

_used = {}


def source_of(kind):
    """"elasticsearch" or "kafka": what the last sysmon_events / security_events call read."""
    return _used.get(kind)


def _choose(kind, index):
    wanted = os.environ.get("HELK_HUNT_SOURCE", "auto")
    if wanted in ("elasticsearch", "kafka"):
        return wanted
    try:
        return "elasticsearch" if elastic.count(index) > 0 else "kafka"
    except Exception as error:  # noqa: BLE001 - an unreachable or refusing cluster: say so, read Kafka
        print(f"helk_hunt: {kind}: Elasticsearch not readable ({error}); reading Kafka topic {TOPIC}")
        return "kafka"


def _raw(spark, kind, index):
    source = _choose(kind, index)
    _used[kind] = source
    if source == "kafka":
        # A data set replayed again sends the same bytes again: one event, one row. (Documents in
        # Elasticsearch are distinct by their ids, even when two hold the same fields: no dedup.)
        return kafka.read_topic(spark, TOPIC).select("raw").dropDuplicates(["raw"])
    docs = elastic.read_es(spark, index)
    if not docs.columns or docs.columns == ["_id"]:
        return spark.createDataFrame([], "raw string")
    # Back to each document's JSON, so one parser reads Elasticsearch's, Kafka's and either layout.
    return docs.select(F.to_json(F.struct(*[F.col(f"`{c}`") for c in docs.columns])).alias("raw"))


def sysmon_events(spark):
    """Every Sysmon event, one row each, with HELK's normalised columns (parse.sysmon_columns).
    The same Kafka record read twice (a data set replayed again) is one row."""
    raw = _raw(spark, "sysmon", SYSMON_INDEX)
    return parse.sysmon_columns(parse.flat_fields(raw, parse.SYSMON_DATA))


def security_events(spark):
    """Every Windows Security event (4624 logons and others), with normalised logon columns."""
    raw = _raw(spark, "security", WINEVENT_INDEX)
    return parse.security_columns(parse.flat_fields(raw, parse.SECURITY_DATA))
