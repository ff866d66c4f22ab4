"""Census population of each commune by age and sex (INSEE): the platform's one table of population
figures.

Why here, in core: two modules read it and neither may import the other (DESIGN.md, "dependencies
point one way"): the diagnostic imports it (with the directory's import pipeline, preset "INSEE
population") and shows figures per inhabitant; the survey takes its weighting margins from it
(territoires/surveys/analytics/weighting.py). Keyed by the INSEE commune code, not by a project or an
organisation: the same commune's census serves every project it takes part in.

Ages are kept as the file gives them (single years in INSEE's "AGED100", five-year bands in
"AGEQ80_17"); `band_totals` sums them into whatever bands a reader needs.
"""

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class PopulationFigure(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "f", _("Femmes")
        MALE = "m", _("Hommes")

    commune_code = models.CharField(_("code INSEE de la commune"), max_length=5)
    year = models.PositiveSmallIntegerField(_("année du recensement"))
    age_min = models.PositiveSmallIntegerField(_("âge de"))
    # None: "and over" (100 ans ou plus, 80 ans ou plus).
    age_max = models.PositiveSmallIntegerField(_("âge à"), null=True, blank=True)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)
    # INSEE publishes weighted counts (e.g. 123.4567): kept as published, rounded where shown.
    population = models.FloatField(_("population"))
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("population par âge et sexe")
        verbose_name_plural = _("population par âge et sexe")
        ordering = ["commune_code", "-year", "sex", "age_min"]
        constraints = [
            models.UniqueConstraint(fields=["commune_code", "year", "sex", "age_min"], name="one_population_figure"),
        ]
        indexes = [models.Index(fields=["commune_code", "year"], name="population_commune_year")]

    def __str__(self):
        upper = f"{self.age_max}" if self.age_max is not None else "+"
        return f"{self.commune_code} {self.year} {self.sex} {self.age_min}-{upper}: {self.population}"


def parse_band(code: str) -> tuple[int, int | None]:
    """ "15-24" → (15, 24); "80+" → (80, None)."""
    if code.endswith("+"):
        return int(code[:-1]), None
    low, high = code.split("-")
    return int(low), int(high)


def latest_year(commune_code: str) -> int | None:
    return (
        PopulationFigure.objects.filter(commune_code=commune_code)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


def band_totals(commune_codes: Iterable[str], bands: list[str], sexes=("f", "m")) -> dict[str, dict]:
    """{commune code: {"year", "source", "cells": {(band, sex): population}}} from each commune's
    latest census, for the age bands given ("15-24", …, "80+"). A band is filled only when the file's
    ages cover it exactly (a five-year file cannot give "18-24"): otherwise the commune is left out
    rather than given a wrong margin."""
    codes = [code for code in set(commune_codes) if code]
    rows = PopulationFigure.objects.filter(commune_code__in=codes).values_list(
        "commune_code", "year", "age_min", "age_max", "sex", "population", "source"
    )
    latest: dict[str, int] = {}
    by_commune: dict[str, list] = {}
    for row in rows:
        latest[row[0]] = max(latest.get(row[0], 0), row[1])
        by_commune.setdefault(row[0], []).append(row)
    parsed = [(band, *parse_band(band)) for band in bands]
    result = {}
    for code, figures in by_commune.items():
        year = latest[code]
        figures = [f for f in figures if f[1] == year]
        cells, complete = {}, True
        for band, low, high in parsed:
            for sex in sexes:
                inside = [
                    f
                    for f in figures
                    if f[4] == sex and f[2] >= low and (high is None or (f[3] is not None and f[3] <= high))
                ]
                straddling = [
                    f for f in figures
                    if f[4] == sex and f not in inside and (f[3] is None or f[3] >= low) and (high is None or f[2] <= high)
                ]  # fmt: skip
                if straddling or not inside:
                    complete = False
                    break
                cells[(band, sex)] = round(sum(f[5] for f in inside))
            if not complete:
                break
        if complete:
            result[code] = {"year": year, "source": figures[0][6], "cells": cells}
    return result
