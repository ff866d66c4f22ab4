"""Census margins of each territory (population by age band × gender), the weighting targets of
territoires/surveys/analytics/weighting.py.

One source of population figures: a territory whose commune has the INSEE census by age and sex in
the platform's population table (territoires/core/population.py, imported once from the directory's
import pages) takes its margins from there (`census_margins`), summed into the survey's age bands.
The grid and the CSV below are for the other territories (an intercommunality, a census not yet
imported); for a commune with census figures the page says so and they are not used.

CSV columns (header required, comma or semicolon, UTF-8):
    territoire, tranche_age, genre, population, annee, source
`territoire` is the INSEE code or the name of the participating authority; `tranche_age` one of
the AGE_BANDS codes (15-24 … 80+); `genre` f or m (femme, homme, h accepted). A file with any bad
line is refused as a whole, each bad line reported with its number and the reason: nothing is
half-saved.
"""

import csv
import io
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoires.core.audit import audit_log
from territoires.core.forms import DsfrForm
from territoires.core.models import AuditEvent
from territoires.core.population import band_totals
from territoires.surveys.models import AGE_BANDS, Deployment, PopulationCell

GENDER_CODES = ("f", "m")
GENDER_ALIASES = {"f": "f", "femme": "f", "femmes": "f", "m": "m", "h": "m", "homme": "m", "hommes": "m"}
AGE_CODES = [code for code, _label in AGE_BANDS]
COLUMNS = ("territoire", "tranche_age", "genre", "population", "annee", "source")
MAX_CSV_BYTES = 1024 * 1024
MAX_CSV_LINES = 5000
MAX_ERRORS_SHOWN = 20
DEFAULT_SOURCE = "INSEE, recensement de la population"


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(char for char in text if not unicodedata.combining(char)).split())


def _age_code(value: str) -> str | None:
    value = value.strip().replace(" ", "").replace("–", "-").replace("ans", "")
    if value in ("80etplus", "80ouplus", "80-+", ">=80", "80+"):
        return "80+"
    return value if value in AGE_CODES else None


def _integer(value: str) -> int | None:
    cleaned = value.replace("\u202f", "").replace("\xa0", "").replace(" ", "").strip()
    if not cleaned.isdigit() or len(cleaned) > 9:
        return None
    return int(cleaned)


def census_margins(deployments) -> dict[int, dict]:
    """{deployment id: {"year", "source", "cells": {(age band, gender): population}}} for the
    deployments whose commune has census figures in core's population table (latest year)."""
    codes = {
        deployment.pk: deployment.participation.organisation.insee_code
        for deployment in deployments
        if deployment.participation.organisation.kind == "commune" and deployment.participation.organisation.insee_code
    }
    totals = band_totals(codes.values(), AGE_CODES, GENDER_CODES) if codes else {}
    return {pk: totals[code] for pk, code in codes.items() if code in totals}


def cell_field_name(age: str, gender: str) -> str:
    return f"p_{age.replace('-', '_').replace('+', 'plus')}_{gender}"


class MarginsGridForm(DsfrForm):
    """One territory's population per age band × gender (blank: no figure for that cell)."""

    year = forms.IntegerField(label=gettext_lazy("Année du recensement"), min_value=1950, max_value=2100)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=200, initial=DEFAULT_SOURCE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for age, age_label in AGE_BANDS:
            for gender in GENDER_CODES:
                self.fields[cell_field_name(age, gender)] = forms.IntegerField(
                    label=f"{age_label} — {_('femmes') if gender == 'f' else _('hommes')}",
                    min_value=0,
                    max_value=100_000_000,
                    required=False,
                )

    def grid(self):
        """Rows of (age label, bound field for women, bound field for men) for the template."""
        return [(label, self[cell_field_name(age, "f")], self[cell_field_name(age, "m")]) for age, label in AGE_BANDS]

    def cells(self) -> dict:
        return {
            (age, gender): self.cleaned_data.get(cell_field_name(age, gender))
            for age in AGE_CODES
            for gender in GENDER_CODES
        }


def initial_for(deployment: Deployment) -> dict:
    initial = {"source": DEFAULT_SOURCE}
    for cell in deployment.population_cells.all():
        initial[cell_field_name(cell.age_band, cell.gender)] = cell.population
        initial["year"], initial["source"] = cell.year, cell.source
    return initial


class MarginsImportForm(DsfrForm):
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV"),
        help_text=gettext_lazy(
            "Colonnes : territoire (code INSEE ou nom), tranche_age (15-24, 25-34, 35-49, 50-64, 65-79, 80+), "
            "genre (f ou m), population, annee, source. Séparateur virgule ou point-virgule, encodage UTF-8."
        ),
    )


@transaction.atomic
def population_cells_save(*, deployment: Deployment, cells: dict, year: int, source: str, user) -> int:
    """Replace a territory's margins by the grid's figures (a blank cell removes that figure)."""
    if not any(value for value in cells.values()):
        raise ValidationError(_("Indiquez au moins un effectif de population."))
    PopulationCell.objects.filter(deployment=deployment).delete()
    created = PopulationCell.objects.bulk_create(
        PopulationCell(
            deployment=deployment, age_band=age, gender=gender, population=value, year=year, source=source[:200]
        )
        for (age, gender), value in cells.items()
        if value is not None
    )
    audit_log(
        actor=user,
        action=AuditEvent.Action.SURVEY_MARGINS_CHANGED,
        target=deployment,
        project_id=deployment.survey.project_id,
        cells=len(created),
        year=year,
    )
    return len(created)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _("Le fichier n'est pas encodé en UTF-8 (octet illisible à la position %(position)s).")
            % {"position": error.start}
        ) from error


def parse_margins_csv(data: bytes, deployments: list[Deployment], *, allowed_ids: set[int]) -> list[dict]:
    """The file's rows as {deployment, age_band, gender, population, year, source}; raises a
    ValidationError listing every bad line ("Ligne 4 : …") when one is wrong."""
    if len(data) > MAX_CSV_BYTES:
        raise ValidationError(_("Le fichier dépasse 1 Mo : ce n'est pas un fichier de marges."))
    if b"\x00" in data[:4096]:
        raise ValidationError(_("Ce fichier n'est pas un fichier texte CSV."))
    text = _decode(data)
    if not text.strip():
        raise ValidationError(_("Le fichier est vide."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_normalised(name).replace(" ", "_") for name in next(reader)]
    except csv.Error as error:
        raise ValidationError(_("Ligne 1 : en-tête illisible (%(error)s).") % {"error": error}) from error
    header = ["annee" if name == "année" else name for name in header]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ValidationError(
            _("Ligne 1 : colonnes manquantes : %(missing)s (attendues : %(expected)s).")
            % {"missing": ", ".join(missing), "expected": ", ".join(COLUMNS)}
        )
    positions = {name: header.index(name) for name in COLUMNS}
    by_key = {}
    for deployment in deployments:
        organisation = deployment.participation.organisation
        if organisation.insee_code:
            by_key[_normalised(organisation.insee_code)] = deployment
        by_key[_normalised(organisation.name)] = deployment
    rows, errors, seen = [], [], {}
    try:
        for line_number, record in enumerate(reader, start=2):
            if line_number > MAX_CSV_LINES + 1:
                errors.append(_("Le fichier dépasse %(max)s lignes.") % {"max": MAX_CSV_LINES})
                break
            if not any(cell.strip() for cell in record):
                continue
            if len(record) < len(header):
                errors.append(
                    _("Ligne %(line)s : %(count)s colonnes au lieu de %(expected)s.")
                    % {"line": line_number, "count": len(record), "expected": len(header)}
                )
                continue
            values = {name: record[position].strip() for name, position in positions.items()}
            problems = []
            deployment = by_key.get(_normalised(values["territoire"]))
            if deployment is None:
                problems.append(
                    _("territoire « %(value)s » inconnu dans cette enquête") % {"value": values["territoire"][:60]}
                )
            elif deployment.pk not in allowed_ids:
                problems.append(
                    _("vous ne pouvez pas modifier les marges de %(territory)s")
                    % {"territory": deployment.participation.organisation.name}
                )
            age = _age_code(values["tranche_age"])
            if age is None:
                problems.append(
                    _("tranche d'âge « %(value)s » inconnue (attendues : %(expected)s)")
                    % {"value": values["tranche_age"][:20], "expected": ", ".join(AGE_CODES)}
                )
            gender = GENDER_ALIASES.get(_normalised(values["genre"]))
            if gender is None:
                problems.append(_("genre « %(value)s » inconnu (attendus : f ou m)") % {"value": values["genre"][:20]})
            population = _integer(values["population"])
            if population is None:
                problems.append(
                    _("population « %(value)s » : un nombre entier positif est attendu")
                    % {"value": values["population"][:20]}
                )
            year = _integer(values["annee"])
            if year is None or not 1950 <= year <= 2100:
                problems.append(_("année « %(value)s » invalide") % {"value": values["annee"][:20]})
            source = values["source"] or DEFAULT_SOURCE
            if len(source) > 200:
                problems.append(_("source trop longue (200 caractères au plus)"))
            if not problems:
                key = (deployment.pk, age, gender)
                if key in seen:
                    problems.append(
                        _("même territoire, tranche d'âge et genre qu'à la ligne %(line)s") % {"line": seen[key]}
                    )
                seen[key] = line_number
            if problems:
                errors.append(
                    _("Ligne %(line)s : %(problems)s.") % {"line": line_number, "problems": " ; ".join(problems)}
                )
                continue
            rows.append(
                {
                    "deployment": deployment,
                    "age_band": age,
                    "gender": gender,
                    "population": population,
                    "year": year,
                    "source": source,
                }
            )
    except csv.Error as error:
        errors.append(_("Ligne %(line)s : CSV illisible (%(error)s).") % {"line": reader.line_num, "error": error})
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > MAX_ERRORS_SHOWN:
            shown.append(_("… et %(count)s autres erreurs.") % {"count": len(errors) - MAX_ERRORS_SHOWN})
        raise ValidationError(shown)
    if not rows:
        raise ValidationError(_("Le fichier ne contient aucune ligne de données."))
    return rows


@transaction.atomic
def margins_import_csv(*, survey, data: bytes, user, allowed_ids: set[int]) -> int:
    """Import a margins CSV: every line valid, or nothing saved. Each territory present in the
    file has its cells replaced by the file's (cells absent from the file are kept)."""
    deployments = list(Deployment.objects.filter(survey=survey).select_related("participation__organisation"))
    rows = parse_margins_csv(data, deployments, allowed_ids=allowed_ids)
    for row in rows:
        PopulationCell.objects.update_or_create(
            deployment=row["deployment"],
            age_band=row["age_band"],
            gender=row["gender"],
            defaults={"population": row["population"], "year": row["year"], "source": row["source"][:200]},
        )
    for deployment in {row["deployment"] for row in rows}:
        audit_log(
            actor=user,
            action=AuditEvent.Action.SURVEY_MARGINS_CHANGED,
            target=deployment,
            project_id=survey.project_id,
            cells=sum(1 for row in rows if row["deployment"] == deployment),
            source="CSV",
        )
    return len(rows)
