"""The REFI-QDA schemas (vendored in schemas/, see its README) and the one XML parser this package
uses on files it did not write: no DTD, no entity expansion, no network, no huge trees."""

from functools import cache
from pathlib import Path

from lxml import etree

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMAS = Path(__file__).resolve().parent / "schemas"


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@cache
def _schema(name: str) -> etree.XMLSchema:
    with open(SCHEMAS / name, "rb") as handle:
        return etree.XMLSchema(etree.parse(handle, safe_parser()))


def project_schema() -> etree.XMLSchema:
    return _schema("Project.xsd")


def codebook_schema() -> etree.XMLSchema:
    return _schema("Codebook.xsd")


def schema_errors(document, schema: etree.XMLSchema, *, limit: int = 20) -> list[tuple[int, str]]:
    """(line, message) of the first `limit` violations of `schema` by `document` (an lxml tree)."""
    if schema.validate(document):
        return []
    return [(error.line, error.message) for error in list(schema.error_log)[:limit]]
