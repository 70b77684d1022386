-- HELK's Sysmon join in ksqlDB: each NetworkConnect (EID 3) joined to the ProcessCreate
-- (EID 1) of the same ProcessGuid, written to the topic SYSMON_JOIN (Logstash indexes it
-- into sysmon-join-*).
--
-- Time is arrival time: no TIMESTAMP property, so ROWTIME is the Kafka record's timestamp,
-- which the broker stamps on arrival (HELK's winlogbeat topic is LogAppendTime). A data set
-- recorded in 2020 and replayed today is "now", whatever order sets are replayed in; the
-- events' own @timestamp stays in the output (process_time, network_time).
--
-- Two layouts on one topic, read side by side: the flat Mordor / NXLog one (top-level EventID,
-- ProcessGuid, ...) and Winlogbeat 8's (winlog.event_id as a string, winlog.provider_name,
-- winlog.channel, winlog.computer_name, winlog.event_data.*). Each value is
-- COALESCE(flat, nested). ksqlDB's JSON reader (confluentinc/ksql,
-- ksqldb-serde/src/main/java/io/confluent/ksql/serde/json/KsqlJsonDeserializer.java and
-- JsonSerdeUtils.java) makes both deserialize: a missing field or struct is NULL; a number read
-- as VARCHAR is its text; a numeric string read as INT is parsed; struct fields match exactly,
-- then by upper-cased name. What it refuses fails the whole record: a string where a STRUCT is
-- declared. So `host` is NOT declared: the Mordor sets carry NXLog's `host` as a string, where
-- Winlogbeat 8 sends an object, and declaring either would drop the other layout's events.
-- The host name is read from Hostname / winlog.computer_name instead (Winlogbeat's host.name
-- is the same computer).
--
-- Statements are idempotent (IF NOT EXISTS); a changed statement is replaced by provisioning
-- (engine/provision/ksqldb.ts), which records what it applied.

-- Every event on winlogbeat; fields HELK does not use are ignored.
CREATE STREAM IF NOT EXISTS WINLOGBEAT_STREAM (
  `@timestamp` VARCHAR,
  EventID INT,
  SourceName VARCHAR,
  Channel VARCHAR,
  Hostname VARCHAR,
  ProcessGuid VARCHAR,
  ProcessId VARCHAR,
  Image VARCHAR,
  CommandLine VARCHAR,
  ParentImage VARCHAR,
  ParentCommandLine VARCHAR,
  ParentProcessGuid VARCHAR,
  `User` VARCHAR,
  Hashes VARCHAR,
  Protocol VARCHAR,
  SourceIp VARCHAR,
  SourcePort VARCHAR,
  DestinationIp VARCHAR,
  DestinationPort VARCHAR,
  DestinationHostname VARCHAR,
  winlog STRUCT<
    event_id VARCHAR,
    provider_name VARCHAR,
    channel VARCHAR,
    computer_name VARCHAR,
    event_data STRUCT<
      ProcessGuid VARCHAR,
      ProcessId VARCHAR,
      Image VARCHAR,
      CommandLine VARCHAR,
      ParentImage VARCHAR,
      ParentCommandLine VARCHAR,
      ParentProcessGuid VARCHAR,
      `User` VARCHAR,
      Hashes VARCHAR,
      Protocol VARCHAR,
      SourceIp VARCHAR,
      SourcePort VARCHAR,
      DestinationIp VARCHAR,
      DestinationPort VARCHAR,
      DestinationHostname VARCHAR
    >
  >
) WITH (KAFKA_TOPIC = 'winlogbeat', VALUE_FORMAT = 'JSON');

-- Sysmon ProcessCreate, keyed by ProcessGuid (the SELECT repeats the PARTITION BY expression,
-- as ksqlDB requires; its alias names the key column).
CREATE STREAM IF NOT EXISTS SYSMON_PROCESS_CREATE WITH (KAFKA_TOPIC = 'SYSMON_PROCESS_CREATE', VALUE_FORMAT = 'JSON') AS
  SELECT
    COALESCE(ProcessGuid, winlog->event_data->ProcessGuid) AS ProcessGuid,
    COALESCE(Hostname, winlog->computer_name) AS Hostname,
    `@timestamp` AS ProcessTime,
    COALESCE(ProcessId, winlog->event_data->ProcessId) AS ProcessId,
    COALESCE(Image, winlog->event_data->Image) AS Image,
    COALESCE(CommandLine, winlog->event_data->CommandLine) AS CommandLine,
    COALESCE(ParentImage, winlog->event_data->ParentImage) AS ParentImage,
    COALESCE(ParentCommandLine, winlog->event_data->ParentCommandLine) AS ParentCommandLine,
    COALESCE(ParentProcessGuid, winlog->event_data->ParentProcessGuid) AS ParentProcessGuid,
    COALESCE(`User`, winlog->event_data->`User`) AS `User`,
    COALESCE(Hashes, winlog->event_data->Hashes) AS Hashes
  FROM WINLOGBEAT_STREAM
  WHERE COALESCE(EventID, CAST(winlog->event_id AS INT)) = 1
    AND (COALESCE(SourceName, winlog->provider_name) = 'Microsoft-Windows-Sysmon'
      OR COALESCE(Channel, winlog->channel) = 'Microsoft-Windows-Sysmon/Operational')
  PARTITION BY COALESCE(ProcessGuid, winlog->event_data->ProcessGuid)
  EMIT CHANGES;

-- Sysmon NetworkConnect, keyed by ProcessGuid.
CREATE STREAM IF NOT EXISTS SYSMON_NETWORK_CONNECT WITH (KAFKA_TOPIC = 'SYSMON_NETWORK_CONNECT', VALUE_FORMAT = 'JSON') AS
  SELECT
    COALESCE(ProcessGuid, winlog->event_data->ProcessGuid) AS ProcessGuid,
    COALESCE(Hostname, winlog->computer_name) AS Hostname,
    `@timestamp` AS NetworkTime,
    COALESCE(Image, winlog->event_data->Image) AS Image,
    COALESCE(Protocol, winlog->event_data->Protocol) AS Protocol,
    COALESCE(SourceIp, winlog->event_data->SourceIp) AS SourceIp,
    COALESCE(SourcePort, winlog->event_data->SourcePort) AS SourcePort,
    COALESCE(DestinationIp, winlog->event_data->DestinationIp) AS DestinationIp,
    COALESCE(DestinationPort, winlog->event_data->DestinationPort) AS DestinationPort,
    COALESCE(DestinationHostname, winlog->event_data->DestinationHostname) AS DestinationHostname
  FROM WINLOGBEAT_STREAM
  WHERE COALESCE(EventID, CAST(winlog->event_id AS INT)) = 3
    AND (COALESCE(SourceName, winlog->provider_name) = 'Microsoft-Windows-Sysmon'
      OR COALESCE(Channel, winlog->channel) = 'Microsoft-Windows-Sysmon/Operational')
  PARTITION BY COALESCE(ProcessGuid, winlog->event_data->ProcessGuid)
  EMIT CHANGES;

-- The join, in arrival time: an EID 1 that arrived up to 5 minutes before (or 1 minute after)
-- its EID 3. State is bounded: each side's window store keeps a record for the window plus the
-- grace period, then drops it. A replay publishes a data set in seconds (each file lists a
-- process's EID 1 before its EID 3), so the bound is about live endpoints, where a process may
-- connect up to 5 minutes after it started.
-- Output columns are quoted so they keep the case of HELK's field names (the sysmon-join
-- template's, and the Spark job's): ksqlDB upper-cases unquoted names. The join key goes to the
-- Kafka record key; AS_VALUE copies it into the value, which is what Logstash indexes.
CREATE STREAM IF NOT EXISTS SYSMON_JOIN WITH (KAFKA_TOPIC = 'SYSMON_JOIN', VALUE_FORMAT = 'JSON') AS
  SELECT
    N.ProcessGuid AS JOIN_KEY,
    AS_VALUE(N.ProcessGuid) AS `ProcessGuid`,
    N.Hostname AS `Hostname`,
    P.ProcessTime AS `process_time`,
    N.NetworkTime AS `network_time`,
    P.ProcessId AS `ProcessId`,
    P.Image AS `Image`,
    P.CommandLine AS `CommandLine`,
    P.ParentImage AS `ParentImage`,
    P.ParentCommandLine AS `ParentCommandLine`,
    P.`User` AS `User`,
    P.Hashes AS `Hashes`,
    N.Protocol AS `Protocol`,
    N.SourceIp AS `SourceIp`,
    N.SourcePort AS `SourcePort`,
    N.DestinationIp AS `DestinationIp`,
    N.DestinationPort AS `DestinationPort`,
    N.DestinationHostname AS `DestinationHostname`
  FROM SYSMON_NETWORK_CONNECT N
  INNER JOIN SYSMON_PROCESS_CREATE P WITHIN (5 MINUTES, 1 MINUTE) GRACE PERIOD 10 MINUTES
    ON N.ProcessGuid = P.ProcessGuid
  EMIT CHANGES;
