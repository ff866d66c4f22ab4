"""The population of a territory, for the figures "per 10,000 inhabitants" of the comparison.

One place, so that its source can be swapped: INSEE's population by age and sex when it was
imported for the commune (territoires/core/population.py, which the survey's weighting reads too);
else the population stored on the territory's organisation (`Organisation.population`, entered by the platform's staff or, later, by the import of
INSEE's population by commune) comes first; failing that, the small file shipped with the app,
`data/population.csv`, read from the column "Population commune" of the Ministry of Culture's file
of public libraries (data/venues/bibliotheques-publiques.csv, which gives INSEE's municipal
population of the commune). Every figure carries its source, shown beside it.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from territoires.core.process_caches import process_cached

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "population.csv"
SHIPPED_SOURCE = "INSEE, population municipale (via Ministère de la Culture — Adresses des bibliothèques publiques)"
SHIPPED_YEAR = 2025  # the year of the extraction (data/venues/SOURCE.md)


@dataclass(frozen=True)
class Population:
    count: int
    source: str


@process_cached(
    name="diagnostic.population_shipped",
    bench="diagnostic.map",
    reason="the shipped population file (a few hundred communes), read once",
)
def _shipped() -> dict[str, int]:
    with SHIPPED_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["insee_code"]: int(row["population"]) for row in csv.DictReader(handle)}


def _imported(insee_code: str) -> Population | None:
    """INSEE's population by age and sex, when it was imported for this commune (core/population.py,
    the figures the survey's weighting reads too): one source of population figures, not two."""
    from django.db.models import Sum

    from territoires.core.population import PopulationFigure, latest_year

    year = latest_year(insee_code)
    if year is None:
        return None
    rows = PopulationFigure.objects.filter(commune_code=insee_code, year=year)
    total = rows.aggregate(total=Sum("population"))["total"]
    if not total:
        return None
    source = rows.values_list("source", flat=True).first() or "INSEE"
    return Population(round(total), f"{source}, {year}")


def population_of(organisation) -> Population | None:
    """The population of a territory's organisation, with its source; None when nothing says it.
    INSEE's figures imported for its commune first, then the organisation's sheet, then the shipped file."""
    if organisation.insee_code and (imported := _imported(organisation.insee_code)):
        return imported
    if organisation.population:
        return Population(organisation.population, _("fiche de l'organisation sur la plateforme"))
    count = _shipped().get(organisation.insee_code or "")
    if count:
        return Population(count, f"{SHIPPED_SOURCE}, {SHIPPED_YEAR}")
    return None
