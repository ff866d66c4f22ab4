"""Reading a `.qdc` codebook or a `.qdpx` project that someone uploaded, without trusting it.

In this order, each step naming every problem it finds (in French) and the import stopping before
anything is written when there is one (`ExchangeFileError`):

1. the archive: ZIP bounds of core/archives.py (members, inflated total, compression ratio — a
   "zip bomb" is refused before anything is inflated), no member whose name leaves the archive
   (absolute, `..`, drive letters), `project.qde` present, each member read with a byte limit;
2. the XML: no DTD at all (so no entity, internal or external), no network, no huge tree;
3. the schema: the vendored REFI-QDA XSD (schemas/), with the line of each violation;
4. the meaning: unique guids, every reference (code, user, note, source file) known, every source
   file inside the archive's `sources/` folder and UTF-8 text, every selection's positions inside
   its text, names and texts within the platform's limits.

Sources other than text (pictures, PDF, audio, video) cannot be coded here: they are left out and
counted in `skipped`, never an error.
"""

import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from lxml import etree

from territoires.core.archives import inspect_zip, read_member
from territoires.diagnostic.qdpx.schema import (
    CODEBOOK_NS,
    PROJECT_NS,
    codebook_schema,
    project_schema,
    safe_parser,
    schema_errors,
)
from territoires.diagnostic.qdpx.writer import EXAMPLE_MARK

MAX_PROBLEMS = 30
CODE_NAME_MAX = 120
SOURCE_NAME_MAX = 200
NON_TEXT_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")


class ExchangeFileError(Exception):
    """The file cannot be imported; `problems` says why, each in French."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            self.problems.append(_("… et %(count)d autres problèmes.") % {"count": len(problems) - MAX_PROBLEMS})


@dataclass
class ParsedCode:
    guid: str
    name: str
    colour: str
    definition: str
    example: str
    parent_guid: str | None


@dataclass
class ParsedSelection:
    guid: str
    start: int
    end: int
    code_guids: list[str]
    user_guid: str | None
    memo: str


@dataclass
class ParsedSource:
    guid: str
    name: str
    text: str
    created: str
    selections: list[ParsedSelection] = field(default_factory=list)


@dataclass
class ParsedProject:
    name: str
    users: dict[str, str]
    codes: list[ParsedCode]
    sources: list[ParsedSource]
    skipped: int = 0


def _guid(value: str | None) -> str | None:
    """The canonical form of a REFI guid (braces and case vary between tools)."""
    if not value:
        return None
    try:
        return str(uuid.UUID(value.strip().strip("{}")))
    except ValueError:
        return None


def _colour(value: str | None) -> str:
    if not value:
        return ""
    value = value.strip()
    if len(value) == 4:  # #abc
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.lower()


def _has_doctype(data: bytes) -> bool:
    head = data[:65536].upper()
    return b"<!DOCTYPE" in head or "<!DOCTYPE".encode("utf-16-le") in head or "<!DOCTYPE".encode("utf-16-be") in head


def _parse_xml(data: bytes, *, what: str) -> etree._Element:
    if _has_doctype(data):
        raise ExchangeFileError(
            [_("%(what)s contient une déclaration DTD (<!DOCTYPE …>) : les fichiers REFI-QDA n'en ont pas "
               "et elle peut servir à une attaque (entités XML) ; le fichier est refusé.") % {"what": what}]
        )  # fmt: skip
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as error:
        raise ExchangeFileError(
            # The parser's own words are English and technical: the line and column say where to look.
            [_("%(what)s n'est pas un XML lisible : erreur de syntaxe ligne %(line)s, colonne %(column)s.")
             % {"what": what, "line": error.lineno or "?", "column": getattr(error, "offset", None) or "?"}]
        ) from None  # fmt: skip
    except ValueError:
        raise ExchangeFileError([_("%(what)s n'est pas un XML lisible.") % {"what": what}]) from None
    if root is None:
        raise ExchangeFileError([_("%(what)s est vide.") % {"what": what}])
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ExchangeFileError(
            [_("%(what)s contient une déclaration DTD (<!DOCTYPE …>) : les fichiers REFI-QDA n'en ont pas "
               "et elle peut servir à une attaque (entités XML) ; le fichier est refusé.") % {"what": what}]
        )  # fmt: skip
    return root


def _validate(root, schema, *, what: str) -> None:
    errors = schema_errors(root.getroottree(), schema)
    if errors:
        raise ExchangeFileError(
            [
                _("%(what)s, ligne %(line)s : non conforme au schéma REFI-QDA (%(message)s).")
                % {"what": what, "line": line, "message": message}
                for line, message in errors
            ]
        )


def _description(element, ns: str) -> str:
    node = element.find(f"{{{ns}}}Description")
    return (node.text or "").strip() if node is not None else ""


def _codes(container, ns: str, problems: list[str]) -> list[ParsedCode]:
    """The codes under `container` (a Codes element), parents before children."""
    codes: list[ParsedCode] = []
    seen: set[str] = set()

    def visit(element, parent_guid):
        guid = _guid(element.get("guid"))
        name = (element.get("name") or "").strip()
        if guid in seen:
            problems.append(_("Le code « %(name)s » reprend l'identifiant d'un autre code.") % {"name": name[:80]})
        seen.add(guid)
        if not name:
            problems.append(_("Un code n'a pas de nom (identifiant %(guid)s).") % {"guid": guid})
        elif len(name) > CODE_NAME_MAX:
            problems.append(
                _("Le nom du code « %(name)s… » dépasse %(max)d caractères.")
                % {"name": name[:60], "max": CODE_NAME_MAX}
            )
        node = element.find(f"{{{ns}}}Description")
        definition, _mark, example = (node.text or "" if node is not None else "").partition(EXAMPLE_MARK)
        codes.append(
            ParsedCode(
                guid=guid,
                name=name,
                colour=_colour(element.get("color")),
                definition=definition.strip(),
                example=example.strip(),
                parent_guid=parent_guid,
            )
        )
        for child in element.findall(f"{{{ns}}}Code"):
            visit(child, guid)

    for element in container.findall(f"{{{ns}}}Code"):
        visit(element, None)
    if len(codes) > settings.QDPX_MAX_CODES:
        problems.append(
            _("Le fichier contient %(count)d codes ; la limite est de %(max)d.")
            % {"count": len(codes), "max": settings.QDPX_MAX_CODES}
        )
    return codes


# --- .qdc -----------------------------------------------------------------------------------------


def read_qdc(handle) -> list[ParsedCode]:
    """The codes of an uploaded `.qdc` (a binary file), or ExchangeFileError."""
    limit = settings.QDPX_CODEBOOK_MAX_MB * 1024 * 1024
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise ExchangeFileError(
            [_("La grille de codage dépasse %(limit)s : ce n'est pas une grille.") % {"limit": filesizeformat(limit)}]
        )
    what = _("La grille de codage (.qdc)")
    if data[:2] == b"PK":
        raise ExchangeFileError(
            [_("Ce fichier est une archive ZIP (un projet .qdpx ?), pas une grille de codage .qdc : "
               "utilisez l'import de projet.")]
        )  # fmt: skip
    root = _parse_xml(data, what=what)
    if root.tag != f"{{{CODEBOOK_NS}}}CodeBook":
        raise ExchangeFileError(
            [_("Ce fichier n'est pas une grille de codage REFI-QDA : son élément racine est « %(tag)s », "
               "« CodeBook » (urn:QDA-XML:codebook:1.0) était attendu.") % {"tag": etree.QName(root).localname}]
        )  # fmt: skip
    _validate(root, codebook_schema(), what=what)
    problems: list[str] = []
    codes = _codes(root.find(f"{{{CODEBOOK_NS}}}Codes"), CODEBOOK_NS, problems)
    if problems:
        raise ExchangeFileError(problems)
    return codes


# --- .qdpx ----------------------------------------------------------------------------------------


def _unsafe_member(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return name.startswith(("/", "\\")) or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def read_qdpx(handle) -> ParsedProject:
    """What an uploaded `.qdpx` (a binary file, seekable) holds, or ExchangeFileError."""
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise ExchangeFileError(
            [_("Ce fichier n'est pas une archive ZIP lisible : un projet REFI-QDA (.qdpx) en est une.")]
        ) from None
    with archive:
        try:
            inspect_zip(archive, label=_("projet REFI-QDA"))
        except ValidationError as error:
            raise ExchangeFileError(list(error.messages)) from None
        names = archive.namelist()
        unsafe = [name for name in names if _unsafe_member(name)]
        if unsafe:
            raise ExchangeFileError(
                [_("L'archive contient un chemin qui sort de l'archive (« %(name)s ») : elle est refusée.")
                 % {"name": name[:120]} for name in unsafe[:5]]
            )  # fmt: skip
        members = {name.lower(): name for name in names}
        qde_name = members.get("project.qde")
        if qde_name is None:
            raise ExchangeFileError(
                [
                    _(
                        "L'archive ne contient pas de fichier « project.qde » à sa racine : ce n'est pas un projet REFI-QDA."
                    )
                ]
            )
        try:
            data = read_member(archive, qde_name, settings.QDPX_QDE_MAX_MB * 1024 * 1024)
        except ValidationError as error:
            raise ExchangeFileError([_("Fichier project.qde : ") + message for message in error.messages]) from None
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise ExchangeFileError(
                [_("Le fichier project.qde de l'archive est illisible (archive abîmée ou chiffrée).")]
            ) from None
        root = _parse_xml(data, what="project.qde")
        del data
        if root.tag != f"{{{PROJECT_NS}}}Project":
            raise ExchangeFileError(
                [_("project.qde n'est pas un projet REFI-QDA : son élément racine est « %(tag)s », "
                   "« Project » (urn:QDA-XML:project:1.0) était attendu.") % {"tag": etree.QName(root).localname}]
            )  # fmt: skip
        _validate(root, project_schema(), what="project.qde")
        return _project(root, archive, members)


def _read_source_file(archive, members, path: str, what: str, problems: list[str]) -> str | None:
    scheme, _sep, rest = path.partition("://")
    if scheme != "internal" or not rest or _unsafe_member(rest) or "/" in rest.strip("/"):
        problems.append(
            _("%(what)s : le chemin « %(path)s » ne désigne pas un fichier du dossier « sources » de l'archive ; "
              "seuls les fichiers internes sont lus.") % {"what": what, "path": path[:120]}
        )  # fmt: skip
        return None
    member = members.get(f"sources/{rest.strip('/')}".lower())
    if member is None:
        problems.append(
            _("%(what)s : le fichier « %(name)s » manque dans le dossier « sources » de l'archive.")
            % {"what": what, "name": rest[:120]}
        )
        return None
    try:
        data = read_member(archive, member, settings.QDPX_SOURCE_MAX_MB * 1024 * 1024)
    except ValidationError as error:
        problems.append(f"{what} : " + " ".join(error.messages))
        return None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        problems.append(_("%(what)s : le fichier « %(name)s » est illisible.") % {"what": what, "name": rest[:120]})
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(
            _("%(what)s : le fichier « %(name)s » n'est pas un texte UTF-8.") % {"what": what, "name": rest[:120]}
        )
        return None
    return text


def _project(root, archive, members) -> ParsedProject:
    ns = PROJECT_NS
    problems: list[str] = []
    users = {}
    for user in root.iterfind(f"{{{ns}}}Users/{{{ns}}}User"):
        users[_guid(user.get("guid"))] = (user.get("name") or "").strip()[:150]
    codebook = root.find(f"{{{ns}}}CodeBook/{{{ns}}}Codes")
    codes = _codes(codebook, ns, problems) if codebook is not None else []
    code_guids = {code.guid for code in codes}

    notes = {}
    for note in root.iterfind(f"{{{ns}}}Notes/{{{ns}}}Note"):
        guid = _guid(note.get("guid"))
        content = note.find(f"{{{ns}}}PlainTextContent")
        if content is not None:
            notes[guid] = (content.text or "").strip()
        elif note.get("plainTextPath"):
            text = _read_source_file(archive, members, note.get("plainTextPath"), _("Note « %(name)s »") % {
                "name": (note.get("name") or guid)[:80]}, problems)  # fmt: skip
            notes[guid] = (text or "").strip()
        else:
            notes[guid] = _description(note, ns)

    def known_user(guid_value, what):
        guid = _guid(guid_value)
        if guid is not None and guid not in users:
            problems.append(
                _("%(what)s : l'utilisateur %(guid)s n'est pas déclaré dans le projet.") % {"what": what, "guid": guid}
            )
        return guid

    def memo_of(elements, what):
        parts = []
        for element in elements:
            for ref in element.findall(f"{{{ns}}}NoteRef"):
                guid = _guid(ref.get("targetGUID"))
                if guid not in notes:
                    problems.append(
                        _("%(what)s : la note %(guid)s n'existe pas dans le projet.") % {"what": what, "guid": guid}
                    )
                elif notes[guid]:
                    parts.append(notes[guid])
        return "\n\n".join(parts)

    sources: list[ParsedSource] = []
    seen_guids: set[str] = set(code_guids)
    skipped = 0
    total_selections = 0
    container = root.find(f"{{{ns}}}Sources")
    for element in container if container is not None else []:
        kind = etree.QName(element).localname
        if kind in NON_TEXT_SOURCES:
            skipped += 1
            continue
        guid = _guid(element.get("guid"))
        name = (element.get("name") or "").strip() or _("Source sans nom")
        what = _("Source « %(name)s »") % {"name": name[:80]}
        if guid in seen_guids:
            problems.append(_("%(what)s : son identifiant est déjà celui d'un autre élément.") % {"what": what})
        seen_guids.add(guid)
        known_user(element.get("creatingUser"), what)
        content = element.find(f"{{{ns}}}PlainTextContent")
        if content is not None:
            text = content.text or ""
        elif element.get("plainTextPath"):
            text = _read_source_file(archive, members, element.get("plainTextPath"), what, problems)
            if text is None:
                continue
        else:
            problems.append(_("%(what)s : elle n'a pas de texte brut (ni contenu, ni fichier texte).") % {"what": what})
            continue
        if "\x00" in text:
            problems.append(
                _("%(what)s : le texte contient des caractères nuls, ce n'est pas un texte.") % {"what": what}
            )
            continue
        if len(text) > settings.QDPX_SOURCE_MAX_CHARS:
            problems.append(
                _("%(what)s : le texte dépasse %(max)d caractères.")
                % {"what": what, "max": settings.QDPX_SOURCE_MAX_CHARS}
            )
            continue
        source = ParsedSource(
            guid=guid, name=name[:SOURCE_NAME_MAX], text=text, created=element.get("creationDateTime") or ""
        )
        # Codings on the whole source (no selection) have no passage: they are left out, like other tools do.
        for selection in element.findall(f"{{{ns}}}PlainTextSelection"):
            selection_guid = _guid(selection.get("guid"))
            where = _("%(what)s, sélection %(guid)s") % {"what": what, "guid": selection_guid}
            if selection_guid in seen_guids:
                problems.append(_("%(what)s : son identifiant est déjà celui d'un autre élément.") % {"what": where})
            seen_guids.add(selection_guid)
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            if not 0 <= start < end <= len(text):
                problems.append(
                    _("%(what)s : les positions %(start)d–%(end)d sont hors du texte (%(length)d caractères).")
                    % {"what": where, "start": start, "end": end, "length": len(text)}
                )
                continue
            codings = selection.findall(f"{{{ns}}}Coding")
            code_refs = []
            for coding in codings:
                ref = _guid(coding.find(f"{{{ns}}}CodeRef").get("targetGUID"))
                if ref not in code_guids:
                    problems.append(
                        _("%(what)s : le code %(guid)s n'existe pas dans la grille du projet.")
                        % {"what": where, "guid": ref}
                    )
                else:
                    code_refs.append(ref)
            user = known_user(selection.get("creatingUser"), where)
            if codings and not user:
                user = known_user(codings[0].get("creatingUser"), where)
            memo = "\n\n".join(
                part for part in (_description(selection, ns), memo_of([selection, *codings], where)) if part
            )
            if code_refs:
                source.selections.append(ParsedSelection(selection_guid, start, end, code_refs, user, memo))
                total_selections += len(code_refs)
        sources.append(source)
        if len(sources) > settings.QDPX_MAX_SOURCES:
            problems.append(_("Le projet contient plus de %(max)d sources.") % {"max": settings.QDPX_MAX_SOURCES})
            break
    if total_selections > settings.QDPX_MAX_CODINGS:
        problems.append(
            _("Le projet contient %(count)d codages ; la limite est de %(max)d.")
            % {"count": total_selections, "max": settings.QDPX_MAX_CODINGS}
        )
    if not sources and not codes:
        problems.append(_("Le projet ne contient ni grille de codage ni source texte : rien à importer."))
    if problems:
        raise ExchangeFileError(problems)
    return ParsedProject(
        name=(root.get("name") or "").strip()[:200], users=users, codes=codes, sources=sources, skipped=skipped
    )
