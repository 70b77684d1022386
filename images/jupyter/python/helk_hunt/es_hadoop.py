"""Elasticsearch through ES-Hadoop's Spark SQL source (`org.elasticsearch.spark.sql`).

Only where HELK's notebook image has the jar: images/jupyter/build/bake-es-hadoop.sh bakes it
into $SPARK_HOME/jars on a Spark 3.4.x / Scala 2.12 base (the only Spark the released
elasticsearch-spark-30_2.12 runs on); `helk_hunt.read_es` calls `read` then. Nothing is fetched
when a notebook runs.

`conn` is the plain dict of `helk_hunt.connection()`:
    {"urls": ["https://elasticsearch:9200"], "user": "...", "password": "...", "ca_file": "/path/ca.pem"}

The password goes to ES-Hadoop as a data source option and nowhere else: `Options` prints
with it masked, this module logs only that form, and the session's redaction regexes are
widened so that Spark's own plan strings (explain, the SQL tab of the UI, the event log) mask
it too (by default Spark masks only keys containing "password", "secret", "token", "url" or
"access key", not ES-Hadoop's `...auth.pass`, and not the relation's printed parameters).

This module needs no pyspark to import: building the options is plain Python (and is tested
that way).
"""

import atexit
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from urllib.parse import urlsplit

FORMAT = "org.elasticsearch.spark.sql"

# Fields that HELK's events carry as JSON arrays: Winlogbeat's and the Mordor data sets'
# `tags`. ES-Hadoop reads a field as an array only when told (its mapping does not say), and
# otherwise fails the read with "is backed by an array but the associated Spark Schema does
# not reflect this".
ARRAY_FIELDS = ("tags",)

# Option keys whose values are secrets.
SECRET_KEYS = frozenset({"es.net.http.auth.pass", "es.net.ssl.truststore.pass"})
MASK = "*****"
# Added to the session's option redaction so that Spark masks the secret keys in its plans.
_PLAN_REDACTION = r"es\.net\.(http\.auth|ssl\.truststore)\.pass"

log = logging.getLogger(__name__)


class Options(dict):
    """ES-Hadoop's options: a dict whose printed forms (repr, str, format, logging) mask the
    secrets. Pass it to `DataFrameReader.options(**opts)` as any dict."""

    def masked(self):
        return {k: (MASK if k in SECRET_KEYS and v else v) for k, v in self.items()}

    def __repr__(self):
        return f"Options({self.masked()!r})"

    __str__ = __repr__

    def __format__(self, spec):
        return format(repr(self), spec)


def _nodes(urls):
    """es.nodes (host:port, ...), es.port and whether it is https, from the conn's URLs.
    ES-Hadoop has one scheme (es.net.ssl) for all nodes, so mixed schemes are refused."""
    if not urls:
        raise ValueError("conn['urls'] is empty: give Elasticsearch's URL, e.g. http://elasticsearch:9200")
    hosts, schemes, port = [], set(), None
    for url in urls:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # The URL itself may carry user:password@, so it is not repeated here.
            raise ValueError("every conn['urls'] entry must be http(s)://host[:port]")
        schemes.add(parts.scheme)
        node_port = parts.port or 9200
        port = port or node_port
        hosts.append(f"{parts.hostname}:{node_port}")
    if len(schemes) > 1:
        raise ValueError("conn['urls'] mixes http and https: ES-Hadoop uses one scheme for every node")
    return ",".join(hosts), str(port), schemes == {"https"}


def options(conn, truststore=None):
    """The connection options for `conn`: nodes, WAN-only, login and TLS. `truststore` is
    (path, password) of a PKCS#12 trust store holding conn['ca_file'] (see `truststore_for`)."""
    nodes, port, https = _nodes(conn.get("urls") or [])
    opts = Options(
        {
            "es.nodes": nodes,
            "es.port": port,
            # One node behind a compose service name (or a load balancer): talk to the given
            # address only, never to the addresses the cluster publishes for its nodes.
            "es.nodes.wan.only": "true",
            "es.net.ssl": "true" if https else "false",
        }
    )
    if conn.get("user"):
        opts["es.net.http.auth.user"] = conn["user"]
        opts["es.net.http.auth.pass"] = conn.get("password") or ""
    if https and truststore:
        path, password = truststore
        # ES-Hadoop opens the trust store as a URL (no scheme = a classpath resource) with
        # KeyStore.getInstance(es.net.ssl.keystore.type): a key store file, not a PEM.
        opts["es.net.ssl.truststore.location"] = "file://" + path
        opts["es.net.ssl.truststore.pass"] = password
        opts["es.net.ssl.keystore.type"] = "PKCS12"
    return opts


_stores = {}
_store_dir = None


def _keytool():
    java_home = os.environ.get("JAVA_HOME")
    candidate = os.path.join(java_home, "bin", "keytool") if java_home else None
    found = candidate if candidate and os.access(candidate, os.X_OK) else shutil.which("keytool")
    if not found:
        raise RuntimeError("keytool (Java's) is not on PATH: it is needed to trust conn['ca_file'] from Spark")
    return found


def truststore_for(ca_file):
    """A PKCS#12 trust store with the certificates of the PEM file `ca_file`, made once per
    process and CA content, in a private temporary folder removed at exit. Made at read time,
    not at build time: the CA is the cluster's, known only when a notebook connects. It lives
    as long as the session may run a task with it (DataFrames are lazy). Tasks open it by its
    path: in local mode (HELK's notebooks) that is this container; executors on a Spark
    cluster need the same file at the same path (HELK's own Elasticsearch speaks plain HTTP
    inside the compose network, so this matters only for an external cluster's CA)."""
    global _store_dir
    with open(ca_file, "rb") as f:
        pem = f.read()
    key = hashlib.sha256(pem).hexdigest()[:16]
    if key in _stores:
        return _stores[key]
    certs = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.S)
    if not certs:
        raise ValueError(f"{ca_file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    if _store_dir is None:
        _store_dir = tempfile.mkdtemp(prefix="helk-es-truststore-")  # 0700
        atexit.register(shutil.rmtree, _store_dir, True)
    path = os.path.join(_store_dir, f"ca-{key}.p12")
    # It guards nothing secret (public certificates), but keytool wants one; passed through the
    # environment, not argv.
    password = secrets.token_urlsafe(18)
    env = dict(os.environ, HELK_TRUSTSTORE_PASS=password)
    for i, cert in enumerate(certs):
        pem_path = os.path.join(_store_dir, f"ca-{key}-{i}.pem")
        with open(pem_path, "wb") as f:
            f.write(cert + b"\n")
        r = subprocess.run(
            [_keytool(), "-importcert", "-noprompt", "-alias", f"ca-{i}", "-file", pem_path,
             "-keystore", path, "-storetype", "PKCS12", "-storepass:env", "HELK_TRUSTSTORE_PASS"],
            env=env, capture_output=True, text=True, check=False,
        )
        os.unlink(pem_path)
        if r.returncode != 0:
            raise RuntimeError(f"keytool could not import certificate {i + 1} of {ca_file}: {r.stdout.strip()} {r.stderr.strip()}")
    _stores[key] = (path, password)
    return _stores[key]


def _connection_options(conn):
    nodes_https = _nodes(conn.get("urls") or [])[2]
    store = truststore_for(conn["ca_file"]) if nodes_https and conn.get("ca_file") else None
    return options(conn, store)


def _mask_in_plans(spark):
    """Widen the session's redaction (runtime SQL confs) to ES-Hadoop's secret options: the
    options regex masks them where Spark prints a command's options (a write), the string regex
    where it prints the relation, whose parameters ES-Hadoop shows as `key -> value, ...` (a
    read's explain()). A secret's value ends at the next ES-Hadoop key or at the line's end."""
    for key, default, ours in (
        ("spark.sql.redaction.options.regex", "(?i)url", _PLAN_REDACTION),
        ("spark.sql.redaction.string.regex", "", f"(?m){_PLAN_REDACTION} -> .*?(?=, es\\.[a-z.]+ -> |$)"),
    ):
        current = spark.conf.get(key, default) or ""
        if ours not in current:
            spark.conf.set(key, f"{ours}|{current}" if current else ours)


def _query_json(query):
    """es.query from a query DSL object ({"term": {...}}), a whole search body ({"query": ...}),
    or a string ES-Hadoop takes as is (JSON or a URI query such as ?q=EventID:1)."""
    if query is None or isinstance(query, str):
        return query
    return json.dumps(query if "query" in query else {"query": query})


def read(spark, index, query=None, *, conn, fields=None, array_fields=ARRAY_FIELDS, extra=None):
    """The documents of `index` (a name, pattern or alias) matching `query` as a DataFrame whose
    schema comes from the index mapping. `fields`: only these (es.read.field.include);
    `array_fields`: fields to read as arrays (default: HELK's `tags`); `extra`: more ES-Hadoop
    options (e.g. {"es.scroll.size": "5000"}), which win over these."""
    opts = _connection_options(conn)
    q = _query_json(query)
    if q:
        opts["es.query"] = q
    if fields:
        opts["es.read.field.include"] = ",".join(fields)
    if array_fields:
        opts["es.read.field.as.array.include"] = ",".join(array_fields)
    opts.update(extra or {})
    _mask_in_plans(spark)
    log.info("ES-Hadoop read of %s with %s", index, opts)
    try:
        # load() asks Elasticsearch for the mapping: a refused login fails here, not later.
        return spark.read.format(FORMAT).options(**opts).load(index)
    except Exception as err:
        _explain_refusal(err, opts)
        raise


def _explain_refusal(err, opts):
    """A refused login as one clear error instead of ES-Hadoop's Java stack trace. ES-Hadoop
    puts Elasticsearch's own reason in its message ("security_exception: unable to
    authenticate user [...]"), or the status when the answer has no JSON body ("[401|...")."""
    text = str(err)
    refusals = (
        ("401", "refused the login of", ("unable to authenticate user", "[401|", "returned [401")),
        ("403", "does not let", ("is unauthorized for user", "[403|", "returned [403")),
    )
    for status, what, signs in refusals:
        if any(sign in text for sign in signs):
            user = opts.get("es.net.http.auth.user", "(no user)")
            raise PermissionError(
                f"Elasticsearch at {opts['es.nodes']} {what} user {user!r} (HTTP {status}): check the user"
                " and password of the notebook's login (HELK_ES_USER, HELK_ES_PASSWORD) and the user's"
                " read privilege on the index"
            ) from err


def _without_decimals(df):
    """ES-Hadoop refuses decimal columns ("Decimal types are not supported by Elasticsearch").
    Spark's readers make them (spark.read.json: an integer past 64 bits, a mix of integer and
    decimal values in one field): each is written as its exact digits instead."""
    from pyspark.sql.types import DecimalType

    decimals = [f.name for f in df.schema.fields if isinstance(f.dataType, DecimalType)]
    for name in decimals:
        df = df.withColumn(name, df[name].cast("string"))
    return df


def write(df, index, conn, mapping_id=None, extra=None):
    """Append `df` to `index` (created by Elasticsearch on first write, with its templates);
    `mapping_id`: the column whose value becomes each document's _id, so that writing the
    same rows again replaces them instead of adding copies; `extra`: more ES-Hadoop options.
    Refreshes the index when done (ES-Hadoop's default)."""
    opts = _connection_options(conn)
    if mapping_id:
        opts["es.mapping.id"] = mapping_id
    opts.update(extra or {})
    df = _without_decimals(df)
    _mask_in_plans(df.sparkSession)
    log.info("ES-Hadoop write to %s with %s", index, opts)
    df.write.format(FORMAT).options(**opts).mode("append").save(index)
