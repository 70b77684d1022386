"""HELK's hunting library for the notebooks (images/jupyter/notebooks) and the join job.

    import helk_hunt
    spark = helk_hunt.session("my-hunt")        # HELK's Spark cluster when there is one
    sysmon = helk_hunt.sysmon_events(spark)    # Elasticsearch, else the winlogbeat topic
    helk_hunt.read_es(spark, "sysmon-join")    # any index, as the notebook's read-only login
"""

from helk_hunt.elastic import connection, read_es
from helk_hunt.result import report
from helk_hunt.session import session
from helk_hunt.sources import security_events, source_of, sysmon_events

__all__ = ["connection", "read_es", "report", "session", "security_events", "source_of", "sysmon_events"]
