-- HELK's Sysmon join in ksqlDB: each NetworkConnect (EID 3) joined to the ProcessCreate
-- (EID 1) of the same ProcessGuid, written to the topic SYSMON_JOIN (Logstash indexes it
-- into sysmon-join-*). Event time is the events' own @timestamp, so replayed data joins as
-- recorded. Statements are idempotent (IF NOT EXISTS) so applying them twice changes nothing.

-- Every event on winlogbeat, flat (Mordor / NXLog) shape; fields HELK does not use are ignored.
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
  DestinationHostname VARCHAR
) WITH (KAFKA_TOPIC = 'winlogbeat', VALUE_FORMAT = 'JSON', TIMESTAMP = '`@timestamp`', TIMESTAMP_FORMAT = 'yyyy-MM-dd''T''HH:mm:ss.SSSX');

-- Sysmon ProcessCreate, keyed by ProcessGuid.
CREATE STREAM IF NOT EXISTS SYSMON_PROCESS_CREATE WITH (KAFKA_TOPIC = 'SYSMON_PROCESS_CREATE', VALUE_FORMAT = 'JSON') AS
  SELECT ProcessGuid, Hostname, `@timestamp` AS ProcessTime, ProcessId, Image, CommandLine, ParentImage, ParentCommandLine, ParentProcessGuid, `User`, Hashes
  FROM WINLOGBEAT_STREAM
  WHERE EventID = 1 AND (SourceName = 'Microsoft-Windows-Sysmon' OR Channel = 'Microsoft-Windows-Sysmon/Operational')
  PARTITION BY ProcessGuid
  EMIT CHANGES;

-- Sysmon NetworkConnect, keyed by ProcessGuid.
CREATE STREAM IF NOT EXISTS SYSMON_NETWORK_CONNECT WITH (KAFKA_TOPIC = 'SYSMON_NETWORK_CONNECT', VALUE_FORMAT = 'JSON') AS
  SELECT ProcessGuid, Hostname, `@timestamp` AS NetworkTime, Image, Protocol, SourceIp, SourcePort, DestinationIp, DestinationPort, DestinationHostname
  FROM WINLOGBEAT_STREAM
  WHERE EventID = 3 AND (SourceName = 'Microsoft-Windows-Sysmon' OR Channel = 'Microsoft-Windows-Sysmon/Operational')
  PARTITION BY ProcessGuid
  EMIT CHANGES;

-- The join: an EID 1 up to 5 minutes before (or 1 minute after) its EID 3; late events wait
-- 10 minutes. The shared data sets put each joinable EID 3 1.2 s to 37.3 s after its EID 1.
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
