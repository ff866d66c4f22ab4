"""Imports into a territory's directory: each preset against a sample in its real shape, encodings and
delimiters, coordinates (one field, two columns, Lambert-93), bad input (refused with a French message,
nothing changed), re-import changing nothing, atomicity, duplicates proposed and resolved, INSEE
population feeding core's table."""

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from territoires.core.population import PopulationFigure, band_totals
from territoires.diagnostic.imports import services
from territoires.diagnostic.imports.mapping import lambert93_to_lat_lon
from territoires.diagnostic.imports.models import DuplicateProposal, ImportJob
from territoires.diagnostic.models import Entry
from tests.diagnostic.helpers import make_entry, territory_of
from tests.factories import make_project

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"
VENUES = Path(__file__).resolve().parents[2] / "territoires" / "diagnostic" / "data" / "venues"
NIORT, BOURGES, GUICHEN = "79191", "18033", "35126"


@pytest.fixture
def world():
    world = make_project()
    for town, code in zip(world.towns, (NIORT, BOURGES, GUICHEN, "78361"), strict=True):
        town.insee_code = code
        town.save(update_fields=["insee_code"])
    return world


def upload(world, content: bytes, name: str, *, index=0, target="directory"):
    return services.import_upload(
        territory=territory_of(world, index), user=world.referents[index],
        uploaded_file=SimpleUploadedFile(name, content), target=target,
    )  # fmt: skip


def run(job, django_capture_on_commit_callbacks, **changes):
    """Configure with the recognised (or given) mapping, start, run the task inline."""
    options = {
        "preset": job.preset, "kind": job.kind or "place", "mapping": job.mapping, "source": job.source or "Mon fichier",
        "source_year": job.source_year or 2024, **changes,
    }  # fmt: skip
    job = services.import_configure(job=job, user=job.requested_by, **options)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(job=job, user=job.requested_by)
    job.refresh_from_db()
    return job


def sample(name):
    return (SAMPLES / name).read_bytes()


# --- Presets against real shapes -------------------------------------------------------------------


def test_basilic_preset_imports_the_territory_rows_only(world, django_capture_on_commit_callbacks):
    job = upload(world, sample("basilic.csv"), "base-des-lieux-et-des-equipements-culturels.csv")
    assert (job.preset, job.delimiter, job.encoding, job.kind) == ("basilic", ";", "utf-8-sig", "place")
    job = run(job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE, job.error
    niort = Entry.objects.filter(territory=territory_of(world))
    assert job.created_count == niort.count() == 10 and job.skipped_count == 14
    agesci = niort.get(source_ref="MUSE_79191_M0841")
    assert agesci.basilic_type == "musee" and agesci.source.startswith("Ministère de la Culture — Basilic")
    assert agesci.source_year == 2024 and agesci.status == Entry.Status.DRAFT
    assert agesci.latitude == Decimal("46.321065") and "79000 Niort" in agesci.address


def test_bpe_preset_reads_latin1_and_converts_lambert93(world, django_capture_on_commit_callbacks):
    job = upload(world, sample("bpe.csv"), "bpe23_ensemble.csv")
    assert (job.preset, job.encoding, job.delimiter) == ("bpe", "cp1252", ";")
    job = run(job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE, job.error
    entries = Entry.objects.filter(territory=territory_of(world))
    assert job.created_count == entries.count() == 11  # Niort's 10 venues + the unnamed cinema
    museum = entries.get(name="MUSÉE BERNARD D'AGESCI")
    # Back from Lambert-93 to within a metre of Muséofile's position.
    assert abs(float(museum.latitude) - 46.321065) < 1e-5 and museum.bpe_code == "F304"
    assert museum.basilic_type == "musee"
    cinema = entries.get(bpe_code="F303")
    assert cinema.name == "Cinéma (79191)" and cinema.latitude is None


def test_museofile_preset_on_the_real_file(world, django_capture_on_commit_callbacks):
    job = upload(world, (VENUES / "musees-de-france.csv").read_bytes(), "musees-de-france.csv")
    assert job.preset == "museofile" and job.delimiter == ","
    # Muséofile has no commune code: every row goes to the territory chosen; keep Niort's by hand.
    job = run(job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE, job.error
    agesci = Entry.objects.get(source_ref="M0841")
    assert agesci.name == "Musée Bernard d'Agesci" and agesci.website.startswith("https://")
    assert Decimal("-0.5") < agesci.longitude < Decimal("-0.4") and agesci.basilic_type == "musee"


def test_libraries_preset_on_the_real_file(world, django_capture_on_commit_callbacks):
    job = upload(world, (VENUES / "bibliotheques-publiques.csv").read_bytes(), "bibliotheques.csv")
    assert job.preset == "libraries"
    job = run(job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE and job.created_count == 15
    assert Entry.objects.get(source_ref="LI13139").capacity == 10


def test_festivals_preset_keeps_the_territory_festivals_as_engagements(world, django_capture_on_commit_callbacks):
    job = upload(world, (VENUES / "festivals.csv").read_bytes(), "festivals.csv")
    assert (job.preset, job.kind) == ("festivals", "engagement")
    job = run(job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE, job.error
    festivals = Entry.objects.filter(territory=territory_of(world))
    assert festivals.count() == 17 and set(festivals.values_list("engagement_type", flat=True)) == {"festival"}
    assert all(ref.startswith(f"FEST_{NIORT}_") for ref in festivals.values_list("source_ref", flat=True))
    assert job.skipped_count == 14  # Bourges, Mantes-la-Jolie and Guichen's neighbour


def test_xlsx_and_geojson_are_read(world, django_capture_on_commit_callbacks):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nom", "Adresse", "Latitude", "Longitude"])
    sheet.append(["Port Boinot", "Quai de la Préfecture, Niort", 46.3268, -0.4652])
    stream = io.BytesIO()
    workbook.save(stream)
    job = run(upload(world, stream.getvalue(), "lieux.xlsx"), django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE and Entry.objects.get(name="Port Boinot").latitude == Decimal("46.3268")
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nom": "Villa Pérochon"}, "geometry": {"type": "Point", "coordinates": [-0.4606, 46.3214]}}
    ]}  # fmt: skip
    job = upload(world, json.dumps(geojson).encode(), "lieux.geojson")
    mapping = {"name": "nom", "latlon": "géométrie (latitude, longitude)"}
    job = run(job, django_capture_on_commit_callbacks, mapping=mapping)
    villa = Entry.objects.get(name="Villa Pérochon")
    assert (villa.latitude, villa.longitude) == (Decimal("46.321400"), Decimal("-0.460600"))


def test_lambert93_conversion_matches_a_known_point():
    # Paris, Notre-Dame (IGN's example): x 652 469, y 6 862 035 → 48.8566 N, 2.3522 E.
    lat, lon = lambert93_to_lat_lon(652469.02, 6862035.26)
    assert abs(lat - 48.8566) < 1e-4 and abs(lon - 2.3522) < 1e-4


def test_pyproj_uses_no_network():
    import pyproj

    assert not pyproj.network.is_network_enabled()


# --- Idempotence, atomicity, duplicates -----------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(world, django_capture_on_commit_callbacks):
    run(upload(world, sample("basilic.csv"), "basilic.csv"), django_capture_on_commit_callbacks)
    before = list(Entry.objects.order_by("pk").values())
    again = run(upload(world, sample("basilic.csv"), "basilic.csv"), django_capture_on_commit_callbacks)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 10)
    assert list(Entry.objects.order_by("pk").values()) == before
    assert not DuplicateProposal.objects.exists()


def test_a_changed_row_updates_its_entry_but_not_a_person_edit(world, django_capture_on_commit_callbacks):
    from territoires.diagnostic.services import entry_update

    run(upload(world, sample("basilic.csv"), "basilic.csv"), django_capture_on_commit_callbacks)
    agesci = Entry.objects.get(source_ref="MUSE_79191_M0841")
    entry_update(entry=agesci, user=world.referents[0], data={"website": "https://agesci.example"})
    changed = sample("basilic.csv").replace(b"Mus\xc3\xa9e Bernard d'Agesci", b"Mus\xc3\xa9e d'Agesci")
    job = run(upload(world, changed, "basilic.csv"), django_capture_on_commit_callbacks)
    assert (job.updated_count, job.unchanged_count) == (1, 9)
    agesci.refresh_from_db()
    assert agesci.name == "Musée d'Agesci" and agesci.website == "https://agesci.example"


def test_an_import_failing_halfway_leaves_the_directory_as_it_was(world, django_capture_on_commit_callbacks):
    make_entry(world, "place", name="Salle existante")
    before = Entry.objects.count()
    job = upload(world, sample("basilic.csv"), "basilic.csv")
    with mock.patch("territoires.diagnostic.imports.services.propose_duplicates", side_effect=RuntimeError("boom")):
        job = run(job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED and "rien n'a été modifié" in job.error
    assert Entry.objects.count() == before and not job.line_errors.exists()


def test_duplicates_are_proposed_never_merged_and_resolved_with_the_merge_service(
    world, django_capture_on_commit_callbacks
):
    existing = make_entry(world, "place", name="Musée Bernard d'Agesci", address="26 avenue de Limoges, 79000 Niort")
    job = run(upload(world, sample("basilic.csv"), "basilic.csv"), django_capture_on_commit_callbacks)
    assert job.duplicate_count == 1
    proposal = DuplicateProposal.objects.get()
    assert proposal.existing == existing and proposal.reason == "similar" and proposal.score >= 85
    assert Entry.objects.current().filter(name__icontains="Agesci").count() == 2  # nothing merged silently
    kept = services.duplicate_resolve(proposal=proposal, user=world.referents[0], action="keep_existing")
    assert kept == existing and Entry.objects.current().filter(name__icontains="Agesci").count() == 1
    kept.refresh_from_db()
    assert kept.latitude is not None  # the imported position, taken with its source
    assert kept.field_sources.get(field="latitude").source.startswith("Ministère de la Culture — Basilic")
    with pytest.raises(ValidationError):
        services.duplicate_resolve(proposal=proposal, user=world.referents[0], action="dismiss")


def test_same_siret_is_proposed_as_official_id_duplicate(world, django_capture_on_commit_callbacks):
    make_entry(world, "actor", name="Compagnie du Soleil", siret="73282932000074")
    csv_text = "Nom;SIRET;Adresse\nCie Soleil Levant;732 829 320 00074;1 rue Basse\n"
    job = upload(world, csv_text.encode(), "acteurs.csv")
    job = run(
        job,
        django_capture_on_commit_callbacks,
        kind="actor",
        mapping={"name": "Nom", "siret": "SIRET", "address": "Adresse"},
    )
    proposal = DuplicateProposal.objects.get()
    assert proposal.reason == "official_id" and job.duplicate_count == 1


# --- Bad input: a French message, nothing changed -------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("Nom;Adresse\nSalle;1 rue\n".encode("utf-16"), "f.csv", "UTF-16"),
        (b"\x81\x8d\x8f\x90\x9d" * 100, "f.csv", "encodage de ce fichier n'est pas reconnu"),
        (b"12;34\n56;78\n", "f.csv", "aucune colonne utilisable"),
        (b"", "f.csv", "vide"),
        (b'{"type": "Point", "coordinates": [1, 2]}', "f.geojson", "FeatureCollection"),
        (b"not json", "f.geojson", "JSON valide"),
        (b"PK\x03\x04 garbage", "f.xlsx", "classeur Excel lisible"),
        (b"%PDF-1.4", "f.pdf", "CSV, XLSX ou GeoJSON"),
    ],
)
def test_unreadable_files_are_refused_and_nothing_is_kept(world, content, name, message):
    with pytest.raises(ValidationError) as error:
        upload(world, content, name)
    assert message in " ".join(error.value.messages)
    assert not ImportJob.objects.exists()


def test_a_zip_bomb_xlsx_is_refused_before_inflating(world, settings):
    settings.ARCHIVE_MAX_TOTAL_MB = 1
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (5 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        upload(world, stream.getvalue(), "bombe.xlsx")
    assert "décompressée" in " ".join(error.value.messages)


def test_a_file_with_too_many_rows_is_refused_early(world, settings):
    settings.DIRECTORY_IMPORT_MAX_ROWS = 1000
    content = b"Nom;Adresse\n" + b"Salle;1 rue\n" * 1001
    with pytest.raises(ValidationError) as error:
        upload(world, content, "gros.csv")
    assert "plus de 1\u202f000 lignes" in error.value.messages[0]


def test_a_file_too_big_is_refused(world, settings):
    settings.DIRECTORY_IMPORT_MAX_MB = 0
    with pytest.raises(ValidationError) as error:
        upload(world, b"Nom;Adresse\nSalle;1 rue\n", "f.csv")
    assert "la limite est de" in error.value.messages[0]


def test_bad_lines_go_to_the_report_with_their_reason(world, django_capture_on_commit_callbacks):
    rows = [
        "Nom;Latitude;Longitude;Identifiant",
        "Bonne salle;46.32;-0.46;A1",
        "Inversée;-0.46;46.32;A2",
        "À Madrid;40.41;-3.70;A3",
        ";46.32;-0.46;A4",
        "Doublon d'identifiant;46.32;-0.46;A1",
    ]
    job = upload(world, "\n".join(rows).encode("cp1252"), "lieux.csv")
    job = run(job, django_capture_on_commit_callbacks,
              mapping={"name": "Nom", "latitude": "Latitude", "longitude": "Longitude", "source_ref": "Identifiant"})  # fmt: skip
    assert job.created_count == 1 and job.error_count == 4
    report = {e.line: e.message for e in job.line_errors.all()}
    assert "inversées" in report[3] and "hors de France" in report[4]
    assert "nom est vide" in report[5] and "même identifiant" in report[6]


def test_a_row_whose_id_exists_in_another_territory_is_refused(world, django_capture_on_commit_callbacks):
    run(upload(world, sample("basilic.csv"), "basilic.csv", index=1), django_capture_on_commit_callbacks)  # Bourges
    # The same file into Niort, without the commune column: Bourges' rows are now refused, not taken.
    job = upload(world, sample("basilic.csv"), "basilic.csv")
    mapping = {k: v for k, v in job.mapping.items() if k != "commune_code"}
    job = run(job, django_capture_on_commit_callbacks, mapping=mapping)
    messages = list(job.line_errors.values_list("message", flat=True))
    in_bourges = Entry.objects.filter(territory=territory_of(world, 1)).count()
    assert in_bourges and job.error_count == in_bourges and all("territoire" in message for message in messages)
    assert not Entry.objects.filter(territory=territory_of(world), source_ref__contains=BOURGES).exists()


def test_no_usable_line_fails_with_a_clear_message(world, django_capture_on_commit_callbacks):
    job = upload(world, b"Nom;Adresse\n;1 rue\n;2 rue\n", "vide.csv")
    job = run(job, django_capture_on_commit_callbacks, mapping={"name": "Nom", "address": "Adresse"})
    assert job.status == ImportJob.Status.FAILED and "Aucune ligne" in job.error
    assert not Entry.objects.exists()


def test_mapping_errors_are_said(world):
    job = upload(world, b"Nom;X\nSalle;652469\n", "f.csv")
    with pytest.raises(ValidationError) as error:
        services.import_configure(job=job, user=world.referents[0], preset="", kind="place",
                                  mapping={"lambert_x": "X"}, source="", source_year=3000)  # fmt: skip
    assert set(error.value.message_dict) == {"source", "source_year", "mapping"}


# --- Population ------------------------------------------------------------------------------------


def test_population_by_age_and_sex_feeds_core_and_is_idempotent(world, django_capture_on_commit_callbacks):
    job = upload(world, sample("population-age-sexe.csv"), "BTT_TD_POP1B_2021.csv", target="population")
    assert job.preset == "population_age"
    job = run(job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE, job.error
    assert PopulationFigure.objects.filter(commune_code=NIORT, year=2021).count() == 202
    assert PopulationFigure.objects.get(commune_code=NIORT, sex="f", age_min=100).age_max is None
    bands = ["15-24", "25-34", "35-49", "50-64", "65-79", "80+"]
    totals = band_totals([NIORT], bands)[NIORT]
    assert totals["year"] == 2021 and set(totals["cells"]) == {(b, s) for b in bands for s in "fm"}
    again = run(
        upload(world, sample("population-age-sexe.csv"), "pop.csv", target="population"),
        django_capture_on_commit_callbacks,
    )
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 202)


def test_population_of_another_commune_imports_nothing(world, django_capture_on_commit_callbacks):
    job = upload(world, sample("population-age-sexe.csv"), "pop.csv", index=1, target="population")
    job = run(job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED and "Aucune ligne de la commune 18033" in job.error
    assert not PopulationFigure.objects.exists()


def test_imported_population_is_the_survey_weighting_margin(world, django_capture_on_commit_callbacks):
    from territoires.surveys.analytics.weighting import population_by_deployment
    from territoires.surveys.margins import census_margins
    from territoires.surveys.models import Deployment, PopulationCell
    from tests.surveys.factories import make_survey

    survey = make_survey(project_ns=world).survey
    niort = Deployment.objects.get(survey=survey, participation=territory_of(world))
    PopulationCell.objects.create(deployment=niort, age_band="15-24", gender="f", population=1, year=2019)
    run(
        upload(world, sample("population-age-sexe.csv"), "pop.csv", target="population"),
        django_capture_on_commit_callbacks,
    )
    census = census_margins([niort])[niort.pk]
    table = population_by_deployment(survey)[niort.pk]
    assert table[0, 0] == census["cells"][("15-24", "f")] > 1  # the census, not the grid's 1
    assert table.sum() == sum(census["cells"].values())


def test_a_million_rows_are_refused_early_with_the_default_limit(world):
    content = b"Nom;Adresse\n" + b"S;1\n" * 1_000_000
    started = __import__("time").perf_counter()
    with pytest.raises(ValidationError) as error:
        upload(world, content, "million.csv")
    assert "plus de 100\u202f000 lignes" in error.value.messages[0]
    assert __import__("time").perf_counter() - started < 30
    assert not ImportJob.objects.exists()


def test_a_geojson_too_big_to_read_whole_is_refused(world, monkeypatch):
    from territoires.diagnostic.imports import readers

    monkeypatch.setattr(readers, "GEOJSON_MAX_BYTES", 10)
    with pytest.raises(ValidationError) as error:
        upload(world, b'{"type": "FeatureCollection", "features": []}', "f.geojson")
    assert "plus de 10 Mo" in error.value.messages[0]


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ("6587000", "440000", "semblent inversés"),
        ("-0.46", "46.32", "sont des degrés"),
        ("2000000", "9000000", "hors de France"),
        ("440000", "", "incomplètes"),
    ],
)
def test_lambert93_problems_are_said(x, y, message):
    from territoires.diagnostic.imports.mapping import convert_row

    values, problems = convert_row(
        2, {"Nom": "Salle", "X": x, "Y": y}, {"name": "Nom", "lambert_x": "X", "lambert_y": "Y"}, "place", None
    )
    assert values is None and message in problems[0]


def test_lambert93_inside_france_gives_the_position():
    from territoires.diagnostic.imports.mapping import convert_row

    # Niort's town hall, about x 439 600, y 6 588 000 in Lambert-93.
    values, problems = convert_row(
        2,
        {"Nom": "Mairie", "X": "439600", "Y": "6588000"},
        {"name": "Nom", "lambert_x": "X", "lambert_y": "Y"},
        "place",
        None,
    )
    assert (
        not problems
        and Decimal("46.2") < values.latitude < Decimal("46.4")
        and Decimal("-0.6") < values.longitude < Decimal("-0.3")
    )


def test_the_uploaded_file_is_deleted_once_imported(world, django_capture_on_commit_callbacks):
    job = upload(world, sample("basilic.csv"), "basilic.csv")
    path = Path(job.file.path)
    assert path.exists()
    job = run(job, django_capture_on_commit_callbacks)
    assert not path.exists() and not job.file


def test_files_of_imports_never_started_are_purged(world):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    job = upload(world, sample("basilic.csv"), "basilic.csv")
    path = Path(job.file.path)
    recent = upload(world, sample("basilic.csv"), "basilic.csv")
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    call_command("purge_imports", stdout=io.StringIO())
    job.refresh_from_db()
    assert not path.exists() and job.status == ImportJob.Status.FAILED and "jamais lancé" in job.error
    assert Path(ImportJob.objects.get(pk=recent.pk).file.path).exists()


def test_the_same_file_imported_twice_at_once_creates_each_entry_once(world, django_capture_on_commit_callbacks):
    """B reads its rows while A writes the same ones: B's transaction finds A's entries and skips them."""
    from territoires.diagnostic.imports import mapping as mapping_module

    first = upload(world, sample("basilic.csv"), "basilic.csv")
    second = upload(world, sample("basilic.csv"), "basilic.csv")
    for job in (first, second):
        services.import_configure(job=job, user=job.requested_by, preset=job.preset, kind=job.kind,
                                  mapping=job.mapping, source=job.source, source_year=job.source_year)  # fmt: skip
    ImportJob.objects.update(status=ImportJob.Status.QUEUED)
    convert, started = mapping_module.convert_row, []

    def convert_while_the_other_runs(*args, **kwargs):
        if not started:
            started.append(True)
            services.import_run(job_id=first.pk)
        return convert(*args, **kwargs)

    with mock.patch.object(mapping_module, "convert_row", convert_while_the_other_runs):
        second = services.import_run(job_id=second.pk)
    first.refresh_from_db()
    assert first.created_count == 10 and second.status == ImportJob.Status.DONE
    assert second.created_count == 0 and second.unchanged_count == 10
    assert Entry.objects.filter(territory=territory_of(world)).count() == 10
