"""Windows events as JSON text → columns, for both layouts HELK carries.

The flat Mordor/NXLog layout (top-level `EventID`, `ProcessGuid`, ...), which `helk replay`
passes on and HELK's Logstash pipeline indexes (it copies Winlogbeat's fields to these names),
and Winlogbeat 8's nested one (`winlog.event_id` as a string, `winlog.provider_name`,
`winlog.channel`, `winlog.computer_name`, `host.name`, `winlog.event_data.*`, ECS `event.code`).
Each field is read from whichever is present. The streaming join (jobs/sysmon_join.py) and the
notebooks' batch sources (helk_hunt.sources) share this, so both read the same events the same way.
"""

import functools

from pyspark.sql import functions as F

SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"
SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
SECURITY_PROVIDER = "Microsoft-Windows-Security-Auditing"
SECURITY_CHANNEL = "Security"

HEADER = ["EventID", "SourceName", "Channel", "Hostname", "@timestamp"]
# Sysmon's own event data, by Sysmon's names.
SYSMON_DATA = [
    "UtcTime", "ProcessGuid", "ProcessId", "Image", "CommandLine", "ParentImage", "ParentCommandLine",
    "ParentProcessGuid", "ParentProcessId", "User", "Hashes", "Protocol", "SourceIp", "SourcePort",
    "DestinationIp", "DestinationPort", "DestinationHostname",
]
# Security 4624 (an account logged on) and its siblings, by Windows' names.
SECURITY_DATA = [
    "TargetUserName", "TargetDomainName", "TargetLogonId", "LogonType", "IpAddress", "IpPort",
    "WorkstationName", "SubjectUserName", "LogonProcessName", "AuthenticationPackageName",
]


def objects_only(column):
    """The column where it holds a JSON object, else null: json_tuple gives a non-object nulls
    anyway, but only after its parser threw on it. Flat Mordor events carry `host` as a plain
    string (10,511 of the shared sets' 13,592 events), so each paid an exception, twice in the
    join (both of its sides read the topic); the profile under bench:join-fleet showed it."""
    return F.when(F.col(column).startswith("{"), F.col(column))


def flat_fields(records, data, keep=()):
    """`records` has the event's JSON text in `raw`; returns `keep`, `raw`, the header fields,
    `ts` (the event's own time) and each name of `data` (but UtcTime) as string columns."""
    keep = [c for c in keep if c != "raw"]
    # One JSON generator per select: flat fields and Winlogbeat's objects first, then inside those.
    top = records.select(
        "raw", *keep,
        F.json_tuple("raw", *HEADER, *data, "winlog", "host", "event").alias(*HEADER, *data, "winlog", "host", "event"),
    )
    wl = top.select(
        "*",
        F.json_tuple(objects_only("winlog"), "event_id", "provider_name", "channel", "computer_name", "event_data").alias(
            "w_event_id", "w_provider", "w_channel", "w_computer", "w_event_data"
        ),
    )
    # A flat event's `host` is a plain string (NXLog's sender), not an object: json_tuple gives null.
    hosts = wl.select("*", F.json_tuple(objects_only("host"), "name").alias("h_name"))
    codes = hosts.select("*", F.json_tuple(objects_only("event"), "code").alias("e_code"))
    inner = codes.select("*", F.json_tuple(objects_only("w_event_data"), *data).alias(*[f"d_{f}" for f in data]))
    field = {f: F.coalesce(F.col(f"`{f}`"), F.col(f"d_{f}")) for f in data}
    utc = field.get("UtcTime", F.lit(None).cast("string"))
    return inner.select(
        "raw", *keep,
        # try_*: Spark 4 runs in ANSI mode, where a plain cast or parse of a bad value would stop
        # the whole query; a malformed event is skipped (null) instead.
        F.coalesce(F.col("EventID"), F.col("w_event_id"), F.col("e_code")).try_cast("int").alias("EventID"),
        F.coalesce(F.col("SourceName"), F.col("w_provider")).alias("SourceName"),
        F.coalesce(F.col("Channel"), F.col("w_channel")).alias("Channel"),
        F.coalesce(F.col("Hostname"), F.col("w_computer"), F.col("h_name")).alias("Hostname"),
        # The event's own time: `@timestamp`, else Sysmon's UtcTime (UTC).
        F.coalesce(
            F.try_to_timestamp(F.col("`@timestamp`")),
            F.try_to_timestamp(utc, F.lit("yyyy-MM-dd HH:mm:ss.SSS")),
        ).alias("ts"),
        *[field[f].alias(f) for f in data if f != "UtcTime"],
    )


def may_have_event_id(ids):
    """A cheap test on the raw text, before any JSON parsing: false only for a record that cannot
    be one of the event ids `ids` in either layout (flat `"EventID": 1`, Winlogbeat's
    `"event_id": "1"`, ECS `"code": "1"`, with or without quotes and blanks). It may let others
    through (a `"code": 3` elsewhere); flat_fields and the EventID test decide those. Sysmon
    ProcessCreate and NetworkConnect are 157 of the shared sets' 13,592 events, so the join
    parses about one record in eighty instead of every one (bench/join-fleet.ts)."""
    alternatives = "|".join(str(int(i)) for i in ids)
    return F.col("raw").rlike(rf'"(EventID|event_id|code)"\s*:\s*"?({alternatives})"?\s*[,}}]')


# HELK's byte-level prefilter (images/jupyter/jvm/org/helk/join/EventIdScan.java), compiled into
# the image's JVM_CLASSES (images/jupyter/Dockerfile), which the join's driver has on its class
# path (compose/services/stream-join.ts).
JVM_CLASSES = "/opt/helk/jvm"
EVENT_ID_SCAN = "helk_event_id_scan"
EVENT_ID_SCAN_CLASS = "org.helk.join.EventIdScan"


def register_event_id_scan(spark):
    """Registers EVENT_ID_SCAN in `spark`; false where the class is not on the JVM's class path.
    Registered as an instance: Janino writes no generic signature, and Spark's by-class-name
    registration (registerJavaFunction) reads the UDF's arity from it."""
    from py4j.java_gateway import JavaClass

    jvm = spark._jvm
    # py4j names a class it cannot load as a package instead: an image built without HELK's jvm/.
    scan = functools.reduce(getattr, EVENT_ID_SCAN_CLASS.split("."), jvm)
    if not isinstance(scan, JavaClass):
        return False
    spark._jsparkSession.udf().register(EVENT_ID_SCAN, scan(), jvm.org.apache.spark.sql.types.DataTypes.BooleanType)
    return True


def event_id_scan(ids, value="value"):
    """may_have_event_id's test on the record's bytes (the Kafka `value`, binary), before it is
    decoded: the same records pass (test/fixtures/pairing/check_prefilter.py compares the two),
    at a fraction of the regex's CPU. Needs register_event_id_scan first."""
    return F.call_udf(EVENT_ID_SCAN, F.col(value), F.lit(",".join(str(int(i)) for i in ids)))


def is_sysmon():
    """The shared data sets' definition of a Sysmon event (../shared/datasets/mordor/README.md)."""
    return (F.col("SourceName") == SYSMON_PROVIDER) | (F.col("Channel") == SYSMON_CHANNEL)


def is_security():
    return (F.col("SourceName") == SECURITY_PROVIDER) | (F.col("Channel") == SECURITY_CHANNEL)


def _name(col):
    """`C:\\Windows\\System32\\regsvr32.exe` → `regsvr32.exe`: Windows paths differ in case only."""
    return F.lower(F.regexp_extract(col, r"([^\\/]+)$", 1))


def _blank(col):
    # Windows writes "-" for "none" (an IP of a local logon, a port of a pipe).
    return F.when(F.col(col).isin("-", ""), None).otherwise(F.col(col))


def sysmon_columns(flat):
    """flat_fields(..., SYSMON_DATA) of Sysmon events → HELK's normalised Sysmon columns."""
    return flat.where(is_sysmon()).select(
        F.col("EventID").alias("event_id"),
        F.col("Hostname").alias("host"),
        F.col("ts").alias("timestamp"),
        F.col("ProcessGuid").alias("process_guid"),
        F.col("ProcessId").try_cast("int").alias("process_id"),
        F.col("Image").alias("image"),
        _name("Image").alias("process_name"),
        F.col("CommandLine").alias("command_line"),
        F.col("User").alias("user"),
        F.col("ParentProcessGuid").alias("parent_process_guid"),
        F.col("ParentProcessId").try_cast("int").alias("parent_process_id"),
        F.col("ParentImage").alias("parent_image"),
        _name("ParentImage").alias("parent_process_name"),
        F.col("ParentCommandLine").alias("parent_command_line"),
        F.col("Hashes").alias("hashes"),
        F.col("Protocol").alias("protocol"),
        _blank("SourceIp").alias("source_ip"),
        _blank("SourcePort").try_cast("int").alias("source_port"),
        _blank("DestinationIp").alias("destination_ip"),
        _blank("DestinationPort").try_cast("int").alias("destination_port"),
        F.col("DestinationHostname").alias("destination_hostname"),
    )


def security_columns(flat):
    """flat_fields(..., SECURITY_DATA) of Security events → HELK's normalised logon columns."""
    return flat.where(is_security()).select(
        F.col("EventID").alias("event_id"),
        F.col("Hostname").alias("host"),
        F.col("ts").alias("timestamp"),
        F.col("TargetUserName").alias("target_user"),
        F.col("TargetDomainName").alias("target_domain"),
        F.col("TargetLogonId").alias("target_logon_id"),
        F.col("LogonType").try_cast("int").alias("logon_type"),
        _blank("IpAddress").alias("source_ip"),
        _blank("IpPort").try_cast("int").alias("source_port"),
        _blank("WorkstationName").alias("workstation"),
        F.col("SubjectUserName").alias("subject_user"),
        F.col("LogonProcessName").alias("logon_process"),
        F.col("AuthenticationPackageName").alias("authentication_package"),
    )
