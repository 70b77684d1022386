"""Reading one Sigma file into a rule, with the reasons a user can act on when it cannot be."""

from dataclasses import dataclass

import yaml
from sigma.exceptions import SigmaError
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule


class Refused(Exception):
    """A rule HELK cannot run; the message is the report's `reason`."""

    def __init__(self, reason, rule_id=None, title=None):
        super().__init__(reason)
        self.rule_id = rule_id
        self.title = title


@dataclass
class Loaded:
    text: str
    rule: SigmaRule

    def fresh(self) -> SigmaRule:
        # pySigma's conversion applies the pipeline to the rule object itself: each target
        # converts its own copy.
        return SigmaRule.from_yaml(self.text)


def load(path) -> Loaded:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise Refused(f"YAML error{where}: {getattr(e, 'problem', None) or e}; fix the file's syntax") from e
    if len(documents) > 1:
        # Sigma correlation rules and old "action: global" files put several rules in one file.
        raise Refused("several YAML documents (---) in one file: correlation and multi-document rules are not supported; put each rule in a file of its own")
    data = documents[0] if documents else None
    if not isinstance(data, dict):
        raise Refused("not a Sigma rule: the file must hold one YAML mapping with title, logsource and detection")
    rule_id, title = data.get("id"), data.get("title")
    try:
        rule = SigmaRule.from_dict(data)
    except (SigmaError, ValueError, TypeError, AttributeError, KeyError) as e:
        # pySigma checks some values only by using them (an id that is not a string, ...).
        raise Refused(f"not a valid Sigma rule: {e or type(e).__name__}", rule_id, title) from e
    if rule.id is None:
        raise Refused("the rule has no id: add `id: <a UUID>` (HELK names its alert rule after it)", None, title)
    return Loaded(text, rule)


def used_fields(rule: SigmaRule) -> set:
    """Every field name the rule's detection compares (keyword searches have none)."""
    found = set()

    def walk(node):
        if isinstance(node, SigmaDetectionItem):
            if node.field:
                found.add(node.field)
        elif isinstance(node, SigmaDetection):
            for item in node.detection_items:
                walk(item)

    for detection in rule.detection.detections.values():
        walk(detection)
    return found
