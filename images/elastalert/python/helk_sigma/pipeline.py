"""HELK's pySigma processing pipeline for one target: the conditions an event needs in that index
(a Sysmon EventID, a Windows channel) and Sigma's field names as HELK's templates index them."""

from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import AddConditionTransformation, FieldMappingTransformation

from .targets import FIELD_MAP, Target


def helk_pipeline(target: Target) -> ProcessingPipeline:
    items = []
    if target.conditions:
        items.append(ProcessingItem(identifier=f"helk_{target.key}_conditions", transformation=AddConditionTransformation(dict(target.conditions))))
    # The join document has no EventID or Channel: a rule's own such conditions would never
    # match there, so targets_for() gives a join target only to rules that do not use them.
    items.append(ProcessingItem(identifier=f"helk_{target.key}_fields", transformation=FieldMappingTransformation(dict(FIELD_MAP))))
    return ProcessingPipeline(name=f"HELK {target.key}", priority=20, items=items)
