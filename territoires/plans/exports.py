"""A plan's actions and indicators as CSV and XLSX, and its results in the column layout of
Decidim's accountability import (so that a town already on Decidim carries its plan over).

Built from `selectors.plan_structure`, so an export holds exactly what its reader sees on the page:
the working version for the territory's team and the project's members, the adopted version for
everyone else.
"""

import csv
import io

from django.utils.translation import gettext as _

from territoires.plans.models import Audience

ACTION_COLUMNS = (
    "axe",
    "objectif",
    "action",
    "action_parente",
    "pilote",
    "statut",
    "avancement",
    "budget",
    "debut",
    "fin",
    "partenaires",
    "lieux",
    "publics",
)
INDICATOR_COLUMNS = (
    "indicateur",
    "unite",
    "rattachement",
    "valeur_depart",
    "date_depart",
    "source_depart",
    "cible",
    "date_cible",
    "date_mesure",
    "valeur_mesure",
    "source_mesure",
)
# Decidim accountability's results import (one row per result; `parent/id` names the row's parent by its `id`).
DECIDIM_COLUMNS = (
    "id",
    "parent/id",
    "title/fr",
    "description/fr",
    "start_date",
    "end_date",
    "progress",
    "status/id",
    "weight",
    "external_id",
    "category/id",
    "proposal_urls",
)


def _iso(day):
    return day.isoformat() if day else ""


def action_rows(structure) -> list[list]:
    audiences = dict(Audience.choices)
    titles = {}
    rows = []
    for axis in structure["axes"]:
        for objective in axis.objectives:
            for row in objective.actions:
                action = row.action
                titles[action.pk] = row.title
                rows.append(
                    [
                        axis.title,
                        objective.title,
                        row.title,
                        titles.get(action.parent_id, ""),
                        action.lead,
                        action.get_status_display(),
                        "" if row.percent is None else row.percent,
                        "" if action.budget is None else str(action.budget),
                        _iso(action.starts_on),
                        _iso(action.ends_on),
                        " ; ".join(e.name for e in action.partners.all()),
                        " ; ".join(e.name for e in action.places.all()),
                        " ; ".join(str(audiences[c]) for c in action.audiences if c in audiences),
                    ]
                )
    return rows


def _indicator_rows_of(rows_with_owner) -> list[list]:
    rows = []
    for owner, indicator_row in rows_with_owner:
        indicator = indicator_row.indicator
        head = [
            indicator.name,
            indicator.unit,
            owner,
            str(indicator.baseline_value),
            _iso(indicator.baseline_on),
            indicator.baseline_source,
            str(indicator.target_value),
            _iso(indicator.target_on),
        ]
        if not indicator_row.measurements:
            rows.append([*head, "", "", ""])
        for measurement in indicator_row.measurements:
            rows.append([*head, _iso(measurement.measured_on), str(measurement.value), measurement.source])
    return rows


def indicator_rows(structure) -> list[list]:
    pairs = []
    for axis in structure["axes"]:
        for objective in axis.objectives:
            pairs += [(_("Objectif : %(title)s") % {"title": objective.title}, row) for row in objective.indicators]
            for action_row in objective.actions:
                pairs += [(_("Action : %(title)s") % {"title": action_row.title}, row) for row in action_row.indicators]
    return _indicator_rows_of(pairs)


def decidim_rows(structure) -> list[list]:
    """Objectives become top-level results and actions their children (Decidim nests results in
    results); `external_id` keeps our ids so a second import updates rather than duplicates."""
    rows = []
    for axis in structure["axes"]:
        for objective in axis.objectives:
            objective_id = f"objectif-{objective.pk}"
            rows.append(
                [
                    objective_id,
                    "",
                    objective.title,
                    objective.description,
                    "",
                    "",
                    objective.percent or 0,
                    "",
                    1,
                    objective_id,
                    "",
                    "",
                ]
            )
            for row in objective.actions:
                action = row.action
                parent = f"action-{action.parent_id}" if action.parent_id else objective_id
                rows.append(
                    [
                        f"action-{action.pk}",
                        parent,
                        row.title,
                        row.description,
                        _iso(action.starts_on),
                        _iso(action.ends_on),
                        row.percent or 0,
                        "",
                        action.weight,
                        f"action-{action.pk}",
                        "",
                        "",
                    ]
                )
    return rows


def as_csv(columns, rows, *, delimiter=";") -> bytes:
    """UTF-8 with a byte-order mark, so that a spreadsheet opened by a double click reads the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(columns)
    writer.writerows(_safe(row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _safe(row):
    # A text that a spreadsheet would run as a formula is quoted (CSV injection); numbers stay numbers.
    return [
        "'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") and not _is_number(cell) else cell
        for cell in row
    ]


def as_xlsx(structure) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, columns, rows in (
        (_("Actions"), ACTION_COLUMNS, action_rows(structure)),
        (_("Indicateurs"), INDICATOR_COLUMNS, indicator_rows(structure)),
    ):
        sheet = workbook.create_sheet(title)
        sheet.append(list(columns))
        for row in rows:
            sheet.append(_safe(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
