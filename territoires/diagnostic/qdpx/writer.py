"""Writing REFI-QDA files: a `.qdc` codebook and a `.qdpx` project.

A `.qdpx` is a ZIP holding `project.qde` (XML, namespace urn:QDA-XML:project:1.0) and one UTF-8
text file per source under `sources/`, referenced as `internal://<guid>.txt`. Positions of a
PlainTextSelection count Unicode characters of that text, as Python's string indices do, so the
platform's offsets are written as they are.

Memory stays bounded whatever the corpus: the texts are written one at a time (first pass), then
`project.qde` is streamed with lxml's incremental writer while the codings are read in chunks in
the order of their source (second pass), then the memos (third pass). `make bench
ONLY=diagnostic.coding.export` measures it on the scale corpus (coding/scale.py).

Identities: codes, interviews' transcripts and codings keep their `guid`; a coder's guid is derived
from the site's address and the account number (the same person gets the same guid in every
export, and nothing about them can be read back from it); a memo's note and a coding element get
a guid derived from their coding's.
"""

import datetime
import itertools
import re
import uuid
from collections import defaultdict

from django.conf import settings
from django.utils import timezone
from lxml import etree

from territoires.diagnostic.qdpx.schema import CODEBOOK_NS, PROJECT_NS

ORIGIN = "Territoires en commun"
EXAMPLE_MARK = "\n\nExemple : "
CHUNK = 2000


def user_guid(user_id: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL.rstrip('/')}/comptes/{user_id}"))


def derived_guid(guid, role: str) -> str:
    return str(uuid.uuid5(uuid.UUID(str(guid)), role))


def user_label(user) -> str:
    return user.get_full_name() or f"Compte n° {user.pk}"


def code_description(code) -> str:
    """A code's definition, and its example after a mark that the reader splits again."""
    text = code.definition or ""
    if code.example:
        text += EXAMPLE_MARK + code.example
    return text


def _timestamp(value) -> str:
    return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot hold (control characters pasted from a
    word processor): only for attributes and memos, never for the texts whose offsets count."""
    return _NOT_XML.sub("", value)


# --- codebook -------------------------------------------------------------------------------------


def codebook_tree(codes) -> dict:
    """{parent_id: [codes in order]} of a project's codes (None: the top level)."""
    children = defaultdict(list)
    for code in codes:
        children[code.parent_id].append(code)
    return children


def _code_element(tag_ns: str, code, children: dict, *, with_noteref: bool = False) -> etree._Element:
    element = etree.Element(
        f"{{{tag_ns}}}Code",
        guid=str(code.guid),
        name=xml_text(code.name),
        isCodable="true",
        color=code.colour.upper(),
    )
    description = code_description(code)
    if description:
        etree.SubElement(element, f"{{{tag_ns}}}Description").text = xml_text(description)
    for child in children.get(code.pk, []):
        element.append(_code_element(tag_ns, child, children))
    return element


def project_codes(project):
    from territoires.diagnostic.coding.models import Code

    return list(Code.objects.filter(project=project).order_by("position", "name", "pk"))


def codebook_xml(project) -> bytes:
    """The project's codebook as a `.qdc` document (urn:QDA-XML:codebook:1.0)."""
    children = codebook_tree(project_codes(project))
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS}, origin=ORIGIN)
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    for code in children.get(None, []):
        codes.append(_code_element(CODEBOOK_NS, code, children))
    if not len(codes):
        # The schema wants at least one code: an empty codebook is refused before (services.py).
        raise ValueError("empty codebook")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- project --------------------------------------------------------------------------------------


def _scope(project, territory):
    from territoires.diagnostic.coding.models import Coding
    from territoires.diagnostic.expression.models import Expression
    from territoires.diagnostic.interviews.models import Transcript

    transcripts = Transcript.objects.filter(interview__project=project)
    codings = Coding.objects.filter(project=project)
    expressions = Expression.objects.filter(project=project, codings__isnull=False)
    if territory is not None:
        transcripts = transcripts.filter(interview__territory=territory)
        codings = codings.filter(territory=territory)
        expressions = expressions.filter(territory=territory)
    return transcripts.order_by("pk"), codings, expressions.distinct().order_by("pk")


def _expression_guid(expression) -> str:
    # Residents' texts carry no guid of their own: one derived from the project and the text's number.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL.rstrip('/')}/parole/{expression.pk}"))


def write_qdpx(output, *, project, territory=None, requested_by=None) -> dict:
    """Writes the project's coding (or one territory's) as a `.qdpx` ZIP into `output` (a path or
    a binary file open for writing); returns counts for the exchange's summary."""
    import zipfile

    transcripts, codings, expressions = _scope(project, territory)
    territory_names = {p.pk: p.organisation.name for p in project.participations.select_related("organisation").all()}
    counts = {"sources": 0, "codings": 0, "codes": 0, "memos": 0, "coders": 0}
    expression_guids = {}
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as archive:
        # Pass 1: the texts, one in memory at a time.
        for transcript_guid, text in transcripts.values_list("guid", "text").iterator(chunk_size=50):
            archive.writestr(f"sources/{transcript_guid}.txt", text.encode("utf-8"))
            counts["sources"] += 1
        for expression in expressions.only("pk", "text").iterator(chunk_size=200):
            guid = expression_guids[expression.pk] = _expression_guid(expression)
            archive.writestr(f"sources/{guid}.txt", expression.text.encode("utf-8"))
            counts["sources"] += 1
        # Pass 2: project.qde, streamed.
        with archive.open("project.qde", "w", force_zip64=True) as stream:
            _write_project_qde(
                stream,
                project=project,
                territory=territory,
                transcripts=transcripts,
                codings=codings,
                expressions=expressions,
                expression_guids=expression_guids,
                territory_names=territory_names,
                requested_by=requested_by,
                counts=counts,
            )
    return counts


def _write_project_qde(stream, *, project, territory, transcripts, codings, expressions, expression_guids,
                       territory_names, requested_by, counts) -> None:  # fmt: skip
    from territoires.accounts.models import User

    ns = PROJECT_NS
    coder_ids = set(codings.exclude(coder__isnull=True).values_list("coder_id", flat=True).distinct())
    if requested_by is not None:
        coder_ids.add(requested_by.pk)
    users = list(User.objects.filter(pk__in=coder_ids).order_by("pk"))
    counts["coders"] = len(users)
    codes = project_codes(project)
    counts["codes"] = len(codes)
    children = codebook_tree(codes)
    name = str(project.title) if territory is None else f"{project.title} — {territory_names.get(territory.pk, '')}"
    name = xml_text(name)
    attributes = {"name": name, "origin": ORIGIN, "creationDateTime": _timestamp(timezone.now())}
    if requested_by is not None:
        attributes["creatingUserGUID"] = user_guid(requested_by.pk)

    with etree.xmlfile(stream, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{ns}}}Project", nsmap={None: ns}, **attributes):
            if users:
                with xf.element(f"{{{ns}}}Users"):
                    for user in users:
                        xf.write(
                            etree.Element(f"{{{ns}}}User", guid=user_guid(user.pk), name=xml_text(user_label(user)))
                        )
            if codes:
                with xf.element(f"{{{ns}}}CodeBook"), xf.element(f"{{{ns}}}Codes"):
                    for code in children.get(None, []):
                        xf.write(_code_element(ns, code, children))
            sources = list(
                transcripts.values_list(
                    "pk", "guid", "interview__title", "interview__territory_id", "interview__held_on",
                    "interview__kind", "updated_at",
                )
            )  # fmt: skip
            expression_rows = list(expressions.values_list("pk", "territory_id", "submitted_at"))
            _write_cases(xf, ns, sources, expression_rows, expression_guids, territory_names)
            if sources or expression_rows:
                with xf.element(f"{{{ns}}}Sources"):
                    _write_sources(xf, ns, sources, codings.filter(transcript__isnull=False), "transcript_id",
                                   territory_names, counts)  # fmt: skip
                    expression_sources = [
                        (pk, expression_guids[pk], None, territory_id, None, "expression", submitted_at)
                        for pk, territory_id, submitted_at in expression_rows
                    ]
                    _write_sources(xf, ns, expression_sources, codings.filter(expression__isnull=False),
                                   "expression_id", territory_names, counts)  # fmt: skip
            # Pass 3: the memos, each a note that its selection points to.
            memos = codings.exclude(memo="").order_by("pk").values_list("guid", "memo", "coder_id", "created_at")
            first = True
            for coding_guid, memo, coder_id, created_at in memos.iterator(chunk_size=CHUNK):
                if first:
                    notes = xf.element(f"{{{ns}}}Notes")
                    notes.__enter__()
                    first = False
                note = etree.Element(
                    f"{{{ns}}}Note", guid=derived_guid(coding_guid, "memo"), name="Mémo",
                    creationDateTime=_timestamp(created_at),
                )  # fmt: skip
                if coder_id:
                    note.set("creatingUser", user_guid(coder_id))
                etree.SubElement(note, f"{{{ns}}}PlainTextContent").text = xml_text(memo)
                xf.write(note)
                counts["memos"] += 1
            if not first:
                notes.__exit__(None, None, None)


def _write_cases(xf, ns, sources, expression_rows, expression_guids, territory_names) -> None:
    """One case per territory, holding its sources: the tools group and compare by case."""
    by_territory = defaultdict(list)
    for _pk, guid, _title, territory_id, *_rest in sources:
        by_territory[territory_id].append(str(guid))
    for pk, territory_id, _submitted in expression_rows:
        by_territory[territory_id].append(expression_guids[pk])
    if not by_territory:
        return
    with xf.element(f"{{{ns}}}Cases"):
        for territory_id in sorted(by_territory):
            case = etree.Element(
                f"{{{ns}}}Case",
                guid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL.rstrip('/')}/territoires/{territory_id}")),
                name=xml_text(territory_names.get(territory_id, "")),
            )
            for guid in by_territory[territory_id]:
                etree.SubElement(case, f"{{{ns}}}SourceRef", targetGUID=guid)
            xf.write(case)


def _write_sources(xf, ns, sources, codings, source_field, territory_names, counts) -> None:
    rows = (
        codings.order_by(source_field, "start", "pk")
        .values_list(source_field, "guid", "start", "end", "quote", "code__guid", "coder_id", "created_at", "memo")
        .iterator(chunk_size=CHUNK)
    )
    grouped = itertools.groupby(rows, key=lambda row: row[0])
    pending = next(grouped, None)
    for pk, guid, title, territory_id, held_on, kind, changed_at in sources:
        territory = territory_names.get(territory_id, "")
        if kind == "expression":
            name = f"Texte d'habitant n° {pk} — {territory}"
            description = f"Expression écrite d'un·e habitant·e ({territory})."
        else:
            name = f"{title} — {territory}"
            description = f"Entretien du {held_on:%d/%m/%Y}, {territory}."
        source = etree.Element(
            f"{{{ns}}}TextSource",
            guid=str(guid),
            name=xml_text(name[:250]),
            plainTextPath=f"internal://{guid}.txt",
            creationDateTime=_timestamp(changed_at),
        )
        etree.SubElement(source, f"{{{ns}}}Description").text = xml_text(description)
        while pending is not None and pending[0] < pk:
            pending = next(grouped, None)  # codings of a source outside the scope (cannot happen: same filter)
        if pending is not None and pending[0] == pk:
            for _source, coding_guid, start, end, quote, code_guid, coder_id, created_at, memo in pending[1]:
                selection = etree.SubElement(
                    source,
                    f"{{{ns}}}PlainTextSelection",
                    guid=str(coding_guid),
                    name=xml_text(quote[:100]),
                    startPosition=str(start),
                    endPosition=str(end),
                    creationDateTime=_timestamp(created_at),
                )
                if coder_id:
                    selection.set("creatingUser", user_guid(coder_id))
                coding = etree.SubElement(
                    selection, f"{{{ns}}}Coding", guid=derived_guid(coding_guid, "coding"),
                    creationDateTime=_timestamp(created_at),
                )  # fmt: skip
                if coder_id:
                    coding.set("creatingUser", user_guid(coder_id))
                etree.SubElement(coding, f"{{{ns}}}CodeRef", targetGUID=str(code_guid))
                if memo:
                    etree.SubElement(selection, f"{{{ns}}}NoteRef", targetGUID=derived_guid(coding_guid, "memo"))
                counts["codings"] += 1
            pending = next(grouped, None)
        xf.write(source)
