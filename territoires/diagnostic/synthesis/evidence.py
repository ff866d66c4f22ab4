"""Kinds of evidence of a finding. Filled in by the modules below; see EvidenceKind."""

EVIDENCE_KINDS: dict = {}


def register_evidence_kind(kind_class):
    EVIDENCE_KINDS[kind_class.code] = kind_class
    return kind_class


def evidence_kind(code: str):
    return EVIDENCE_KINDS.get(code)
