"""Kafka for Spark: HELK's topic as the notebooks read it (in batch) and the join reads it (streaming)."""

import os

ENV = os.environ


def bootstrap():
    return ENV.get("HELK_KAFKA_BOOTSTRAP", "kafka:19092")


def security_options():
    """An external cluster's TLS and SASL login (compose/endpoints.ts sets these); none for HELK's own."""
    protocol = ENV.get("HELK_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    options = {"kafka.security.protocol": protocol}
    mechanism = ENV.get("HELK_KAFKA_SASL_MECHANISM", "")
    if protocol.startswith("SASL_") and mechanism:
        module = (
            "org.apache.kafka.common.security.plain.PlainLoginModule"
            if mechanism == "PLAIN"
            else "org.apache.kafka.common.security.scram.ScramLoginModule"
        )
        user = ENV.get("HELK_KAFKA_SASL_USERNAME", "").replace('"', '\\"')
        password = ENV.get("HELK_KAFKA_SASL_PASSWORD", "").replace('"', '\\"')
        options["kafka.sasl.mechanism"] = mechanism
        options["kafka.sasl.jaas.config"] = f'{module} required username="{user}" password="{password}";'
    ca = ENV.get("HELK_KAFKA_CA", "")
    if protocol.endswith("SSL") and ca:
        options["kafka.ssl.truststore.type"] = "PEM"
        options["kafka.ssl.truststore.location"] = ca
    return options


def topic_options(topic):
    """Spark's Kafka source options for reading `topic` from its start: the job's stream
    (jobs/sysmon_join.py read_events) and the notebooks' batch (read_topic) both use these."""
    return {
        **security_options(),
        "kafka.bootstrap.servers": bootstrap(),
        "subscribe": topic,
        "startingOffsets": "earliest",
        # Records deleted by retention before they were read are skipped, not a failed query.
        "failOnDataLoss": "false",
    }


def read_topic(spark, topic="winlogbeat"):
    """Everything the topic holds now, as one batch: `raw` (the record's value as text) and
    `arrival` (the record's timestamp). Within the topic's retention (168 h by default) this is
    every event replayed or shipped; a notebook run later sees what was added since."""
    return (
        spark.read.format("kafka")
        .options(**topic_options(topic))
        .option("endingOffsets", "latest")
        .load()
        .selectExpr("CAST(value AS STRING) AS raw", "timestamp AS arrival")
    )
