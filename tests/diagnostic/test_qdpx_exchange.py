"""REFI-QDA exchange: the `.qdpx` and `.qdc` the platform writes validate against the published
schemas, survive a round trip into an empty project exactly (codes, hierarchy, offsets, quotes,
memos), and hostile or malformed files are refused with every problem named and nothing changed."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import etree

from territoires.core.models import AuditEvent
from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.interviews.models import Interview, Transcript
from territoires.diagnostic.qdpx import reader, services, writer
from territoires.diagnostic.qdpx.models import CodingExchange
from territoires.diagnostic.qdpx.schema import codebook_schema, project_schema, safe_parser
from tests.diagnostic.qdpx_helpers import TEXT_ONE, build_corpus, zip_bytes
from tests.factories import make_project

pytestmark = pytest.mark.django_db

GUID = "6f0e4b4e-2f7b-4c36-9d55-6f2d1c1a0b01"
CODE_GUID = "6f0e4b4e-2f7b-4c36-9d55-6f2d1c1a0b02"
SOURCE_GUID = "6f0e4b4e-2f7b-4c36-9d55-6f2d1c1a0b03"


def export_bytes(project, territory=None, user=None) -> bytes:
    buffer = io.BytesIO()
    writer.write_qdpx(buffer, project=project, territory=territory, requested_by=user)
    return buffer.getvalue()


def qde_of(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read("project.qde"), safe_parser()), archive.namelist()


def qde(body: str, *, users=True) -> str:
    users_xml = f'<Users><User guid="{GUID}" name="Chercheuse"/></Users>' if users else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="Projet importé">{users_xml}'
        f'<CodeBook><Codes><Code guid="{CODE_GUID}" name="Accès" isCodable="true" color="#123456"/></Codes></CodeBook>'
        f"{body}</Project>"
    )


def source(text="Bonjour le quartier", start=0, end=7, code=CODE_GUID, path=None):
    content = f'plainTextPath="{path}"' if path else ""
    inline = "" if path else f"<PlainTextContent>{text}</PlainTextContent>"
    return (
        f'<Sources><TextSource guid="{SOURCE_GUID}" name="Entretien A" {content}>{inline}'
        f'<PlainTextSelection guid="{GUID[:-2]}99" startPosition="{start}" endPosition="{end}" creatingUser="{GUID}">'
        f'<Coding guid="{GUID[:-2]}98"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
        "</TextSource></Sources>"
    )


# --- validity -------------------------------------------------------------------------------------


def test_the_project_and_the_codebook_validate_against_the_refi_qda_schemas():
    world = build_corpus()
    root, names = qde_of(export_bytes(world.project, user=world.consultant))
    assert project_schema().validate(root), project_schema().error_log
    assert "project.qde" in names
    assert f"sources/{world.t1.guid}.txt" in names
    assert f"sources/{world.t2.guid}.txt" in names
    codebook = etree.fromstring(writer.codebook_xml(world.project), safe_parser())
    assert codebook_schema().validate(codebook), codebook_schema().error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    # Hierarchy: Accès > Horaires > Fermeture estivale; memos as notes referenced by their selection.
    assert root.xpath(
        "//q:Code[@name='Accès']/q:Code[@name='Horaires']/q:Code[@name='Fermeture estivale']", namespaces=ns
    )
    assert len(root.xpath("//q:PlainTextSelection", namespaces=ns)) == 5
    assert len(root.xpath("//q:Notes/q:Note", namespaces=ns)) == 2
    assert {u.get("name") for u in root.xpath("//q:User", namespaces=ns)} >= {world.consultant.get_full_name()}


def test_a_territory_export_holds_that_territory_only():
    world = build_corpus()
    _root, names = qde_of(export_bytes(world.project, territory=world.y, user=world.consultant))
    assert f"sources/{world.t2.guid}.txt" in names
    assert f"sources/{world.t1.guid}.txt" not in names


def test_the_positions_count_characters_of_the_text_file():
    world = build_corpus()
    data = export_bytes(world.project)
    root, _names = qde_of(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read(f"sources/{world.t1.guid}.txt").decode("utf-8")
    assert text == TEXT_ONE
    summer = next(c for c in world.codings if c.code == world.summer)
    selection = root.xpath(f"//*[@guid='{summer.guid}']")[0]
    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    assert text[start:end] == summer.quote  # the emoji before the end counts as one character


# --- round trip -----------------------------------------------------------------------------------


def _snapshot(project):
    codes = {
        code.name: (code.parent.name if code.parent else None, code.colour, code.definition, code.example)
        for code in Code.objects.filter(project=project).select_related("parent")
    }
    codings = sorted(
        (c.code.name, c.start, c.end, c.quote, c.memo, c.coder_id,
         c.transcript.text if c.transcript_id else c.expression.text)
        for c in Coding.objects.filter(project=project).select_related("code", "transcript", "expression")
    )  # fmt: skip
    return codes, codings


def test_round_trip_into_an_empty_project_keeps_codes_hierarchy_offsets_quotes_and_memos():
    world = build_corpus()
    data = export_bytes(world.project, user=world.consultant)
    target = make_project(title="Projet vide")
    territory = target.project.participations.get(organisation=target.towns[0])
    parsed = reader.read_qdpx(io.BytesIO(data))
    counts = services.coding_project_import(
        territory=territory, user=target.consultant, parsed=parsed, file_name="a.qdpx"
    )
    assert counts["codes_created"] == 5 and counts["codings"] == 5 and counts["interviews"] == 3
    assert _snapshot(target.project) == _snapshot(world.project)
    imported = Transcript.objects.filter(interview__project=target.project)
    assert set(imported.values_list("source", flat=True)) == {Transcript.Source.QDPX}
    assert all(
        "Importé le" in notes
        for notes in Interview.objects.filter(project=target.project).values_list("notes", flat=True)
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CODING_IMPORTED, project_id=target.project.pk).exists()


def test_a_coder_unknown_here_is_named_in_the_memo():
    world = build_corpus()
    data = export_bytes(world.project)
    parsed = reader.read_qdpx(io.BytesIO(data))
    parsed.users = dict.fromkeys(parsed.users, "Autre chercheuse")
    for src in parsed.sources:
        for selection in src.selections:
            selection.user_guid = "00000000-0000-0000-0000-000000000001"
    parsed.users["00000000-0000-0000-0000-000000000001"] = "Autre chercheuse"
    target = make_project(title="Projet vide")
    territory = target.project.participations.get(organisation=target.towns[0])
    services.coding_project_import(territory=territory, user=target.consultant, parsed=parsed)
    memos = list(Coding.objects.filter(project=target.project).values_list("memo", "coder_id"))
    assert all(memo.startswith("Codé par « Autre chercheuse »") and coder is None for memo, coder in memos)


def test_codebook_merge_matches_by_guid_then_name_and_keeps_the_hierarchy():
    world = build_corpus()
    codes = reader.read_qdc(io.BytesIO(writer.codebook_xml(world.project)))
    target = make_project(title="Autre projet")
    Code.objects.create(project=target.project, name="accès", colour="#000000")  # same name, other case
    _mapping, counts = services.codebook_merge(project=target.project, codes=codes)
    assert counts == {"codes_created": 4, "codes_matched": 1}
    horaires = Code.objects.get(project=target.project, name="Horaires")
    assert horaires.parent.name == "accès"
    assert Code.objects.get(project=target.project, name="Fermeture estivale").parent == horaires
    # Again: every code is now known (by name or guid), nothing is created.
    _mapping, counts = services.codebook_merge(project=target.project, codes=codes)
    assert counts == {"codes_created": 0, "codes_matched": 5}
    # Into the same project: matched by guid.
    _mapping, counts = services.codebook_merge(project=world.project, codes=codes)
    assert counts == {"codes_created": 0, "codes_matched": 5}


# --- the task -------------------------------------------------------------------------------------


def test_export_task_builds_a_private_file_and_logs_it(django_capture_on_commit_callbacks, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    world = build_corpus()
    with django_capture_on_commit_callbacks(execute=True):
        exchange = services.coding_export_request(project=world.project, user=world.consultant, kind="export_qdpx")
    exchange.refresh_from_db()
    assert exchange.status == "done", exchange.errors
    assert exchange.summary["codings"] == 5 and exchange.summary["sources"] == 3
    assert exchange.file.path.startswith(str(tmp_path))
    assert not list(tmp_path.rglob("*.part"))
    with open(exchange.file.path, "rb") as handle:
        root, _names = qde_of(handle.read())
    assert project_schema().validate(root)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CODING_EXPORTED, project_id=world.project.pk).exists()


def test_a_second_click_while_pending_returns_the_same_export():
    world = build_corpus()
    first = services.coding_export_request(project=world.project, user=world.consultant, kind="export_qdc")
    again = services.coding_export_request(project=world.project, user=world.consultant, kind="export_qdc")
    assert first.pk == again.pk


def test_the_task_refuses_someone_who_lost_the_right(django_capture_on_commit_callbacks):
    world = build_corpus()
    exchange = CodingExchange.objects.create(
        project=world.project, kind="export_qdpx", requested_by=world.agents[0], token="x"
    )
    services.coding_exchange_run(exchange_id=exchange.pk)
    exchange.refresh_from_db()
    assert exchange.status == "failed" and "plus le droit" in exchange.errors[0]
    assert not exchange.file


def test_an_empty_codebook_export_fails_with_a_message():
    world = make_project()
    exchange = CodingExchange.objects.create(
        project=world.project, kind="export_qdc", requested_by=world.consultant, token="y"
    )
    services.coding_exchange_run(exchange_id=exchange.pk)
    exchange.refresh_from_db()
    assert exchange.status == "failed" and "vide" in exchange.errors[0]


# --- bad and hostile files --------------------------------------------------------------------------


def _import(world, territory, data: bytes, name="projet.qdpx", kind="import_qdpx"):
    exchange = services.coding_import_request(
        project=world.project, user=world.consultant, kind=kind, territory=territory,
        upload=SimpleUploadedFile(name, data),
    )  # fmt: skip
    services.coding_exchange_run(exchange_id=exchange.pk)
    exchange.refresh_from_db()
    return exchange


def _nothing_changed(world, before):
    assert _snapshot(world.project) == before
    assert Interview.objects.filter(project=world.project).count() == 2


BOMB_QDE = qde(source())


@pytest.mark.parametrize(
    ("label", "build", "expected"),
    [
        ("not a zip", lambda: b"%PDF-1.4 not a zip", "n'est pas une archive ZIP"),
        ("no project.qde", lambda: zip_bytes({"autre.xml": "<a/>"}), "project.qde"),
        ("path outside", lambda: zip_bytes({"project.qde": BOMB_QDE, "../../etc/passwd": "x"}), "sort de l'archive"),
        ("absolute path", lambda: zip_bytes({"project.qde": BOMB_QDE, "/etc/passwd": "x"}), "sort de l'archive"),
        (
            "zip bomb",
            lambda: zip_bytes({"project.qde": BOMB_QDE, "sources/big.txt": b"0" * (10 * 1024 * 1024)}),
            "bombe de décompression",
        ),
        (
            "entities",
            lambda: zip_bytes(
                {
                    "project.qde": '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;">]><Project xmlns="urn:QDA-XML:project:1.0" '
                    'name="&b;"/>'
                }
            ),
            "DTD",
        ),
        (
            "external entity",
            lambda: zip_bytes(
                {
                    "project.qde": '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM '
                    '"file:///etc/passwd">]><Project xmlns="urn:QDA-XML:project:1.0" '
                    'name="&x;"/>'
                }
            ),
            "DTD",
        ),
        ("not xml", lambda: zip_bytes({"project.qde": "ceci n'est pas du XML <"}), "XML lisible"),
        (
            "wrong root",
            lambda: zip_bytes({"project.qde": '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'}),
            "élément racine",
        ),
        (
            "wrong type",
            lambda: zip_bytes({"project.qde": qde(source()).replace('startPosition="0"', 'startPosition="dix"')}),
            "schéma REFI-QDA",
        ),
        ("offsets outside", lambda: zip_bytes({"project.qde": qde(source(end=9999))}), "hors du texte"),
        (
            "unknown code",
            lambda: zip_bytes({"project.qde": qde(source(code=GUID[:-2] + "77"))}),
            "n'existe pas dans la grille",
        ),
        ("unknown user", lambda: zip_bytes({"project.qde": qde(source(), users=False)}), "n'est pas déclaré"),
        (
            "source path outside",
            lambda: zip_bytes({"project.qde": qde(source(path="absolute:///etc/passwd"))}),
            "dossier « sources »",
        ),
        (
            "source traversal",
            lambda: zip_bytes({"project.qde": qde(source(path="internal://../project.qde"))}),
            "dossier « sources »",
        ),
        (
            "missing source file",
            lambda: zip_bytes({"project.qde": qde(source(path="internal://absent.txt"))}),
            "manque",
        ),
        (
            "binary source",
            lambda: zip_bytes(
                {"project.qde": qde(source(path="internal://a.txt")), "sources/a.txt": b"\xff\xfe\x00\x00binaire"}
            ),
            "UTF-8",
        ),
    ],
)
def test_a_bad_project_file_is_refused_with_its_problem_and_changes_nothing(label, build, expected, settings):
    settings.ARCHIVE_MAX_TOTAL_MB = 20
    world = build_corpus()
    before = _snapshot(world.project)
    exchange = _import(world, world.x, build())
    assert exchange.status == "failed", label
    assert any(expected in problem for problem in exchange.errors), exchange.errors
    _nothing_changed(world, before)


def test_every_problem_is_named_not_only_the_first():
    world = build_corpus()
    body = (
        f'<Sources><TextSource guid="{SOURCE_GUID}" name="A"><PlainTextContent>court</PlainTextContent>'
        f'<PlainTextSelection guid="{GUID[:-2]}11" startPosition="0" endPosition="99" creatingUser="{GUID}">'
        f'<Coding guid="{GUID[:-2]}12"><CodeRef targetGUID="{CODE_GUID}"/></Coding></PlainTextSelection>'
        f'<PlainTextSelection guid="{GUID[:-2]}13" startPosition="0" endPosition="3" creatingUser="{GUID}">'
        f'<Coding guid="{GUID[:-2]}14"><CodeRef targetGUID="{GUID[:-2]}15"/></Coding></PlainTextSelection>'
        "</TextSource></Sources>"
    )
    exchange = _import(world, world.x, zip_bytes({"project.qde": qde(body)}))
    assert exchange.status == "failed"
    assert len(exchange.errors) == 2
    assert "hors du texte" in exchange.errors[0] and "n'existe pas" in exchange.errors[1]


def test_a_good_minimal_project_from_another_tool_is_imported(django_capture_on_commit_callbacks):
    world = build_corpus()
    data = zip_bytes({"project.qde": qde(source(path="internal://a.txt")), "Sources/a.txt": "Bonjour le quartier"})
    exchange = _import(world, world.x, data)
    assert exchange.status == "done", exchange.errors
    assert exchange.summary["interviews"] == 1 and exchange.summary["codings"] == 1
    coding = Coding.objects.get(transcript__interview__title="Entretien A")
    # "Accès" is already in the project's codebook (by name): the existing code is used, as it is.
    assert coding.quote == "Bonjour" and coding.code == world.access and coding.code.colour == "#1f6feb"


def test_non_text_sources_are_left_out_and_counted():
    world = build_corpus()
    body = (
        source()[: -len("</Sources>")]
        + f'<PictureSource guid="{GUID[:-2]}55" name="Photo" path="internal://p.jpg"/></Sources>'
    )
    exchange = _import(world, world.x, zip_bytes({"project.qde": qde(body)}))
    assert exchange.status == "done", exchange.errors
    assert exchange.summary["skipped_sources"] == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"PK\x03\x04 not really", "archive ZIP"),
        (b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY e "x">]><CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', "DTD"),
        (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "schéma REFI-QDA"),
        (b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>', "élément racine"),
        (
            f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="{CODE_GUID}" name="{"x" * 130}" '
            'isCodable="true"/></Codes></CodeBook>'.encode(),
            "dépasse 120",
        ),
        (
            f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="{CODE_GUID}" name="A" isCodable="true"/>'
            f'<Code guid="{CODE_GUID}" name="B" isCodable="true"/></Codes></CodeBook>'.encode(),
            "identifiant d'un autre code",
        ),
    ],
)
def test_a_bad_codebook_is_refused_and_changes_nothing(data, expected):
    world = build_corpus()
    before = _snapshot(world.project)
    exchange = _import(world, None, data, name="grille.qdc", kind="import_qdc")
    assert exchange.status == "failed"
    assert any(expected in problem for problem in exchange.errors), exchange.errors
    assert _snapshot(world.project) == before


def test_a_huge_codebook_file_is_refused_before_parsing(settings):
    settings.QDPX_CODEBOOK_MAX_MB = 1
    world = build_corpus()
    exchange = _import(world, None, b"<" + b"a" * (2 * 1024 * 1024), name="grille.qdc", kind="import_qdc")
    assert exchange.status == "failed" and "dépasse" in exchange.errors[0]


def test_a_codebook_import_merges_and_is_logged():
    world = build_corpus()
    target = make_project(title="Cible")
    data = writer.codebook_xml(world.project)
    exchange = services.coding_import_request(
        project=target.project, user=target.consultant, kind="import_qdc", upload=SimpleUploadedFile("g.qdc", data)
    )
    services.coding_exchange_run(exchange_id=exchange.pk)
    exchange.refresh_from_db()
    assert exchange.status == "done" and exchange.summary == {"codes_created": 5, "codes_matched": 0}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CODEBOOK_IMPORTED, project_id=target.project.pk).exists()


def test_exchanges_and_their_files_go_after_seven_days(tmp_path, settings):
    import datetime
    import os

    from django.utils import timezone

    from territoires.diagnostic.personal_data import _purge_coding_exchanges

    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    world = build_corpus()
    old = CodingExchange.objects.create(
        project=world.project, kind="export_qdc", requested_by=world.consultant, token="o"
    )
    services.coding_exchange_run(exchange_id=old.pk)
    recent = CodingExchange.objects.create(
        project=world.project, kind="export_qdc", requested_by=world.facilitator, token="r"
    )
    services.coding_exchange_run(exchange_id=recent.pk)
    old.refresh_from_db()
    path = old.file.path
    assert os.path.exists(path)
    CodingExchange.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    assert _purge_coding_exchanges(timezone.now()) == 1
    assert not os.path.exists(path)
    assert list(CodingExchange.objects.filter(project=world.project).values_list("pk", flat=True)) == [recent.pk]
