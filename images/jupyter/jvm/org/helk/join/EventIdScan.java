package org.helk.join;

import org.apache.spark.sql.api.java.UDF2;

/**
 * The join's prefilter as a byte scan of a Kafka record's value: true where the record may be
 * one of the event ids listed in `ids` (decimal, comma-separated) in either layout HELK reads,
 * exactly where the regex `"(EventID|event_id|code)"\s*:\s*"?(ID|ID...)"?\s*[,}]` finds a match
 * (helk_hunt.parse.may_have_event_id, which stays the reference and the fallback).
 *
 * Why bytes: the regex ran on Spark's string column, so each record was first decoded into a
 * Java String and then the pattern was tried at every position of its ~1.9 kB; that was most
 * of the join's map stage (README, "The join at a fleet's rate"). Every byte this scan looks
 * for is ASCII, and no byte of a multi-byte UTF-8 character is below 0x80, so scanning the raw
 * bytes finds exactly what the regex finds in the decoded text.
 *
 * Compiled in the image by Spark's own Janino (images/jupyter/build/compile-jvm.sh): upstream's
 * notebook image has a JRE and no javac. Janino ignores type arguments, hence the Object
 * signature (UDF2's call, erased).
 */
public final class EventIdScan implements UDF2 {
  private static final byte[][] KEYS = {ascii("EventID"), ascii("event_id"), ascii("code")};

  /** The last `ids` text seen and its ids as ASCII digits: the job passes one literal. */
  private String idsText;
  private byte[][] wanted;

  public Object call(Object value, Object ids) {
    if (value == null) return Boolean.FALSE;
    byte[] raw = (byte[]) value;
    byte[][] want = wanted((String) ids);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] != '"') continue;
      int after = afterKey(raw, i + 1);
      if (after >= 0 && valueIsWanted(raw, after, want)) return Boolean.TRUE;
    }
    return Boolean.FALSE;
  }

  /** The index after `KEY"` starting at `from` for one of the keys, else -1. */
  private static int afterKey(byte[] raw, int from) {
    for (int k = 0; k < KEYS.length; k++) {
      byte[] key = KEYS[k];
      int end = from + key.length;
      if (end >= raw.length || raw[end] != '"') continue;
      boolean same = true;
      for (int j = 0; j < key.length && same; j++) same = raw[from + j] == key[j];
      if (same) return end + 1;
    }
    return -1;
  }

  /** `\s*:\s*"?DIGITS"?\s*[,}]` at `at`, DIGITS one of `want`. */
  private static boolean valueIsWanted(byte[] raw, int at, byte[][] want) {
    int i = blanks(raw, at);
    if (i >= raw.length || raw[i] != ':') return false;
    i = blanks(raw, i + 1);
    if (i < raw.length && raw[i] == '"') i++;
    int start = i;
    while (i < raw.length && raw[i] >= '0' && raw[i] <= '9') i++;
    if (!isOneOf(raw, start, i, want)) return false;
    if (i < raw.length && raw[i] == '"') i++;
    i = blanks(raw, i);
    return i < raw.length && (raw[i] == ',' || raw[i] == '}');
  }

  /** Java regex's `\s`: space, tab, newline, vertical tab, form feed, carriage return. */
  private static int blanks(byte[] raw, int i) {
    while (i < raw.length && (raw[i] == ' ' || (raw[i] >= '\t' && raw[i] <= '\r'))) i++;
    return i;
  }

  private static boolean isOneOf(byte[] raw, int start, int end, byte[][] want) {
    for (int w = 0; w < want.length; w++) {
      byte[] id = want[w];
      if (id.length != end - start) continue;
      boolean same = true;
      for (int j = 0; j < id.length && same; j++) same = raw[start + j] == id[j];
      if (same) return true;
    }
    return false;
  }

  private byte[][] wanted(String ids) {
    if (!ids.equals(idsText)) {
      String[] parts = ids.split(",");
      byte[][] parsed = new byte[parts.length][];
      for (int p = 0; p < parts.length; p++) parsed[p] = ascii(String.valueOf(Integer.parseInt(parts[p].trim())));
      wanted = parsed;
      idsText = ids;
    }
    return wanted;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
