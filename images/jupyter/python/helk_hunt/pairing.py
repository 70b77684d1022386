"""The Sysmon join's one stateful step: EID 1 and EID 3 events of one ProcessGuid → their pairs.

jobs/sysmon_join.py groups the parsed events by ProcessGuid and hands each group here
(`applyInPandasWithState`), so the topic is read and parsed once; a stream-stream self-join read
and parsed it once per side. The pairs are those the self-join gave: an EID 3 with every EID 1
of its ProcessGuid whose arrival (Kafka record time, milliseconds) is at most `after` seconds
before the EID 3's or `before` seconds after it, one row per pair, so the documents and their
ids do not change. The state of a key holds the events that may still find a partner; the
watermark on arrival drops late records and times the state out, as it bounded the join's.
"""

import json

from pyspark.sql.types import StringType, StructField, StructType, TimestampType

# The EID 1's fields a document takes, and the EID 3's (Image is both: the EID 3's is `n_image`).
PROCESS_FIELDS = [
    "ProcessId", "Image", "CommandLine", "ParentImage", "ParentCommandLine", "ParentProcessGuid", "User", "Hashes",
]
NETWORK_FIELDS = ["Protocol", "SourceIp", "SourcePort", "DestinationIp", "DestinationPort", "DestinationHostname"]

# A pair as the self-join named its columns (jobs/sysmon_join.py document() reads these names).
_PROCESS_OUT = ["p_ts", "p_host", *PROCESS_FIELDS]
_NETWORK_OUT = ["n_arrival", "n_ts", "n_host", "n_image", *NETWORK_FIELDS, "doc_id"]
_TIMES = {"p_ts", "n_arrival", "n_ts"}
OUTPUT_COLUMNS = ["p_guid", *_PROCESS_OUT, *_NETWORK_OUT]
OUTPUT_SCHEMA = StructType(
    [StructField(c, TimestampType() if c in _TIMES else StringType()) for c in OUTPUT_COLUMNS]
)
# One JSON text: {"p": [[arrival ms, ts µs, host, *PROCESS_FIELDS]], "n": [[arrival ms, ts µs,
# host, image, *NETWORK_FIELDS, doc id]]}. A key rarely holds more than a few events.
STATE_SCHEMA = StructType([StructField("pending", StringType())])


def _epoch(series, unit_ns):
    """A pandas timestamp column (naive UTC, the session's zone, or zone-aware) → ints, None for null."""
    import pandas as pd

    # Spark hands over datetime64 columns; an all-null one may come as objects.
    series = pd.to_datetime(series)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    values = series.astype("datetime64[ns]").astype("int64") // unit_ns
    return [None if missing else int(v) for v, missing in zip(values, series.isna())]


def _events(frame, watermark_ms):
    """One batch's rows of a key → ([EID 1 entries], [EID 3 entries]), late ones left out."""
    arrivals = _epoch(frame["arrival"], 1_000_000)
    # Microseconds, Spark's precision: exact in a float, should pandas ever make the column one.
    times = _epoch(frame["ts"], 1_000)
    processes, networks = [], []
    columns = [frame[c].tolist() for c in ["EventID", "Hostname", "Image", *PROCESS_FIELDS, *NETWORK_FIELDS, "doc_id"]]
    for i, (arrival, ts) in enumerate(zip(arrivals, times)):
        # Late: at or behind the watermark, as the stream-stream join dropped such a record.
        if arrival <= watermark_ms:
            continue
        eid, host, image = columns[0][i], columns[1][i], columns[2][i]
        rest = [col[i] for col in columns[3:]]
        if eid == 1:
            processes.append([arrival, ts, host, *rest[: len(PROCESS_FIELDS)]])
        else:
            networks.append([arrival, ts, host, image, *rest[len(PROCESS_FIELDS) :]])
    return processes, networks


def _pairs(guid, processes, networks, before_ms, after_ms):
    for p in processes:
        for n in networks:
            if p[0] - before_ms <= n[0] <= p[0] + after_ms:
                yield [guid, p[1], *p[2:], n[0], *n[1:]]


def pair_up(before_seconds, after_seconds):
    """The function for `applyInPandasWithState` (EventTimeTimeout, watermark on `arrival`)."""
    before_ms, after_ms = before_seconds * 1000, after_seconds * 1000

    def step(key, frames, state):
        import pandas as pd

        if state.hasTimedOut:
            # The watermark passed every kept event's bound: nothing of this key can pair any more.
            state.remove()
            return
        watermark = state.getCurrentWatermarkMs()
        kept = json.loads(state.get[0]) if state.exists else {"p": [], "n": []}
        processes, networks = [], []
        for frame in frames:
            p, n = _events(frame, watermark)
            processes += p
            networks += n
        guid = key[0]
        # New EID 1s with every EID 3 (kept or new), kept EID 1s with the new EID 3s: each pair once.
        rows = [
            *_pairs(guid, processes, kept["n"] + networks, before_ms, after_ms),
            *_pairs(guid, kept["p"], networks, before_ms, after_ms),
        ]
        # Keep what a later record may still pair with: an EID 1 until the watermark passes its
        # arrival plus `after`, an EID 3 until it passes its arrival plus `before`.
        kept_p = [p for p in kept["p"] + processes if p[0] + after_ms >= watermark]
        kept_n = [n for n in kept["n"] + networks if n[0] + before_ms >= watermark]
        if kept_p or kept_n:
            state.update((json.dumps({"p": kept_p, "n": kept_n}, separators=(",", ":")),))
            bounds = [p[0] + after_ms for p in kept_p] + [n[0] + before_ms for n in kept_n]
            state.setTimeoutTimestamp(max(bounds))
        else:
            state.remove()
        if rows:
            out = pd.DataFrame(rows, columns=OUTPUT_COLUMNS, dtype=object)
            for c in _TIMES:
                out[c] = pd.to_datetime(out[c], unit="ms" if c == "n_arrival" else "us")
            yield out

    return step
