"""Elasticsearch for the notebooks: HELK's read-only notebook login and `read_es`."""

import glob
import json
import os

ENV = os.environ


def connection():
    """Where Elasticsearch is and how to log in, from what HELK gives the jupyter service:
    HELK_ES_URL and HELK_ES_USER (compose/services/notebook.ts), HELK_ES_PASSWORD
    (secrets/jupyter.env), HELK_ES_CA when the cluster's TLS needs a CA file."""
    return {
        "urls": [u.strip() for u in ENV.get("HELK_ES_URL", "http://elasticsearch:9200").split(",") if u.strip()],
        "user": ENV.get("HELK_ES_USER") or None,
        "password": ENV.get("HELK_ES_PASSWORD") or None,
        "ca_file": ENV.get("HELK_ES_CA") or None,
    }


def client(conn=None):
    from elasticsearch import Elasticsearch

    conn = conn or connection()
    login = {"basic_auth": (conn["user"], conn["password"] or "")} if conn["user"] else {}
    tls = {"ca_certs": conn["ca_file"]} if conn["ca_file"] else {}
    return Elasticsearch(conn["urls"], request_timeout=60, retry_on_timeout=True, max_retries=3, **login, **tls)


def count(index, query=None, conn=None):
    """Documents in `index` (a pattern may match nothing: 0)."""
    es = client(conn)
    try:
        body = {"query": query} if query else {}
        return es.count(index=index, ignore_unavailable=True, allow_no_indices=True, **body)["count"]
    finally:
        es.close()


def _es_hadoop_jar():
    import pyspark

    home = ENV.get("SPARK_HOME") or os.path.dirname(pyspark.__file__)
    return glob.glob(os.path.join(home, "jars", "elasticsearch-spark-*.jar"))


def _pick(source, fields):
    """Only `fields` of a document (dotted names reach into objects), as `_source` filtering does."""
    out = {}
    for name in fields:
        value = source
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            out[name] = value
    return out


def read_es(spark, index, query=None, fields=None):
    """The documents of `index` matching `query` (a query DSL object; all when None) as a
    DataFrame with the documents' own fields (Spark infers their types), or only `fields`.
    Read as the notebook's login."""
    conn = connection()
    # ES-Hadoop (org.elasticsearch.spark.sql) reads in parallel from every shard, but it exists
    # only for Spark 3.x: an image built on a Spark 3 base has its jar baked in, HELK's default
    # Spark 4.2 image never does (images/jupyter), and then the Python client below reads instead.
    if _es_hadoop_jar():
        from helk_hunt import es_hadoop

        return es_hadoop.read(spark, index, query=query, conn=conn)
    from elasticsearch.helpers import scan

    es = client(conn)
    try:
        # A scroll reads every match, whatever the index's max_result_window; the read-only
        # login's `read` privilege is all it needs.
        hits = scan(
            es,
            index=index,
            query={"query": query or {"match_all": {}}},
            _source=fields or True,
            size=1000,
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        docs = [json.dumps(_pick(h["_source"], fields) if fields else h["_source"]) for h in hits]
    finally:
        es.close()
    if not docs:
        schema = ", ".join(f"`{f}` string" for f in fields) if fields else "`_id` string"
        return spark.createDataFrame([], schema)
    return spark.read.json(spark.sparkContext.parallelize(docs, max(1, len(docs) // 5000)))
