"""Where a Sigma rule's events live in HELK, and under which field names.

Logstash (images/logstash/pipeline) indexes Sysmon events, flat, into
logs-endpoint-winevent-sysmon-* and every other Windows channel into logs-endpoint-winevent-*;
the Spark join (images/jupyter/jobs/sysmon_join.py document()) writes one sysmon-join document
per network connection of a process it saw start. Sigma's Windows field names are Sysmon's and
the Windows event data's own names, which is what HELK keeps at the top level, so the mapping
is mostly the identity; the exceptions are in FIELD_MAP.
"""

from dataclasses import dataclass, field

SYSMON_INDEX = "logs-endpoint-winevent-sysmon-*"
WINEVENT_INDEX = "logs-endpoint-winevent-*"
JOIN_INDEX = "sysmon-join*"

# Sigma category -> Sysmon EventID(s), as Sigma's own Sysmon pipeline defines them.
SYSMON_CATEGORIES = {
    "process_creation": [1],
    "file_change": [2],
    "network_connection": [3],
    "process_termination": [5],
    "driver_load": [6],
    "image_load": [7],
    "create_remote_thread": [8],
    "raw_access_thread": [9],
    "process_access": [10],
    "file_event": [11],
    "registry_add": [12],
    "registry_delete": [12],
    "registry_set": [13],
    "registry_rename": [14],
    "registry_event": [12, 13, 14],
    "create_stream_hash": [15],
    "pipe_created": [17, 18],
    "wmi_event": [19, 20, 21],
    "dns_query": [22],
    "file_delete": [23, 26],
    "clipboard_capture": [24],
    "process_tampering": [25],
}

# Sigma service -> the Windows channel HELK indexes it under (Logstash keeps `Channel`).
WINDOWS_SERVICES = {
    "security": "Security",
    "system": "System",
    "application": "Application",
    "powershell": "Microsoft-Windows-PowerShell/Operational",
    "powershell-classic": "Windows PowerShell",
    "taskscheduler": "Microsoft-Windows-TaskScheduler/Operational",
    "wmi": "Microsoft-Windows-WMI-Activity/Operational",
    "windefend": "Microsoft-Windows-Windows Defender/Operational",
}

# Text fields are analysed in HELK's templates (images/elasticsearch/templates): Sigma's
# wildcards must run on their exact (keyword) sub-field. Known limit: keyword matches are
# case-sensitive in Lucene query strings, while Sigma's are not; a rule matches values written
# in the case the events carry (HELK's own rules are; the Lucene backend has no other form). Sigma's generic names for the host
# and provider become Logstash's.
FIELD_MAP = {
    "CommandLine": "CommandLine.keyword",
    "ParentCommandLine": "ParentCommandLine.keyword",
    "Message": "Message.keyword",
    "Computer": "Hostname",
    "Provider_Name": "SourceName",
}

# Fields every Windows event carries after Logstash.
COMMON_FIELDS = {"EventID", "Channel", "SourceName", "Provider_Name", "Hostname", "Computer", "Message", "Keywords", "Task", "RecordNumber"}

# Sysmon's event fields (Sysmon schema, every event type): Logstash keeps them at the top level.
SYSMON_FIELDS = COMMON_FIELDS | {
    "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion", "Description", "Product", "Company",
    "OriginalFileName", "CommandLine", "CurrentDirectory", "User", "LogonGuid", "LogonId", "TerminalSessionId",
    "IntegrityLevel", "Hashes", "ParentProcessGuid", "ParentProcessId", "ParentImage", "ParentCommandLine",
    "ParentUser", "TargetFilename", "CreationUtcTime", "PreviousCreationUtcTime", "Protocol", "Initiated",
    "SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort", "SourcePortName", "DestinationIsIpv6",
    "DestinationIp", "DestinationHostname", "DestinationPort", "DestinationPortName", "State", "Version",
    "SchemaVersion", "ImageLoaded", "Signed", "Signature", "SignatureStatus", "SourceProcessGuid",
    "SourceProcessId", "SourceImage", "TargetProcessGuid", "TargetProcessId", "TargetImage", "NewThreadId",
    "StartAddress", "StartModule", "StartFunction", "Device", "SourceThreadId", "GrantedAccess", "CallTrace",
    "EventType", "TargetObject", "Details", "NewName", "Contents", "PipeName", "Operation", "Consumer", "Filter",
    "Name", "Query", "Type", "Destination", "QueryName", "QueryStatus", "QueryResults", "IsExecutable",
    "Archived", "Session", "ClientInfo", "SourceUser", "TargetUser",
}

# The event data of the Windows channels HELK collects besides Sysmon (Security, System,
# PowerShell, Task Scheduler, ...), as Windows names it: Logstash lifts it to the top level.
WINEVENT_FIELDS = COMMON_FIELDS | {
    "SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "TargetUserSid",
    "TargetUserName", "TargetDomainName", "TargetLogonId", "LogonType", "LogonProcessName",
    "AuthenticationPackageName", "WorkstationName", "LogonGuid", "IpAddress", "IpPort", "ProcessId",
    "ProcessName", "NewProcessId", "NewProcessName", "ParentProcessName", "CommandLine", "TokenElevationType",
    "MandatoryLabel", "TaskName", "TaskContent", "TaskContentNew", "ServiceName", "ServiceFileName",
    "ServiceType", "StartType", "AccountName", "ImagePath", "ObjectServer", "ObjectType", "ObjectName",
    "HandleId", "AccessList", "AccessMask", "Properties", "PrivilegeList", "ShareName", "ShareLocalPath",
    "RelativeTargetName", "Status", "SubStatus", "FailureReason", "TicketOptions", "TicketEncryptionType",
    "ServiceSid", "PreAuthType", "CertIssuerName", "MemberName", "MemberSid", "GroupMembership",
    "AttributeLDAPDisplayName", "AttributeValue", "ObjectClass", "ObjectDN", "OperationType",
    "ScriptBlockText", "ScriptBlockId", "Path", "Payload", "ContextInfo", "HostApplication", "EngineVersion",
    "UserContext", "ActionName", "ResultCode", "UserName", "Origin", "Provider", "Data", "ImageName",
}

# Fields of a sysmon-join document (sysmon_join.py document()): the process's and its
# connection's. A rule on the process or the connection whose fields are all here also runs on
# the joined documents: "this process, and it connected out".
JOIN_FIELDS = {
    "ProcessGuid", "Hostname", "Computer", "ProcessId", "Image", "CommandLine", "ParentImage",
    "ParentCommandLine", "ParentProcessGuid", "User", "Hashes", "Protocol", "SourceIp", "SourcePort",
    "DestinationIp", "DestinationPort", "DestinationHostname",
}
JOIN_CATEGORIES = ("process_creation", "network_connection")


@dataclass(frozen=True)
class Target:
    """One index family a rule runs on: the conditions its events need there, its field names."""

    key: str  # "sysmon" | "winevent" | "join": the rule file's suffix and the pipeline's name
    index: str
    conditions: dict = field(default_factory=dict)
    fields: frozenset = frozenset()

    @property
    def joined(self) -> bool:
        return self.key == "join"


class NotCollected(Exception):
    """A log source HELK does not index; the message says what HELK does collect."""


def collected_sources() -> str:
    services = "/".join(["sysmon", *WINDOWS_SERVICES])
    return f"product=windows with service {services}, or a Sysmon category ({', '.join(SYSMON_CATEGORIES)})"


def targets_for(product, category, service, used_fields) -> list:
    """The targets of a rule with this log source, given the fields its detection uses."""
    source = ", ".join(f"{k}={v}" for k, v in (("product", product), ("category", category), ("service", service)) if v)
    if product not in (None, "windows"):
        raise NotCollected(f"log source {source} is not collected by HELK (HELK collects: {collected_sources()})")
    if category in SYSMON_CATEGORIES and service in (None, "sysmon"):
        main = Target("sysmon", SYSMON_INDEX, {"EventID": SYSMON_CATEGORIES[category]}, frozenset(SYSMON_FIELDS))
        joined = category in JOIN_CATEGORIES and set(used_fields) <= JOIN_FIELDS
        return [main, Target("join", JOIN_INDEX, {}, frozenset(JOIN_FIELDS))] if joined else [main]
    if category is None and service == "sysmon":
        return [Target("sysmon", SYSMON_INDEX, {}, frozenset(SYSMON_FIELDS))]
    if category is None and service in WINDOWS_SERVICES:
        return [Target("winevent", WINEVENT_INDEX, {"Channel": WINDOWS_SERVICES[service]}, frozenset(WINEVENT_FIELDS))]
    raise NotCollected(f"log source {source or '(none)'} is not collected by HELK (HELK collects: {collected_sources()})")
