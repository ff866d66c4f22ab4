"""Cascading choices (XLSForm `choice_filter`): the options of a single or multiple choice offered
according to earlier answers, e.g. a list of towns filtered by the département chosen before.

Stored on the question as `Question.choice_filter`, a list of criteria that must all hold:
    [{"question": "departement", "column": "departement", "op": "eq"}]
and on each option as `option["filters"] = {"departement": "79"}` (the option's cell in that extra
column of the XLSForm `choices` sheet; the column `name` is the option's own code). Operators:

- `eq`: the option's value is the answer (or one of the answers of a multiple choice) —
  XLSForm `departement = ${departement}` or `${departement} = departement`, `filter=${q}`;
- `neq`: it is not — `name != ${favori}` (a second favourite other than the first);
- `selected`: it is among the answers of a multiple choice — `selected(${lieux}, name)`;
- `not_selected`: it is not — `not(selected(${lieux}, name))`.

One function (`offered`) decides for the validation (schema.py), the questionnaire's pages
(kinds/choice.py) and, repeated in static/surveys/collect.js, the browser. A question whose filter
leaves no option is not asked (schema.visible_questions): nothing could be answered.
Other expressions (literals, arithmetic, `or`, functions other than selected/not) are refused at
import with their row (xlsform.py).
"""

import re

from django.utils.translation import gettext as _

OPERATORS = ("eq", "neq", "selected", "not_selected")
NAME_COLUMN = "name"
COLUMN = r"[A-Za-z_][\w.-]*"
QUESTION = r"\$\{(\w+)\}"
# One criterion of an XLSForm choice_filter, after the expression's quotes and spaces are normalised.
TERMS = (
    (re.compile(rf"^({COLUMN})\s*=\s*{QUESTION}$"), "eq", 1, 2),
    (re.compile(rf"^{QUESTION}\s*=\s*({COLUMN})$"), "eq", 2, 1),
    (re.compile(rf"^({COLUMN})\s*!=\s*{QUESTION}$"), "neq", 1, 2),
    (re.compile(rf"^{QUESTION}\s*!=\s*({COLUMN})$"), "neq", 2, 1),
    (re.compile(rf"^selected\(\s*{QUESTION}\s*,\s*({COLUMN})\s*\)$"), "selected", 2, 1),
    (re.compile(rf"^not\(\s*selected\(\s*{QUESTION}\s*,\s*({COLUMN})\s*\)\s*\)$"), "not_selected", 2, 1),
)


def parse(expression: str) -> list[dict]:
    """The criteria of an XLSForm choice_filter (joined by `and`); ValueError with the French
    reason for any other form."""
    from territoires.surveys.xlsform import _split_top, _strip_parens

    text = _strip_parens(" ".join(expression.split()))
    if not text:
        return []
    clauses = []
    for part in _split_top(text, "and"):
        part = _strip_parens(part)
        for pattern, op, column_group, question_group in TERMS:
            match = pattern.match(part)
            if match and match.group(column_group) not in ("and", "or", "not"):
                clauses.append({"question": match.group(question_group), "column": match.group(column_group), "op": op})
                break
        else:
            raise ValueError(
                _(
                    "filtre de choix « %(f)s » non pris en charge (formes reconnues : colonne = ${question}, "
                    "${question} = colonne, colonne != ${question}, selected(${question}, colonne), "
                    "not(selected(${question}, colonne)), reliées par and)."
                )
                % {"f": expression[:120]}
            )
    return clauses


def normalise_dicts(raw) -> list[dict]:
    return [{"question": q, "column": c, "op": op} for q, c, op in normalise(raw)]


def expression(clauses) -> str:
    """The criteria as an XLSForm choice_filter (the first forms `parse` reads)."""
    parts = []
    for clause in clauses:
        ref, column = "${" + clause["question"] + "}", clause["column"]
        parts.append(
            {
                "eq": f"{column} = {ref}",
                "neq": f"{column} != {ref}",
                "selected": f"selected({ref}, {column})",
                "not_selected": f"not(selected({ref}, {column}))",
            }[clause["op"]]
        )
    return " and ".join(parts)


def columns(clauses) -> list[str]:
    """The extra columns of the choices sheet that the criteria read (`name` excepted)."""
    found = []
    for clause in clauses:
        if clause["column"] != NAME_COLUMN and clause["column"] not in found:
            found.append(clause["column"])
    return found


def normalise(raw) -> tuple[tuple[str, str, str], ...]:
    """The stored criteria as (question, column, op) tuples, malformed ones left out."""
    if not isinstance(raw, list):
        return ()
    return tuple(
        (str(item["question"]), str(item["column"]), item["op"])
        for item in raw
        if isinstance(item, dict) and item.get("question") and item.get("column") and item.get("op") in OPERATORS
    )


def option_value(option: dict, column: str) -> str:
    if column == NAME_COLUMN:
        return str(option.get("code", ""))
    filters = option.get("filters")
    return str(filters.get(column, "")).strip() if isinstance(filters, dict) else ""


def _answer_set(answer) -> set[str]:
    if isinstance(answer, list):
        return {str(item).strip() for item in answer if not isinstance(item, (list, dict))}
    if answer is None or isinstance(answer, dict) or str(answer).strip() == "":
        return set()
    return {str(answer).strip()}


def offered(criteria, option: dict, answers: dict) -> bool:
    """Whether `option` is offered given the answers so far (criteria from `normalise`)."""
    for question, column, op in criteria:
        given = _answer_set(answers.get(question))
        inside = option_value(option, column) in given
        if inside != (op in ("eq", "selected")):
            return False
    return True


def offered_codes(criteria, options, answers: dict) -> set[str]:
    return {str(option["code"]) for option in options if offered(criteria, option, answers)}


def describe(criteria, option: dict, labels: dict) -> str:
    """The condition of one option in words, for the paper form ("si Département = Deux-Sèvres").
    `labels` = {question code: (question label, {code: option label})}."""
    parts = []
    for question, column, op in criteria:
        title, names = labels.get(question, (question, {}))
        value = option_value(option, column)
        value = names.get(value, value) or "—"
        parts.append(
            {
                "eq": _("%(q)s = %(v)s"),
                "neq": _("%(q)s ≠ %(v)s"),
                "selected": _("%(v)s coché à « %(q)s »"),
                "not_selected": _("%(v)s non coché à « %(q)s »"),
            }[op]
            % {"q": title, "v": value}
        )
    return _("si %(c)s") % {"c": _(" et ").join(parts)} if parts else ""
