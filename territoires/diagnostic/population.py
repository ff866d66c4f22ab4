"""The population of a territory, for the figures "per 10,000 inhabitants" of the comparison.

One place, so that its source can be swapped: today the population stored on the territory's
organisation (`Organisation.population`, entered by the platform's staff or, later, by the import of
INSEE's population by commune) comes first; failing that, the small file shipped with the app,
`data/population.csv`, read from the column "Population commune" of the Ministry of Culture's file
of public libraries (data/venues/bibliotheques-publiques.csv, which gives INSEE's municipal
population of the commune). Every figure carries its source, shown beside it.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "population.csv"
SHIPPED_SOURCE = "INSEE, population municipale (via Ministère de la Culture — Adresses des bibliothèques publiques)"
SHIPPED_YEAR = 2025  # the year of the extraction (data/venues/SOURCE.md)


@dataclass(frozen=True)
class Population:
    count: int
    source: str


@cache
def _shipped() -> dict[str, int]:
    with SHIPPED_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["insee_code"]: int(row["population"]) for row in csv.DictReader(handle)}


def population_of(organisation) -> Population | None:
    """The population of a territory's organisation, with its source; None when nothing says it."""
    if organisation.population:
        return Population(organisation.population, _("fiche de l'organisation sur la plateforme"))
    count = _shipped().get(organisation.insee_code or "")
    if count:
        return Population(count, f"{SHIPPED_SOURCE}, {SHIPPED_YEAR}")
    return None
