/**
 * What HELK says about a TLS failure with Kafka (engine/kafka-hints.ts tlsHint), for the words
 * Node.js and OpenSSL use; test/engine/kafka-tls.test.ts meets them on real brokers.
 */
import { describe, expect, it } from "vitest";
import { tlsHint } from "../../engine/kafka-hints.js";

const tls = { brokers: ["10.0.0.5:9093"], tls: { caFile: "/etc/helk/kafka-ca.pem" }, external: true };

describe("the hint for a TLS failure with Kafka", () => {
  it.each([
    "unable to verify the first certificate",
    "self-signed certificate in certificate chain",
    "certificate has expired",
    "Hostname/IP does not match certificate's altnames: IP: 10.0.0.5 is not in the cert's list: 10.0.0.6",
    "Connection error: unable to get local issuer certificate",
  ])("a certificate it will not trust (%s): the CA file and the setting", (message) => {
    expect(tlsHint(message, tls)).toMatch(
      /^Kafka's certificate is not one the CA in \/etc\/helk\/kafka-ca\.pem signed .*kafka\.external\.tls\.caFile/,
    );
  });

  it("without a CA file it names this machine's CAs", () => {
    expect(tlsHint("self-signed certificate", { ...tls, tls: {} })).toMatch(/^Kafka's certificate is not one this machine's CAs signed/);
  });

  it.each([
    "SSL routines:ssl3_get_record:wrong version number",
    "Client network socket disconnected before secure TLS connection was established",
  ])("a listener without TLS (%s): the port or tls.enabled", (message) => {
    expect(tlsHint(message, tls)).toMatch(/does not seem to speak TLS: .*kafka\.external\.tls\.enabled to false/);
  });

  it("nothing for other errors, nor without TLS", () => {
    expect(tlsHint("connect ECONNREFUSED 10.0.0.5:9093", tls)).toBeUndefined();
    expect(tlsHint("unable to verify the first certificate", { brokers: ["10.0.0.5:9092"] })).toBeUndefined();
  });
});
