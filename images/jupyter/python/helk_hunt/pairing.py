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


def _epoch(value, unit_ns):
    """One timestamp cell as PySpark hands it over (a pandas Timestamp, naive UTC or zone-aware, a
    numpy datetime64 or a datetime; NaT or None when null) → an int in `unit_ns`, None for null."""
    import pandas as pd

    if value is None or value is pd.NaT:
        return None
    # Timestamp.value is nanoseconds since the epoch in UTC for a zone-aware instant, and the
    # wall time read as UTC for a naive one (the session's zone is UTC): what Spark meant either way.
    stamp = pd.Timestamp(value)
    return None if stamp is pd.NaT else stamp.value // unit_ns


# The columns _events reads, in the order it reads them.
_EVENT_COLUMNS = ["arrival", "ts", "EventID", "Hostname", "Image", *PROCESS_FIELDS, *NETWORK_FIELDS, "doc_id"]
_SPLIT = 5 + len(PROCESS_FIELDS)


def _events(frame, watermark_ms):
    """One batch's rows of a key → ([EID 1 entries], [EID 3 entries]), late ones left out."""
    processes, networks = [], []
    # One conversion of the frame to Python objects: a key's frame holds a few rows, and each
    # pandas call per column costs more than the rows (bench/join-fleet.ts: the stateful step
    # took about half of a micro-batch's task time).
    for row in frame[_EVENT_COLUMNS].to_numpy(dtype=object).tolist():
        arrival = _epoch(row[0], 1_000_000)
        # Late: at or behind the watermark, as the stream-stream join dropped such a record.
        # (A null arrival cannot happen: every Kafka record has a timestamp.)
        if arrival is None or arrival <= watermark_ms:
            continue
        # Microseconds, Spark's precision.
        ts = _epoch(row[1], 1_000)
        eid, host, image = row[2], row[3], row[4]
        if eid == 1:
            processes.append([arrival, ts, host, *row[5:_SPLIT]])
        else:
            networks.append([arrival, ts, host, image, *row[_SPLIT:]])
    return processes, networks


def _pairs(guid, processes, networks, before_ms, after_ms):
    for p in processes:
        for n in networks:
            if p[0] - before_ms <= n[0] <= p[0] + after_ms:
                yield [guid, p[1], *p[2:], n[0], *n[1:]]


def _frame(rows):
    """Pairs → the output DataFrame: built column by column from numpy arrays, the times as
    datetime64 from their integers (None → NaT), which costs a fraction of a DataFrame of
    objects converted afterwards (a few rows per key, every key of every micro-batch)."""
    import numpy as np
    import pandas as pd

    columns = list(zip(*rows))
    data = {}
    for c, values in zip(OUTPUT_COLUMNS, columns):
        if c in _TIMES:
            unit = "ms" if c == "n_arrival" else "us"
            data[c] = np.array(values, dtype=f"datetime64[{unit}]").astype("datetime64[ns]")
        else:
            data[c] = np.array(values, dtype=object)
    return pd.DataFrame(data, columns=OUTPUT_COLUMNS)


def pair_up(before_seconds, after_seconds):
    """The function for `applyInPandasWithState` (EventTimeTimeout, watermark on `arrival`)."""
    before_ms, after_ms = before_seconds * 1000, after_seconds * 1000

    def step(key, frames, state):
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
            yield _frame(rows)

    return step
