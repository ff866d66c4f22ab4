"""Dashboard figures computed from the survey arrays: filters, per-question counts and shares
(unweighted and weighted), means and distributions, cross-tables, territories side by side, the
non-audiences indicator and the collection monitor.

Every function takes the arrays, the weights and a row mask (None: every row the user may see), so
a view computes its figures with a few numpy passes and no SQL beyond the freshness check.
"""

import datetime
import math
import threading
from dataclasses import dataclass, field

import numpy as np
from django.utils import formats, translation
from django.utils.translation import gettext as _

from territoires.core.process_caches import register_process_cache
from territoires.surveys.analytics.arrays import AGE_CODES, CHANNELS, GENDER_CODES, SurveyArrays
from territoires.surveys.analytics.stats import chi_square_test, weighted_mean, weighted_quantiles
from territoires.surveys.analytics.weighting import AGES, GENDERS_WEIGHTED, effective_sample_size
from territoires.surveys.models import AGE_BANDS, DONT_KNOW, GENDERS, Question, Response

MAX_ANSWER_FILTERS = 4


_separators = register_process_cache(
    threading.local(),
    name="surveys.number_separators",
    bench="surveys.dashboard",
    reason="the active language's number separators, read once per thread and language (~50 µs a number)",
)


def use_current_locale() -> None:
    """Read the active language's separators once per request: `number()` is called hundreds of
    times per page and Django's number_format costs ~50 µs a call."""
    language = translation.get_language()
    if getattr(_separators, "language", None) != language:
        _separators.language = language
        _separators.decimal = str(formats.get_format("DECIMAL_SEPARATOR"))
        _separators.thousands = str(formats.get_format("THOUSAND_SEPARATOR"))


def number(value, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if getattr(_separators, "language", None) is None:
        use_current_locale()
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", _separators.decimal).replace("\x00", _separators.thousands)


def percent(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole > 0 else None


# ---------------------------------------------------------------------------------------------
# Filters


@dataclass
class Filters:
    territory: int | None = None  # deployment id
    channel: str = ""
    age: str = ""
    gender: str = ""
    answers: list = field(default_factory=list)  # [(variable key, category code as str)]
    errors: list = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.territory or self.channel or self.age or self.gender or self.answers)

    def key(self) -> tuple:
        return (self.territory, self.channel, self.age, self.gender, tuple(self.answers))

    def count(self) -> int:
        return sum(bool(value) for value in (self.territory, self.channel, self.age, self.gender)) + len(self.answers)


def filterable_variables(arrays: SurveyArrays) -> list:
    """Single-valued or multiple choice variables a filter or a cross-table can use."""
    return [variable for variable in arrays.variables if variable.kind in ("cat", "multi") and variable.codes]


def codes_present(arrays: SurveyArrays, variable, allowed_deployment_ids: list[int]) -> set[int]:
    """Positions of a variable's categories answered at least once in the given territories."""
    column = arrays.columns[variable.key]
    mask = build_mask(arrays, Filters(), allowed_deployment_ids)
    if mask is not None:
        column = column[mask]
    return set(np.flatnonzero(np.bincount(column[column >= 0], minlength=len(variable.codes))).tolist())


def parse_filters(query, arrays: SurveyArrays, allowed_deployment_ids: list[int]) -> Filters:
    """Filters from the query string. Unknown values are reported and ignored, never a 500; a
    territory the user may not see is reported and matches no row."""
    filters = Filters()
    raw_territory = query.get("territoire", "")
    if raw_territory:
        try:
            territory = int(raw_territory)
        except ValueError:
            territory = None
        if territory is None or territory <= 0 or territory >= 2**63:
            filters.errors.append(_("Territoire inconnu : le filtre est ignoré."))
        else:
            filters.territory = territory
            if territory not in allowed_deployment_ids:
                filters.errors.append(
                    _("Ce territoire ne fait pas partie de ceux dont vous pouvez voir les résultats.")
                )
    channel = query.get("canal", "")
    if channel in CHANNELS:
        filters.channel = channel
    elif channel:
        filters.errors.append(_("Canal inconnu : le filtre est ignoré."))
    age = query.get("age", "")
    if age in AGE_CODES:
        filters.age = age
    elif age:
        filters.errors.append(_("Tranche d'âge inconnue : le filtre est ignoré."))
    gender = query.get("genre", "")
    if gender in GENDER_CODES:
        filters.gender = gender
    elif gender:
        filters.errors.append(_("Genre inconnu : le filtre est ignoré."))
    variables = {variable.key: variable for variable in filterable_variables(arrays)}
    for raw in query.getlist("reponse")[:MAX_ANSWER_FILTERS]:
        if not raw:
            continue
        key, _sep, code = raw.partition("=")
        variable = variables.get(key)
        if variable is None or code not in [str(value) for value in variable.codes]:
            filters.errors.append(_("Réponse inconnue dans les filtres : elle est ignorée."))
            continue
        if (key, code) not in filters.answers:
            filters.answers.append((key, code))
    return filters


def build_mask(arrays: SurveyArrays, filters: Filters, allowed_deployment_ids: list[int]) -> np.ndarray | None:
    """Rows the figures cover: those of the user's territories matching every filter.
    None means every row (no copy needed)."""
    mask = None
    all_positions = list(range(len(arrays.deployment_ids)))
    allowed_positions = [arrays.deployment_index(pk) for pk in allowed_deployment_ids]
    allowed_positions = [position for position in allowed_positions if position >= 0]
    if filters.territory is not None:
        position = arrays.deployment_index(filters.territory) if filters.territory in allowed_deployment_ids else -1
        mask = arrays.deployment == position  # -1 matches nothing
    elif sorted(allowed_positions) != all_positions:
        mask = np.isin(arrays.deployment, np.array(allowed_positions, dtype=np.int16))

    def combine(current, condition):
        return condition if current is None else current & condition

    if filters.channel:
        mask = combine(mask, arrays.channel == CHANNELS.index(filters.channel))
    if filters.age:
        mask = combine(mask, arrays.age == AGE_CODES.index(filters.age))
    if filters.gender:
        mask = combine(mask, arrays.gender == GENDER_CODES.index(filters.gender))
    for key, code in filters.answers:
        variable = arrays.variable(key)
        position = [str(value) for value in variable.codes].index(code)
        column = arrays.columns[key]
        if variable.kind == "multi":
            mask = combine(mask, (column >= 0) & ((column & (1 << position)) != 0))
        else:
            mask = combine(mask, column == position)
    return mask


def _select(array: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return array if rows is None else array[rows]


# ---------------------------------------------------------------------------------------------
# Per-question figures


def _category_rows(labels, counts, weighted, answered, weighted_answered, with_weights) -> list[dict]:
    rows = []
    for label, count, weight in zip(labels, counts, weighted, strict=False):
        share = percent(count, answered)
        weighted_share = percent(weight, weighted_answered) if with_weights else share
        rows.append(
            {
                "label": str(label),
                "count": int(count),
                # The figures as numbers too, for what reads the dashboard (a plan's indicators).
                "share": share,
                "weighted_share": weighted_share,
                "count_text": number(count),
                "weighted_text": number(weight, 1) if with_weights else "",
                "share_text": number(share, 1),
                "weighted_share_text": number(weighted_share, 1) if with_weights else "",
                # The bar shows the weighted share when weights exist (the table gives both).
                "bar": round(weighted_share or 0.0, 1),
            }
        )
    return rows


def _summarise_cat(variable, column, weights, with_weights, numeric_scale=None) -> dict:
    size = len(variable.codes)
    shifted = column.astype(np.intp) + 1
    counts = np.bincount(shifted, minlength=size + 1)[1 : size + 1]
    weighted = np.bincount(shifted, weights=weights, minlength=size + 1)[1 : size + 1] if with_weights else counts
    answered, weighted_answered = int(counts.sum()), float(weighted.sum())
    labels = variable.labels
    if variable.dynamic:
        # Categories found in the answers (postcodes, neighbourhoods): only those of the rows
        # covered, so that a territory's page never lists what other territories answered.
        present = np.flatnonzero(counts)
        labels, counts, weighted = [labels[index] for index in present], counts[present], weighted[present]
    result = {
        "answered": answered,
        "answered_text": number(answered),
        "rows": _category_rows(labels, counts, weighted, answered, weighted_answered, with_weights),
    }
    if numeric_scale is not None:
        # Ratings: the mean over the scale's values, "don't know" left out.
        values = np.array([value if value != DONT_KNOW else np.nan for value in variable.codes], dtype=np.float64)
        scale = ~np.isnan(values)
        if counts[scale].sum() > 0:
            mean = float(np.dot(counts[scale], values[scale]) / counts[scale].sum())
            result["mean"] = mean
            result["mean_text"] = number(mean, 2)
            if with_weights and weighted[scale].sum() > 0:
                result["weighted_mean"] = float(np.dot(weighted[scale], values[scale]) / weighted[scale].sum())
                result["weighted_mean_text"] = number(result["weighted_mean"], 2)
    return result


def option_counts(column: np.ndarray, weights, size: int):
    """Per option of a multiple choice: respondents who chose it (and their weight), and the
    respondents who answered. With up to 12 options the bit masks are counted with one bincount
    (at most 4,096 distinct masks) and each option sums the masks holding its bit: one pass over
    the rows instead of one per option."""
    answered_rows = column >= 0
    answered = int(np.count_nonzero(answered_rows))
    if size <= 12:
        masks = np.where(answered_rows, column, 0).astype(np.intp)
        by_mask = np.bincount(masks, minlength=1 << size)
        bits = ((np.arange(1 << size)[:, None] >> np.arange(size)) & 1).astype(np.float64)
        by_mask[0] -= column.size - answered  # unanswered rows were counted as the empty mask
        counts = (by_mask[: 1 << size, None] * bits).sum(axis=0).astype(np.int64)
        if weights is None:
            return counts, counts, answered, float(answered)
        weighted_masks = np.bincount(masks, weights=np.where(answered_rows, weights, 0.0), minlength=1 << size)
        weighted = (weighted_masks[: 1 << size, None] * bits).sum(axis=0)
        return counts, weighted, answered, float(weights[answered_rows].sum())
    values = column[answered_rows]
    counts = np.array([np.count_nonzero(values & (1 << bit)) for bit in range(size)], dtype=np.int64)
    if weights is None:
        return counts, counts, answered, float(answered)
    row_weights = weights[answered_rows]
    weighted = np.array([row_weights[(values & (1 << bit)) != 0].sum() for bit in range(size)])
    return counts, weighted, answered, float(row_weights.sum())


def _summarise_multi(variable, column, weights, with_weights) -> dict:
    size = len(variable.codes)
    counts, weighted, answered, weighted_answered = option_counts(column, weights if with_weights else None, size)
    if not with_weights:
        weighted = counts
    return {
        "answered": answered,
        "answered_text": number(answered),
        "multiple": True,
        "rows": _category_rows(variable.labels, counts, weighted, answered, weighted_answered, with_weights),
    }


def _summarise_number(column, weights, with_weights) -> dict:
    present = ~np.isnan(column)
    values = column[present]
    result = {"answered": int(values.size), "answered_text": number(values.size), "numeric": True}
    if not values.size:
        return result
    row_weights = weights[present] if with_weights else np.ones(values.size)
    low, high = float(values.min()), float(values.max())
    integers = high - low <= 100_000 and bool(np.all(values == np.floor(values)))
    if integers:
        # Whole numbers in a bounded range: quantiles from a weighted bincount, no sort.
        offsets = (values - low).astype(np.intp)
        by_value = np.bincount(offsets, weights=row_weights)
        cumulative = np.cumsum(by_value) / by_value.sum()
        quartiles = [low + float(np.searchsorted(cumulative, q - 1e-12)) for q in (0.25, 0.5, 0.75)]
    else:
        quartiles = weighted_quantiles(values, row_weights, [0.25, 0.5, 0.75])
    result.update(
        {
            "mean": float(values.mean()),
            "weighted_mean": weighted_mean(values, row_weights) if with_weights else None,
            "mean_text": number(float(values.mean()), 2),
            "weighted_mean_text": number(weighted_mean(values, row_weights), 2) if with_weights else "",
            "median_text": number(quartiles[1], 2),
            "q1_text": number(quartiles[0], 2),
            "q3_text": number(quartiles[2], 2),
            "min_text": number(float(values.min()), 2),
            "max_text": number(float(values.max()), 2),
        }
    )
    bins = 8 if high > low else 1
    if high > low and integers and high - low < 8:
        bins = int(high - low) + 1
    span = (low, high if high > low else low + 1)
    counts, edges = np.histogram(values, bins=bins, range=span)
    weighted = np.histogram(values, bins=bins, range=span, weights=row_weights)[0] if with_weights else counts
    labels = [f"{number(edges[i], 1)} – {number(edges[i + 1], 1)}" for i in range(len(counts))]
    result["rows"] = _category_rows(labels, counts, weighted, values.size, float(row_weights.sum()), with_weights)
    result["histogram"] = True
    return result


def _summarise_ranking(variables, columns, weights, with_weights) -> dict:
    """Per option: how often it was ranked first and its mean rank. Each option's ranks are
    counted with one bincount (plus a weighted one), the means and first places read from them:
    two passes over the rows per option instead of a boolean mask per figure."""
    rows = []
    answered = 0
    for variable, column in zip(variables, columns, strict=True):
        shifted = column.astype(np.intp) + 1  # 0: not ranked, r: ranked r-th
        by_rank = np.bincount(shifted, minlength=len(variables) + 1)[1:]
        ranks = np.arange(1, by_rank.size + 1, dtype=np.float64)
        ranked = int(by_rank.sum())
        answered = max(answered, ranked)
        first = int(by_rank[0])
        row = {
            "label": str(variable.labels[0]),
            "count": first,
            "mean_rank_text": number(float(np.dot(by_rank, ranks)) / ranked, 2) if ranked else "—",
            "weighted_mean_rank_text": "",
            "first_count_text": number(first),
            "first_weighted": float(first),
        }
        if with_weights:
            weighted_by_rank = np.bincount(shifted, weights=weights, minlength=len(variables) + 1)[1:]
            total = float(weighted_by_rank.sum())
            if ranked:
                row["weighted_mean_rank_text"] = number(
                    float(np.dot(weighted_by_rank, ranks)) / total if total > 0 else None, 2
                )
            row["first_weighted"] = float(weighted_by_rank[0])
        rows.append(row)
    total_first = sum(row["first_weighted"] for row in rows)
    for row in rows:
        share = percent(row["first_weighted"], total_first)
        row["bar"] = round(share or 0.0, 1)
        row["first_share_text"] = number(share, 1)
    return {"answered": answered, "answered_text": number(answered), "ranking": True, "rows": rows}


def month_label(index: int) -> str:
    """Months since year 0 (arrays' "month" columns) as "mars 2024", in the request's language."""
    return formats.date_format(datetime.date(index // 12, index % 12 + 1, 1), "YEAR_MONTH_FORMAT")


def _summarise_months(column, weights, with_weights) -> dict:
    """A date question counted by month, in calendar order (the months with no answer left out)."""
    answered_rows = column >= 0
    months = column[answered_rows]
    answered = int(months.size)
    if not answered:
        return {"answered": 0, "answered_text": number(0), "rows": [], "by_month": True}
    first = int(months.min())
    shifted = months - first
    counts = np.bincount(shifted)
    weighted = np.bincount(shifted, weights=weights[answered_rows]) if with_weights else counts
    present = np.flatnonzero(counts)
    labels = [month_label(first + int(index)) for index in present]
    return {
        "answered": answered,
        "answered_text": number(answered),
        "rows": _category_rows(
            labels, counts[present], weighted[present], answered, float(weighted.sum()), with_weights
        ),
        "by_month": True,
    }


def question_summaries(arrays: SurveyArrays, questions, weights: np.ndarray, mask, with_weights: bool) -> list[dict]:
    """One block per question, in questionnaire order."""
    use_current_locale()
    rows = np.flatnonzero(mask) if mask is not None else None
    selected_weights = _select(weights, rows) if with_weights else None
    by_question = {}
    for variable in arrays.variables:
        by_question.setdefault(variable.question_code, []).append(variable)
    blocks = []
    for question in questions:
        variables = by_question.get(question.code)
        if not variables:
            continue
        handler = question.handler
        block = {
            "question": question,
            "code": question.code,
            "label": question.label,
            "kind": question.kind,
            # Texts have a page of their answers (the free answers); dates and positions do not.
            "free_text": handler is not None and handler.free_text,
        }
        kind = question.kind
        if kind == Question.Kind.MATRIX:
            block["matrix_rows"] = []
            for variable in variables:
                summary = _summarise_cat(
                    variable,
                    _select(arrays.columns[variable.key], rows),
                    selected_weights,
                    with_weights,
                    numeric_scale=True,
                )
                label = next(
                    (str(row.get("label", "")) for row in question.rows if str(row.get("code")) == variable.row_code),
                    variable.row_code,
                )
                block["matrix_rows"].append({"label": label, **summary})
            block["answered_text"] = block["matrix_rows"][0]["answered_text"] if block["matrix_rows"] else "0"
            block["scale_labels"] = variables[0].labels
        elif kind == Question.Kind.RANKING:
            block.update(
                _summarise_ranking(
                    variables, [_select(arrays.columns[v.key], rows) for v in variables], selected_weights, with_weights
                )
            )
        else:
            variable = variables[0]
            column = _select(arrays.columns[variable.key], rows)
            if variable.kind == "cat":
                block.update(
                    _summarise_cat(
                        variable,
                        column,
                        selected_weights,
                        with_weights,
                        numeric_scale=kind == Question.Kind.RATING or None,
                    )
                )
            elif variable.kind == "multi":
                block.update(_summarise_multi(variable, column, selected_weights, with_weights))
            elif variable.kind == "num":
                block.update(_summarise_number(column, selected_weights, with_weights))
            elif variable.kind == "month":
                block.update(_summarise_months(column, selected_weights, with_weights))
            else:
                answered = int((column >= 0).sum())
                block.update({"answered": answered, "answered_text": number(answered), "text": True})
        blocks.append(block)
    return blocks


def overview(arrays: SurveyArrays, weights: np.ndarray, mask, with_weights: bool) -> dict:
    """Respondents covered, and the effective sample size and design effect of their weights."""
    rows = np.flatnonzero(mask) if mask is not None else None
    selected = _select(weights, rows)
    respondents = int(selected.size)
    result = {"respondents": respondents, "respondents_text": number(respondents)}
    if with_weights and respondents:
        ess = effective_sample_size(selected)
        result.update(
            {
                "effective_size_text": number(ess),
                "design_effect_text": number(respondents / ess if ess else 1.0, 2),
                "min_weight_text": number(float(selected.min()), 2),
                "max_weight_text": number(float(selected.max()), 2),
            }
        )
    return result


# ---------------------------------------------------------------------------------------------
# Cross-table


def builtin_variables(arrays: SurveyArrays, deployment_names: dict) -> dict:
    """Respondent attributes usable in cross-tables: (labels, column)."""
    return {
        "_territoire": (
            _("Territoire"),
            [deployment_names.get(pk, str(pk)) for pk in arrays.deployment_ids],
            arrays.deployment,
        ),
        "_canal": (_("Canal de collecte"), [str(label) for _c, label in Response.Channel.choices], arrays.channel),
        "_age": (_("Tranche d'âge"), [str(label) for _c, label in AGE_BANDS], arrays.age),
        "_genre": (_("Genre"), [str(label) for _c, label in GENDERS], arrays.gender),
    }


def crosstab_choices(arrays: SurveyArrays, questions, deployment_names: dict) -> list[tuple[str, str]]:
    labels = {question.code: question.label for question in questions}
    choices = [(key, label) for key, (label, _labels, _column) in builtin_variables(arrays, deployment_names).items()]
    for variable in arrays.variables:
        if variable.kind == "cat" and variable.codes:
            label = labels.get(variable.question_code, variable.question_code)
            if variable.row_code:
                label = f"{label} — {variable.row_code}"
            choices.append((variable.key, label))
    return choices


def _crosstab_column(arrays, key, deployment_names):
    builtins = builtin_variables(arrays, deployment_names)
    if key in builtins:
        label, labels, column = builtins[key]
        return label, labels, column
    variable = arrays.variable(key)
    if variable is None or variable.kind != "cat" or not variable.codes:
        return None
    return variable.key, variable.labels, arrays.columns[key]


def crosstab(arrays, row_key, column_key, weights, mask, with_weights, deployment_names, labels=None) -> dict | None:
    """Counts of two single-valued variables crossed, weighted row shares, and Pearson's
    chi-square test on the unweighted counts (the test assumes a simple random sample; weighted
    shares are for reading, not for the test)."""
    row_spec = _crosstab_column(arrays, row_key, deployment_names)
    column_spec = _crosstab_column(arrays, column_key, deployment_names)
    if row_spec is None or column_spec is None:
        return None
    rows = np.flatnonzero(mask) if mask is not None else None
    row_values = _select(row_spec[2], rows).astype(np.int64)
    column_values = _select(column_spec[2], rows).astype(np.int64)
    row_count, column_count = len(row_spec[1]), len(column_spec[1])
    both = (row_values >= 0) & (column_values >= 0)
    flat = row_values[both] * column_count + column_values[both]
    counts = np.bincount(flat, minlength=row_count * column_count).reshape(row_count, column_count)
    if with_weights:
        selected_weights = _select(weights, rows)[both]
        weighted = np.bincount(flat, weights=selected_weights, minlength=row_count * column_count).reshape(
            row_count, column_count
        )
    else:
        weighted = counts.astype(np.float64)
    keep_rows = counts.sum(axis=1) > 0
    keep_columns = counts.sum(axis=0) > 0
    table_rows = []
    for index in np.flatnonzero(keep_rows):
        total = weighted[index].sum()
        cells = []
        for column in np.flatnonzero(keep_columns):
            cells.append(
                {
                    "count_text": number(int(counts[index, column])),
                    "share_text": number(percent(weighted[index, column], total), 1),
                }
            )
        table_rows.append(
            {"label": str(row_spec[1][index]), "cells": cells, "total_text": number(int(counts[index].sum()))}
        )
    column_totals = weighted[:, keep_columns].sum(axis=0)
    grand = weighted.sum()
    labels = labels or {}
    return {
        "row_label": labels.get(row_key, row_spec[0]),
        "column_label": labels.get(column_key, column_spec[0]),
        "column_labels": [str(column_spec[1][index]) for index in np.flatnonzero(keep_columns)],
        "rows": table_rows,
        "column_shares": [number(percent(value, grand), 1) for value in column_totals],
        "total_text": number(int(counts.sum())),
        "test": chi_square_test(counts),
    }


# ---------------------------------------------------------------------------------------------
# Territories side by side


def territories_side_by_side(arrays, questions, weights, positions, with_weights) -> list[dict]:
    """For each choice question: the (weighted) share of each option in each territory."""
    blocks = []
    labels = {question.code: question for question in questions}
    deployment = arrays.deployment.astype(np.int64)
    territory_count = len(arrays.deployment_ids)
    for variable in arrays.variables:
        if variable.kind not in ("cat", "multi") or not variable.codes or variable.row_code:
            continue
        question = labels.get(variable.question_code)
        if question is None:
            continue
        size = len(variable.codes)
        column = arrays.columns[variable.key]
        if variable.kind == "cat":
            answered = column >= 0
            flat = deployment[answered] * size + column[answered]
            row_weights = weights[answered] if with_weights else None
            table = np.bincount(flat, weights=row_weights, minlength=territory_count * size).reshape(
                territory_count, size
            )
            bases = table.sum(axis=1)
        else:
            table = np.zeros((territory_count, size))
            bases = np.zeros(territory_count)
            for position in positions:
                rows_here = arrays.deployment == position
                _counts, weighted, _answered, base = option_counts(
                    column[rows_here], weights[rows_here] if with_weights else None, size
                )
                table[position], bases[position] = weighted, base
        rows = []
        for index, label in enumerate(variable.labels):
            if variable.dynamic and not table[positions, index].any():
                continue  # a postcode or neighbourhood none of these territories answered
            rows.append(
                {
                    "label": str(label),
                    "shares": [number(percent(table[position, index], bases[position]), 1) for position in positions],
                }
            )
        blocks.append({"label": question.label, "code": variable.key, "rows": rows})
    return blocks


# ---------------------------------------------------------------------------------------------
# Non-audiences


def non_audience_by_territory(arrays, survey, weights, positions, with_weights, mask=None) -> list[dict] | None:
    """Share of respondents who answered the venues question and chose none of the counted venues.
    None when the definition is missing or does not match the questionnaire. With a row mask (the
    dashboard's filters), only those rows count, and territories without any are left out."""
    variable = arrays.variable(survey.non_audience_question_code) if survey.non_audience_question_code else None
    counted = [str(code) for code in (survey.non_audience_option_codes or [])]
    if variable is None or variable.kind not in ("cat", "multi") or not counted:
        return None
    codes = [str(code) for code in variable.codes]
    indexes = [codes.index(code) for code in counted if code in codes]
    if not indexes:
        return None
    column = arrays.columns[variable.key]
    answered = column >= 0
    if mask is not None:
        answered &= mask
    if variable.kind == "multi":
        counted_mask = sum(1 << index for index in indexes)
        none = answered & ((column & counted_mask) == 0)
    else:
        none = answered & ~np.isin(column, indexes)
    results = []
    for position in positions:
        territory = arrays.deployment == position
        base = answered & territory
        hits = none & territory
        if mask is not None and not base.any():
            continue
        item = {
            "position": position,
            "answered_text": number(int(base.sum())),
            "share": percent(int(hits.sum()), int(base.sum())),
        }
        item["share_text"] = number(item["share"], 1)
        if with_weights:
            item["weighted_share_text"] = number(percent(float(weights[hits].sum()), float(weights[base].sum())), 1)
        results.append(item)
    return results


# ---------------------------------------------------------------------------------------------
# Collection monitor


def answers_per_day(arrays, mask, days: int = 60) -> dict:
    """Answers per day and per channel over the last `days` days with answers (oldest first)."""
    rows = np.flatnonzero(mask) if mask is not None else None
    day = _select(arrays.day, rows)
    channel = _select(arrays.channel, rows)
    if not day.size:
        return {"days": [], "channels": []}
    last = int(day.max())
    first = max(int(day.min()), last - days + 1)
    span = last - first + 1
    recent = day >= first
    offsets = (day[recent] - first).astype(np.int64)
    channels = channel[recent].astype(np.int64)
    valid = channels >= 0
    table = np.bincount(offsets[valid] * len(CHANNELS) + channels[valid], minlength=span * len(CHANNELS)).reshape(
        span, len(CHANNELS)
    )
    peak = max(int(table.sum(axis=1).max()), 1)
    result_days = []
    for offset in range(span):
        total = int(table[offset].sum())
        result_days.append(
            {
                "date": datetime.date.fromordinal(first + offset),
                "counts": [number(int(value)) for value in table[offset]],
                "total": total,
                "total_text": number(total),
                "height": round(100.0 * total / peak, 1),
                "x": offset * 10 + 1,
                "y": round(100.0 - 100.0 * total / peak, 1),
            }
        )
    channel_totals = table.sum(axis=0)
    return {
        "days": result_days,
        "channels": [
            {"label": label, "total_text": number(int(channel_totals[index]))}
            for index, (_code, label) in enumerate(Response.Channel.choices)
        ],
        "earlier": int((~recent).sum()),
    }


def sample_structure(arrays, population: np.ndarray | None, mask) -> dict:
    """The sample's age × gender cells against the population's, and the groups to go and meet:
    cells whose share of the sample is furthest below their share of the population, with the
    number of answers that would bring them level (the others staying as they are)."""
    rows = np.flatnonzero(mask) if mask is not None else None
    age = _select(arrays.age, rows).astype(np.int64)
    gender = _select(arrays.gender, rows).astype(np.int64)
    known = (age >= 0) & (gender >= 0) & (gender < GENDERS_WEIGHTED)
    counts = np.bincount(age[known] * GENDERS_WEIGHTED + gender[known], minlength=AGES * GENDERS_WEIGHTED).reshape(
        AGES, GENDERS_WEIGHTED
    )
    sample_total = int(counts.sum())
    population_total = float(population.sum()) if population is not None else 0.0
    cells = []
    for age_index, (_age_code, age_label) in enumerate(AGE_BANDS):
        for gender_index, (_gender_code, gender_label) in enumerate(GENDERS[:GENDERS_WEIGHTED]):
            count = int(counts[age_index, gender_index])
            sample_share = percent(count, sample_total)
            cell = {
                "age": age_label,
                "gender": gender_label,
                "count_text": number(count),
                "sample_share_text": number(sample_share, 1),
                "population_share_text": "—",
                "ratio": None,
            }
            if population_total > 0:
                population_share = float(population[age_index, gender_index]) / population_total
                cell["population_share_text"] = number(100 * population_share, 1)
                if population_share > 0:
                    cell["ratio"] = (count / sample_total / population_share) if sample_total else 0.0
                    cell["ratio_text"] = number(cell["ratio"], 2)
                    if population_share < 1:
                        needed = (population_share * sample_total - count) / (1 - population_share)
                        cell["needed"] = max(0, math.ceil(needed))
            cells.append(cell)
    to_meet = sorted(
        (cell for cell in cells if cell["ratio"] is not None and cell["ratio"] < 0.8),
        key=lambda cell: cell["ratio"],
    )
    for cell in to_meet:
        cell["needed_text"] = number(cell.get("needed", 0))
    return {
        "cells": cells,
        "to_meet": to_meet,
        "sample_total_text": number(sample_total),
        "unknown_text": number(int((~known).sum())),
        "has_population": population_total > 0,
    }
