"""Exports read back as an analyst would: CSV with the csv module (both delimiters), XLSX with
openpyxl, SPSS with pyreadstat, the codebook; weights, the synthetic flag, what is never exported."""

import csv
import io
import uuid

import openpyxl
import pyreadstat
import pytest

from territoires.surveys import exports
from territoires.surveys.models import ContactRequest, Export, PopulationCell, Question, Response, Section
from tests.surveys.factories import make_survey, valid_answers

pytestmark = pytest.mark.django_db

SECRET_EMAIL = "habitante.secrete@exemple.fr"


def answer(built, deployment=None, synthetic=False, channel="online", **overrides):
    return Response.objects.create(
        survey=built.survey,
        deployment=deployment or built.deployment,
        structure_version=built.survey.structure_version,
        channel=channel,
        idempotency_key=uuid.uuid4(),
        answers=valid_answers(**overrides),
        age_band=overrides.get("age", "25-34"),
        gender=overrides.get("genre", "f"),
        is_synthetic=synthetic,
    )


@pytest.fixture
def built():
    built = make_survey()
    first, second = built.deployments[0], built.deployments[1]
    # Census margins for the first territory only: its rows are weighted, the others' are not.
    for band, female, male in [("15-24", 900, 950), ("25-34", 1000, 980), ("35-49", 1500, 1400)]:
        PopulationCell.objects.create(deployment=first, age_band=band, gender="f", population=female, year=2018)
        PopulationCell.objects.create(deployment=first, age_band=band, gender="m", population=male, year=2018)
    built.happy = answer(built)
    built.unhappy = answer(
        built,
        unhappy=True,
        age="15-24",
        genre="m",
        lieux=["musee", "cine"],
        lieux__other=None,
        commentaire='=HYPERLINK("http://exemple.fr")',
    )
    built.synthetic = answer(built, synthetic=True, age="35-49", satisfaction="nsp")
    built.elsewhere = answer(built, deployment=second, channel="field", age="35-49", genre="m")
    # Both genders in every age band of the weighted territory, so that raking converges.
    built.others = [
        answer(built, age=band, genre=gender) for band, gender in [("15-24", "f"), ("25-34", "m"), ("35-49", "m")]
    ]
    ContactRequest.objects.create(deployment=first, email=SECRET_EMAIL)
    ContactRequest.objects.create(deployment=second, email=SECRET_EMAIL)
    return built


def csv_rows(built, delimiter=",", deployment=None):
    stream = io.StringIO(newline="")
    count = exports.write_csv(built.survey, stream, deployment=deployment, delimiter=delimiter)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue(), newline=""), delimiter=delimiter))
    assert count == len(rows)
    return stream.getvalue(), {int(row["id"]): row for row in rows}


def test_csv_has_one_row_per_response_one_column_per_answer(built):
    text, rows = csv_rows(built)
    header = text.splitlines()[0].split(",")
    assert header[:7] == ["id", "territoire", "canal", "recue_le", "synthetique", "poids", "feuille_papier"]
    assert header[7:11] == ["age", "genre", "quartier", "cp"]
    assert [name for name in header if name.startswith("lieux")] == [
        "lieux_bib",
        "lieux_musee",
        "lieux_cine",
        "lieux_theatre",
        "lieux_concert",
        "lieux_autre",
        "lieux_autre_texte",
    ]
    assert set(rows) == {built.happy.pk, built.unhappy.pk, built.synthetic.pk, built.elsewhere.pk} | {
        response.pk for response in built.others
    }
    happy = rows[built.happy.pk]
    assert happy["territoire"] == built.deployment.participation.organisation.name
    assert happy["canal"] == "online"
    assert happy["frequence"] == "souvent"
    assert (happy["lieux_bib"], happy["lieux_musee"], happy["lieux_autre"]) == ("1", "0", "1")
    assert happy["lieux_autre_texte"] == "Un festival"
    assert happy["satisfaction"] == "4"
    assert happy["nb_sorties"] == "12"
    # The "avis" section was hidden: its matrix and ranking columns stay empty.
    assert happy["offre_prix"] == happy["priorites_a"] == ""
    unhappy = rows[built.unhappy.pk]
    assert (unhappy["lieux_bib"], unhappy["lieux_musee"], unhappy["lieux_cine"], unhappy["lieux_autre"]) == (
        "0",
        "1",
        "1",
        "0",
    )
    # Ranking: the rank of each option (1 = first); matrix: one column per row, "nsp" kept.
    assert (unhappy["priorites_a"], unhappy["priorites_b"], unhappy["priorites_c"]) == ("1", "3", "2")
    assert (unhappy["offre_prix"], unhappy["offre_horaires"], unhappy["offre_acces"]) == ("1", "3", "nsp")
    assert rows[built.synthetic.pk]["satisfaction"] == "nsp"
    assert rows[built.elsewhere.pk]["canal"] == "field"


def test_synthetic_flag_is_a_column(built):
    _text, rows = csv_rows(built)
    assert rows[built.synthetic.pk]["synthetique"] == "1"
    assert rows[built.happy.pk]["synthetique"] == "0"


def test_weights_column_matches_the_dashboard_weights_and_is_empty_without_margins(built):
    from territoires.surveys.analytics.weighting import survey_weighting

    _text, rows = csv_rows(built)
    dashboard = survey_weighting(built.survey)
    assert dashboard.territories[built.deployment.pk].weighted
    from territoires.surveys.analytics.weighting import weights_for

    expected = weights_for(built.survey)
    for pk in (built.happy.pk, built.unhappy.pk, built.synthetic.pk):
        assert float(rows[pk]["poids"]) == pytest.approx(expected[pk], abs=1e-6)
    # Different age bands in a weighted territory get different weights.
    assert rows[built.happy.pk]["poids"] != rows[built.unhappy.pk]["poids"]
    assert rows[built.elsewhere.pk]["poids"] == ""


def test_csv_semicolon_reads_back_with_the_same_columns(built):
    comma, comma_rows = csv_rows(built)
    semicolon, semicolon_rows = csv_rows(built, delimiter=";")
    assert semicolon.splitlines()[0].split(";") == comma.splitlines()[0].split(",")
    assert semicolon_rows == comma_rows


def test_text_that_a_spreadsheet_would_run_is_neutralised(built):
    _text, rows = csv_rows(built)
    assert rows[built.unhappy.pk]["commentaire"] == '\'=HYPERLINK("http://exemple.fr")'


def test_a_territory_export_contains_only_its_rows_and_questions(built):
    second = built.deployments[1]
    own = Question.objects.create(
        survey=built.survey,
        section=Section.objects.get(survey=built.survey, position=3),
        position=5,
        code="question_locale",
        kind=Question.Kind.SHORT_TEXT,
        label="Question propre au premier territoire",
        participation=built.deployment.participation,
    )
    text, rows = csv_rows(built, deployment=second)
    assert set(rows) == {built.elsewhere.pk}
    assert own.code not in text.splitlines()[0]
    _text, all_rows = csv_rows(built)
    assert own.code in _text.splitlines()[0]


def build(built, format, user=None, **options):
    export = Export.objects.create(
        survey=built.survey,
        requested_by=user or built.project_ns.facilitator,
        format=format,
        deployment=options.pop("deployment", None),
        options={"delimiter": ",", "bom": False, **options},
    )
    export = exports.export_build_file(export_id=export.pk)
    assert export.status == Export.Status.DONE, export.error
    return export


def test_export_file_never_contains_contact_addresses(built):
    for format in (Export.Format.CSV, Export.Format.XLSX, Export.Format.SAV, Export.Format.CODEBOOK):
        export = build(built, format)
        with export.file.open("rb") as stream:
            content = stream.read()
        assert SECRET_EMAIL.encode() not in content
        assert b"secrete" not in content
        if format == Export.Format.XLSX:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
            for sheet in workbook.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    assert not any(isinstance(value, str) and "@" in value for value in row)


def test_csv_with_bom_for_excel(built):
    export = build(built, Export.Format.CSV, delimiter=";", bom=True)
    with export.file.open("rb") as stream:
        content = stream.read()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "id"
    assert len(rows) == 8
    assert export.row_count == 7


def test_xlsx_reads_back_with_openpyxl(built):
    export = build(built, Export.Format.XLSX)
    with export.file.open("rb") as stream:
        workbook = openpyxl.load_workbook(io.BytesIO(stream.read()))
    sheet = workbook["Réponses"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:6] == ["id", "territoire", "canal", "recue_le", "synthetique", "poids"]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    happy = by_id[built.happy.pk]
    assert happy["lieux_bib"] == 1 and happy["lieux_musee"] == 0
    assert happy["satisfaction"] == 4
    assert isinstance(happy["poids"], float)
    assert by_id[built.elsewhere.pk]["poids"] is None
    assert by_id[built.synthetic.pk]["synthetique"] == 1
    # A formula-like answer is a plain string, never a formula.
    cell = next(
        c
        for c in sheet[[r[0] for r in rows].index(built.unhappy.pk) + 1]
        if c.column == header.index("commentaire") + 1
    )
    assert cell.data_type == "s"
    variables = list(workbook["Variables"].iter_rows(values_only=True))
    assert variables[0][0] == "variable"
    assert [row[0] for row in variables[1:]] == header


def test_sav_has_variable_and_value_labels(built):
    export = build(built, Export.Format.SAV)
    path = export.file.path
    frame, meta = pyreadstat.read_sav(path, user_missing=True)
    assert len(frame) == 7
    labels = meta.column_names_to_labels
    assert labels["satisfaction"] == "Êtes-vous satisfait de l'offre culturelle ?"
    assert labels["lieux_bib"].endswith("Médiathèque")
    values = meta.variable_value_labels
    assert values["lieux_bib"] == {0: "Non", 1: "Oui"}
    assert values["frequence"] == {1: "Jamais", 2: "Rarement", 3: "Souvent"}
    assert values["satisfaction"][99] == "Ne sait pas"
    assert meta.missing_ranges["satisfaction"] == [{"lo": 99.0, "hi": 99.0}]
    assert values["genre"][1] == "Femme"
    rows = frame.set_index("id")
    assert rows.loc[built.happy.pk, "frequence"] == 3
    assert rows.loc[built.happy.pk, "lieux_autre_texte"] == "Un festival"
    assert rows.loc[built.synthetic.pk, "satisfaction"] == 99
    assert rows.loc[built.synthetic.pk, "synthetique"] == 1
    assert rows.loc[built.happy.pk, "poids"] > 0
    assert meta.original_variable_types["recue_le"].startswith("DATETIME")


def test_sav_keeps_long_accented_texts_dates_and_missing_values(built, tmp_path):
    """Texts longer than SPSS's 255-byte string segments come back whole; unanswered numbers are
    system-missing, unanswered texts blank; the reception time is a DATETIME."""
    long_text = "Une médiathèque ouverte le dimanche, près de chez moi. " * 60  # ~3,400 bytes
    long_answer = answer(built, unhappy=True, pourquoi=long_text.strip(), nb_sorties=None, commentaire="")
    path = tmp_path / "export.sav"
    count = exports.write_sav(built.survey, str(path))
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert count == len(frame) == 8
    rows = frame.set_index("id")
    assert rows.loc[long_answer.pk, "pourquoi"] == long_text.strip()
    assert rows.loc[built.happy.pk, "pourquoi"] == ""
    assert rows.loc[long_answer.pk, "nb_sorties"] != rows.loc[long_answer.pk, "nb_sorties"]  # NaN
    assert rows.loc[built.happy.pk, "nb_sorties"] == 12
    received = rows.loc[built.happy.pk, "recue_le"]
    assert received.year == built.happy.submitted_at.year and received.tzinfo is None
    assert meta.file_label == built.survey.title[:64]


def test_sav_holds_the_rows_stored_before_it_started(built, tmp_path, monkeypatch):
    """The rows are read twice (texts are measured first): an answer stored between the two
    readings waits for the next export, and an answer deleted in between fails the export with a
    message instead of a file announcing rows it does not hold."""
    real_flat_rows = exports.flat_rows
    calls = []

    def flat_rows_then(action):
        def flat_rows(*args, **kwargs):
            calls.append(kwargs.get("up_to_id"))
            if len(calls) == 2:
                action()
            return real_flat_rows(*args, **kwargs)

        return flat_rows

    monkeypatch.setattr(exports, "flat_rows", flat_rows_then(lambda: answer(built)))
    path = tmp_path / "export.sav"
    assert exports.write_sav(built.survey, str(path)) == 7
    frame, _meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 7 and calls[1] == max(frame["id"])

    calls.clear()
    monkeypatch.setattr(exports, "flat_rows", flat_rows_then(lambda: built.others[0].delete()))
    with pytest.raises(exports.ExportError, match="supprimées pendant l'export"):
        exports.write_sav(built.survey, str(tmp_path / "again.sav"))


def test_codebook_lists_every_column_with_codes_and_conditions(built):
    export = build(built, Export.Format.CODEBOOK)
    with export.file.open("r") as stream:
        rows = list(csv.DictReader(stream))
    by_name = {row["variable"]: row for row in rows}
    _text, _rows = csv_rows(built)
    assert list(by_name) == _text.splitlines()[0].split(",")
    assert "nsp = Ne sait pas" in by_name["satisfaction"]["valeurs (code = libellé)"]
    assert "jamais = Jamais" in by_name["frequence"]["valeurs (code = libellé)"]
    assert by_name["nb_sorties"]["condition d'affichage"] == "frequence ∉ {jamais}"
    assert by_name["pourquoi"]["condition d'affichage"] == "section : satisfaction ≤ 2"
    assert by_name["age"]["obligatoire"] == "oui"
    assert by_name["poids"]["type"] == "poids"
    assert export.row_count == len(rows)


def test_variable_names_are_safe_and_unique():
    taken = set()
    assert exports.variable_name("1-abc", taken) == "v1_abc"
    assert exports.variable_name("ABC", {"abc"}) == "ABC_2"
    assert len(exports.variable_name("x" * 200, taken)) <= 64
