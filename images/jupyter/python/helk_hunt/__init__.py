"""HELK's hunting library for the notebooks (images/jupyter/notebooks) and the join job.

    import helk_hunt
    spark = helk_hunt.session("my-hunt")        # HELK's Spark cluster when there is one
    sysmon = helk_hunt.sysmon_events(spark)    # Elasticsearch, else the winlogbeat topic
    helk_hunt.read_es(spark, "sysmon-join")    # any index, as the notebook's read-only login
"""

import importlib

# Each name and the module that defines it, loaded on first use (PEP 562): importing one
# submodule, e.g. helk_hunt.es_hadoop where no PySpark runs, must not import PySpark with the rest.
# No module is named like a name exported here: importing it would bind the package attribute to
# the module and hide the function (hence spark_session.py for session()).
_EXPORTS = {
    "connection": "elastic",
    "read_es": "elastic",
    "report": "result",
    "session": "spark_session",
    "security_events": "sources",
    "source_of": "sources",
    "sysmon_events": "sources",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'helk_hunt' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"helk_hunt.{_EXPORTS[name]}"), name)
    globals()[name] = value  # later lookups find it without __getattr__
    return value
