"""Quotas of a panel, derived from the census margins that the survey's weighting already uses.

Where the figures come from: the INSEE population by age and sex of the territory's commune
(core/population.py, the survey's first source of margins), else the margins entered for the
territory's survey deployment (surveys.PopulationCell, the survey's second source). Neither gives
the population by neighbourhood nor the share of non-audiences, so those two strata get quotas that
guarantee presence rather than proportionality; the facilitator edits every bound.

The rule, written out on the quotas page (EXPLANATION):
- age band and sex: target = the category's share of the population (15 and over) × the panel's
  size; min = the target rounded down minus one (never below 0), max = the target rounded up plus
  one;
- sex "other or prefers not to say": no census margin: min 0, max 10 % of the seats (at least 1);
- neighbourhood: min 1 seat each when the seats allow it, max twice an equal share;
- non-audience ("goes to no cultural venue"): at least a fifth of the seats, so that the people the
  project aims at are there; at most all of them.
"""

import math

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoires.codesign.panels.models import AGE_BANDS, FEATURES, NON_AUDIENCE, SEXES

AGE_CODES = [code for code, _label in AGE_BANDS]
EXPLANATION = gettext_lazy(
    "Tranche d'âge et sexe : la cible est la part de la catégorie dans la population de 15 ans ou plus "
    "(recensement INSEE, les mêmes marges que le redressement de l'enquête) multipliée par la taille du panel ; "
    "le minimum est la cible arrondie à l'entier inférieur moins un, le maximum la cible arrondie à l'entier "
    "supérieur plus un. « Autre ou ne souhaite pas répondre » : aucune marge au recensement, de 0 à 10 % des "
    "places. Quartier : le recensement ne donne pas la population par quartier ; chaque quartier a au moins "
    "une place (si le nombre de places le permet) et au plus le double d'une part égale. Non-publics (personnes "
    "qui ne sont allées dans aucun lieu culturel en 12 mois, la définition de l'enquête) : au moins un "
    "cinquième des places. Chaque borne se modifie ci-dessous ; le tirage est refusé, avant de tirer, si le "
    "vivier ne permet pas de tenir les quotas."
)
FEATURE_LABELS = {
    "age_band": gettext_lazy("Tranche d'âge"),
    "sex": gettext_lazy("Sexe"),
    "neighbourhood": gettext_lazy("Quartier"),
    "non_audience": gettext_lazy("Fréquentation des lieux culturels"),
}


def census_cells(territory) -> tuple[dict[tuple[str, str], float], str]:
    """({(age band, "f"|"m"): population}, "source, year") for the territory, or ({}, "")."""
    from territoires.core.population import band_totals

    organisation = territory.organisation
    if organisation.insee_code:
        totals = band_totals([organisation.insee_code], AGE_CODES, ("f", "m"))
        if organisation.insee_code in totals:
            found = totals[organisation.insee_code]
            return dict(found["cells"]), f"{found['source']}, {found['year']}"
    from territoires.surveys.models import PopulationCell

    cells = list(
        PopulationCell.objects.filter(deployment__participation=territory)
        .order_by("-year", "-deployment_id")
        .values_list("deployment_id", "age_band", "gender", "population", "source", "year")
    )
    if cells:
        deployment_id = cells[0][0]
        mine = [cell for cell in cells if cell[0] == deployment_id]
        return {(cell[1], cell[2]): float(cell[3]) for cell in mine}, f"{mine[0][4]}, {mine[0][5]}"
    return {}, ""


def _proportional(shares: dict[str, float], size: int) -> dict[str, list[int]]:
    bounds = {}
    for value, share in shares.items():
        target = share * size
        bounds[value] = [max(0, math.floor(target) - 1), min(size, math.ceil(target) + 1)]
    return bounds


def derive_quotas(panel) -> tuple[dict, str]:
    """The quotas of EXPLANATION for this panel, and where its figures come from."""
    size = panel.size
    cells, source = census_cells(panel.plan.territory)
    quotas: dict[str, dict[str, list[int]]] = {}
    total = sum(cells.values())
    if total > 0:
        ages = {code: sum(cells.get((code, sex), 0) for sex in ("f", "m")) / total for code in AGE_CODES}
        sexes = {sex: sum(cells.get((code, sex), 0) for code in AGE_CODES) / total for sex in ("f", "m")}
        quotas["age_band"] = _proportional(ages, size)
        quotas["sex"] = _proportional(sexes, size)
    else:
        quotas["age_band"] = {code: [0, size] for code in AGE_CODES}
        quotas["sex"] = {code: [0, size] for code in ("f", "m")}
        source = _("aucune marge de population pour ce territoire : tranches d'âge et sexe sans contrainte")
    quotas["sex"]["x"] = [0, max(1, math.floor(size * 0.1))]
    hoods = [code for code, _label in panel.neighbourhood_choices()]
    if hoods:
        low = 1 if len(hoods) <= size else 0
        quotas["neighbourhood"] = {code: [low, min(size, math.ceil(2 * size / len(hoods)))] for code in hoods}
    quotas["non_audience"] = {"oui": [math.ceil(size / 5), size], "non": [0, size]}
    return quotas, source


def value_labels(panel) -> dict:
    """{feature: label, (feature, value): label} as the pages and messages word them."""
    labels: dict = {feature: str(label) for feature, label in FEATURE_LABELS.items()}
    for feature, values in panel.feature_values().items():
        for code, label in values:
            labels[(feature, code)] = label
    return labels


def quota_rows(panel, quotas=None, counts=None, probabilities=None, selected_counts=None) -> list[dict]:
    """One row per stratum for the pages: feature, value, labels, min, max, pool count, probability."""
    quotas = panel.quotas if quotas is None else quotas
    labels = value_labels(panel)
    rows = []
    for feature in FEATURES:
        for value, bounds in (quotas.get(feature) or {}).items():
            rows.append(
                {
                    "feature": feature,
                    "value": value,
                    "feature_label": labels.get(feature, feature),
                    "label": labels.get((feature, value), value),
                    "min": bounds[0],
                    "max": bounds[1],
                    "pool": (counts or {}).get(feature, {}).get(value),
                    "selected": (selected_counts or {}).get(feature, {}).get(value),
                    "probability": (probabilities or {}).get(feature, {}).get(value),
                }
            )
    return rows


CHOICES = {"age_band": AGE_BANDS, "sex": SEXES, "non_audience": NON_AUDIENCE}
