"""XLSForm export and import (KoboToolbox, ODK), checked with pyxform.

Export (`xlsform_export`): one XLSX with the `survey`, `choices` and `settings` sheets, labels and
hints in "French (fr)" and, when the survey has a second language, "English (en)". Mapping:

- section → `begin_group`/`end_group` (its condition → `relevant`);
- single choice → `select_one <code>`; multiple choice → `select_multiple <code>`, its maximum as
  `constraint: count-selected(.) <= n`; "other, please specify" → an `other` choice and a text
  question `<code>__other` shown when it is picked (the way answers store it; pyxform's `or_other`
  shortcut is read on import too, but it cannot be translated);
- rating scale → `select_one` over the scale's values (+ `nsp` "Ne sait pas"), appearance `likert`;
- number → `decimal` with `constraint: . >= min and . <= max`;
- short / long text → `text` (appearance `multiline` for long texts); date → `date`;
- ranking → `rank <code>` (ODK's odk:rank widget; KoboToolbox reads it as well). A tool without it
  can turn the row into `select_multiple`, which loses the order: documented, not automatic;
- matrix → a group with appearance `table-list` holding one `select_one` per row (`<code>_<row>`)
  over one shared choice list (the scale);
- neighbourhood → `select_one` over every territory's neighbourhoods; postcode → `text` with a
  five-digit `regex` constraint; age band and gender → `select_one` with the fixed census codes;
- conditions → `relevant`: `${code} = 'a'`, `selected(${code}, 'a')`, `not(...)`, `${code} != ''`,
  `${code} >= 2`, joined with `and` (all criteria) or `or` (any);
- `required` → `yes`; help texts → `hint`;
- a territory's own questions go only into that territory's export (`participation_id`).

A `tec_kind` column (ignored by pyxform, KoboToolbox and ODK) keeps the platform's kind of each row
so that a form exported here comes back identical; without it, import guesses from the XLSForm type.

Import (`xlsform_import`) creates a new draft survey, in one transaction: pyxform converts the file
first (its errors are returned with their row), then every row is read and checked by the builder's
own rules; any problem refuses the whole file with the sheet, the line and the reason.
"""

import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from territoires.surveys import questionnaire
from territoires.surveys.models import AGE_BANDS, DONT_KNOW, GENDERS, OTHER, Question, Section, Survey

Kind = Question.Kind

FR = "French (fr)"
EN = "English (en)"
KIND_COLUMN = "tec_kind"
OTHER_TEXT = "other_text"
POSTCODE_CONSTRAINT = "regex(., '^[0-9]{5}$')"
MAX_ROWS = 2000
# XLSForm rows that carry no answer of a respondent: skipped on import.
METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "phonenumber",
    "username",
    "email",
    "simserial",
    "subscriberid",
    "audit",
    "calculate",
    "note",
    "hidden",
    "start-geopoint",
    "background-audio",
}


# Export -------------------------------------------------------------------------------------------


def _label_columns(bilingual: bool, kind: str) -> list[str]:
    return [f"{kind}::{FR}"] + ([f"{kind}::{EN}"] if bilingual else [])


def _labels(item: dict, bilingual: bool, *, kind="label", fr_key="label", en_key="label_en") -> dict:
    row = {f"{kind}::{FR}": item.get(fr_key, "") or ""}
    if bilingual:
        # No fallback to French: an empty translation stays empty, so a round trip is exact.
        row[f"{kind}::{EN}"] = item.get(en_key, "") or ""
    return row


def _quote(value) -> str:
    return "'" + str(value).replace("'", "") + "'"


def relevance(condition, kinds: dict[str, str]) -> str:
    """A stored condition as an XLSForm `relevant` expression."""
    clauses = questionnaire.clauses_of(condition)
    if not clauses:
        return ""
    parts = []
    for clause in clauses:
        code, op, values = clause["question"], clause["op"], clause.get("values", [])
        ref = "${" + code + "}"
        multiple = kinds.get(code) in (Kind.MULTIPLE, Kind.RANKING)
        if op == "answered":
            parts.append(f"{ref} != ''")
        elif op in ("gte", "lte"):
            parts.append(f"{ref} {'>=' if op == 'gte' else '<='} {values[0]}")
        else:
            tests = [f"selected({ref}, {_quote(v)})" if multiple else f"{ref} = {_quote(v)}" for v in values]
            expression = tests[0] if len(tests) == 1 else "(" + " or ".join(tests) + ")"
            parts.append(f"not({expression})" if op == "not_in" else expression)
    joiner = " or " if "any" in condition else " and "
    return joiner.join(parts)


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def xlsform_rows(survey: Survey, *, participation_id: int | None = None) -> dict[str, list[dict]]:
    """The survey as XLSForm sheets: {"survey": [...], "choices": [...], "settings": [...]}.

    The common questionnaire, plus one territory's own questions when `participation_id` is given
    (a territory's questions are asked there only, so they never go into the common form)."""
    bilingual = bool(survey.second_language)
    sections, questions = questionnaire.ordered_structure(survey)
    questions = [q for q in questions if q.participation_id in (None, participation_id)]
    kinds = {question.code: question.kind for question in questions}
    codes = {question.code.lower() for question in questions}
    rows, choices = [], []

    def add_choices(list_name, items):
        for item in items:
            choices.append({"list_name": list_name, "name": item["code"], **_labels(item, bilingual)})

    neighbourhoods = {}
    deployments = survey.deployments.order_by("pk")
    if participation_id is not None:
        deployments = deployments.filter(participation_id=participation_id)
    for deployment in deployments:
        for item in deployment.neighbourhoods:
            neighbourhoods.setdefault(item["code"], item)

    for index, section in enumerate(sections, start=1):
        group_name = f"section_{index}"
        while group_name.lower() in codes:
            group_name = "_" + group_name
        rows.append(
            {
                "type": "begin_group",
                "name": group_name,
                **_labels({"label": section.title, "label_en": section.title_en}, bilingual),
                "relevant": relevance(section.condition, kinds),
            }
        )
        for question in (q for q in questions if q.section_id == section.pk):
            rows.extend(_question_rows(question, bilingual, kinds, add_choices, neighbourhoods))
        rows.append({"type": "end_group", "name": group_name})
    settings = {
        "form_title": survey.title,
        "form_id": (slugify(survey.title).replace("-", "_")[:50] or "questionnaire"),
        "version": str(survey.structure_version),
        "default_language": FR,
    }
    return {"survey": rows, "choices": choices, "settings": [settings]}


def _question_rows(question, bilingual, kinds, add_choices, neighbourhoods) -> list[dict]:
    code, kind = question.code, question.kind
    base = {
        "name": code,
        **_labels({"label": question.label, "label_en": question.label_en}, bilingual),
        **_labels(
            {"hint": question.help_text, "hint_en": question.help_text_en},
            bilingual,
            kind="hint",
            fr_key="hint",
            en_key="hint_en",
        ),
        "required": "yes" if question.required else "",
        "relevant": relevance(question.condition, kinds),
        KIND_COLUMN: kind,
    }
    dont_know = {"code": DONT_KNOW, "label": _("Ne sait pas"), "label_en": "Don't know"}

    def scale_items():
        items = [{"code": str(v), "label": str(v)} for v in range(question.scale_min, question.scale_max + 1)]
        return items + [dont_know] if question.allow_dont_know else items

    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        items = list(question.options)
        if question.allow_other:
            items.append({"code": OTHER, "label": _("Autre"), "label_en": "Other"})
        add_choices(code, items)
        row = {**base, "type": f"{'select_one' if kind == Kind.SINGLE else 'select_multiple'} {code}"}
        if kind == Kind.MULTIPLE and question.max_choices:
            row["constraint"] = f"count-selected(.) <= {question.max_choices}"
        rows = [row]
        if question.allow_other:
            test = f"selected(${{{code}}}, 'other')" if kind == Kind.MULTIPLE else f"${{{code}}} = 'other'"
            rows.append(
                {
                    "type": "text",
                    "name": f"{code}__other",
                    **_labels({"label": _("Précisez"), "label_en": "Please specify"}, bilingual),
                    "relevant": test,
                    KIND_COLUMN: OTHER_TEXT,
                }
            )
        return rows
    if kind == Kind.RANKING:
        add_choices(code, question.options)
        row = {**base, "type": f"rank {code}"}
        if question.max_choices:
            # odk:rank ranks every option: the maximum only survives in this platform's column.
            row["tec_max_choices"] = str(question.max_choices)
        return [row]
    if kind == Kind.RATING:
        add_choices(code, scale_items())
        return [{**base, "type": f"select_one {code}", "appearance": "likert"}]
    if kind == Kind.MATRIX:
        add_choices(code, scale_items())
        rows = [{**base, "type": "begin_group", "appearance": "table-list", "required": ""}]
        for item in question.rows:
            rows.append(
                {
                    "type": f"select_one {code}",
                    "name": f"{code}_{item['code']}",
                    **_labels(item, bilingual),
                    "required": "yes" if question.required else "",
                    KIND_COLUMN: "matrix_row",
                }
            )
        rows.append({"type": "end_group", "name": code})
        return rows
    if kind == Kind.NUMBER:
        bounds = []
        if question.min_value is not None:
            bounds.append(f". >= {_number(question.min_value)}")
        if question.max_value is not None:
            bounds.append(f". <= {_number(question.max_value)}")
        return [{**base, "type": "decimal", "constraint": " and ".join(bounds)}]
    if kind in (Kind.SHORT_TEXT, Kind.LONG_TEXT):
        return [{**base, "type": "text", "appearance": "multiline" if kind == Kind.LONG_TEXT else ""}]
    if kind == Kind.DATE:
        return [{**base, "type": "date"}]
    if kind == Kind.POSTCODE:
        return [{**base, "type": "text", "constraint": POSTCODE_CONSTRAINT}]
    if kind == Kind.NEIGHBOURHOOD:
        if not neighbourhoods:
            # A list may not be empty in XLSForm: a free text until the territories list theirs.
            return [{**base, "type": "text"}]
        add_choices(code, neighbourhoods.values())
        return [{**base, "type": f"select_one {code}"}]
    if kind in (Kind.AGE_BAND, Kind.GENDER):
        fixed = AGE_BANDS if kind == Kind.AGE_BAND else GENDERS
        add_choices(code, [{"code": c, "label": str(label)} for c, label in fixed])
        return [{**base, "type": f"select_one {code}"}]
    raise ValueError(kind)


def _workbook_bytes(sheets: dict[str, list[dict]]) -> bytes:
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        columns = []
        for row in rows:
            for key in row:
                if key not in columns:
                    columns.append(key)
        for col, key in enumerate(columns):
            sheet.write_string(0, col, key)
        for line, row in enumerate(rows, start=1):
            for col, key in enumerate(columns):
                value = row.get(key, "")
                if value not in ("", None):
                    sheet.write_string(line, col, str(value))
    workbook.close()
    return output.getvalue()


def xlsform_export(survey: Survey, *, participation_id: int | None = None) -> bytes:
    """The survey as an XLSForm workbook (XLSX bytes); see xlsform_rows."""
    return _workbook_bytes(xlsform_rows(survey, participation_id=participation_id))


def xlsform_check(content: bytes) -> list[str]:
    """Convert with pyxform (raises its error); returns its warnings."""
    from pyxform.xls2xform import convert

    warnings: list[str] = []
    convert(xlsform=content, warnings=warnings, file_type=".xlsx")
    return warnings


# Import -------------------------------------------------------------------------------------------


class XLSFormError(ValidationError):
    pass


def _fail(sheet: str, line: int | None, reason: str):
    if line:
        raise XLSFormError(
            _("Feuille « %(sheet)s », ligne %(line)d : %(reason)s") % {"sheet": sheet, "line": line, "reason": reason}
        )
    raise XLSFormError(_("Feuille « %(sheet)s » : %(reason)s") % {"sheet": sheet, "reason": reason})


def _read_sheets(content: bytes) -> tuple[dict[str, list[tuple[int, dict]]], dict[str, list[str]]]:
    """{sheet: [(line, {column: text})]} without empty cells, and {sheet: column names}."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 — any unreadable file gets the same answer
        raise XLSFormError(_("Ce fichier n'est pas un classeur Excel lisible (.xlsx).")) from error
    sheets, headers = {}, {}
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            sheets[sheet.title.strip().lower()] = []
            continue
        names = [str(cell).strip() if cell is not None else "" for cell in header]
        headers[sheet.title.strip().lower()] = [name for name in names if name]
        items = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                _fail(sheet.title, number, _("le fichier dépasse %(n)d lignes.") % {"n": MAX_ROWS})
            row = {
                name: str(value).strip()
                for name, value in zip(names, values, strict=False)
                if name and value is not None and str(value).strip() != ""
            }
            if row:
                items.append((number, row))
        sheets[sheet.title.strip().lower()] = items
    workbook.close()
    return sheets, headers


def _pyxform_reason(error: Exception) -> tuple[int | None, str]:
    message = str(error)
    match = re.search(r"\[row\s*:\s*(\d+)\]\s*(.*)", message, re.S)
    if match:
        return int(match.group(1)), match.group(2).strip()
    return None, message.strip()


def _language_columns(header: list[str], kind: str) -> tuple[str | None, str | None]:
    """The French and English columns of `label` or `hint` (plain `label` counts as French)."""
    columns = {name for name in header if name.lower().startswith(kind)}
    french = english = None
    for name in sorted(columns):
        lowered = name.lower().replace(" ", "")
        if lowered == kind:
            french = french or name
        elif "(fr)" in lowered or "french" in lowered or "français" in lowered or "francais" in lowered:
            french = name
        elif "(en)" in lowered or "english" in lowered or "anglais" in lowered:
            english = name
    if french is None and english is None and columns:
        french = sorted(columns)[0]
    return french, english


@dataclass
class _Draft:
    line: int
    question: Question
    section_index: int
    list_name: str = ""
    relevant: str = ""
    matrix_rows: list = field(default_factory=list)


YES = {"yes", "true", "true()", "1", "oui", "vrai"}
SELECT_RE = re.compile(r"^(select_one|select_multiple|rank)\s+(\S+)(\s+or_other)?$")
COUNT_RE = re.compile(r"^count-selected\(\s*\.\s*\)\s*<=\s*(\d+)$")
BOUND_RE = re.compile(r"^\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$")


def _parse_bounds(constraint: str, line: int) -> tuple[float | None, float | None]:
    low = high = None
    for part in re.split(r"\s+and\s+", constraint.strip()):
        match = BOUND_RE.match(part.strip())
        if not match:
            _fail(
                "survey",
                line,
                _("contrainte non reconnue « %(c)s » (attendu : . >= min and . <= max).") % {"c": constraint[:80]},
            )
        op, number = match.group(1), float(match.group(2))
        if op.startswith(">"):
            low = number
        else:
            high = number
    return low, high


RELEVANT_TERM = re.compile(
    r"""^(?:
        selected\(\s*\$\{(?P<sq>\w+)\}\s*,\s*'(?P<sv>[^']*)'\s*\)
      | \$\{(?P<eq>\w+)\}\s*=\s*'(?P<ev>[^']*)'
      | \$\{(?P<nq>\w+)\}\s*!=\s*''
      | \$\{(?P<cq>\w+)\}\s*(?P<cop>>=|<=)\s*(?P<cv>-?\d+(?:\.\d+)?)
    )$""",
    re.X,
)


def _split_top(expression: str, word: str) -> list[str]:
    """Split on ` and ` / ` or ` outside parentheses and quotes."""
    parts, depth, quote, start, i = [], 0, False, 0, 0
    token = f" {word} "
    while i < len(expression):
        char = expression[i]
        if char == "'":
            quote = not quote
        elif not quote and char == "(":
            depth += 1
        elif not quote and char == ")":
            depth -= 1
        elif not quote and depth == 0 and expression.startswith(token, i):
            parts.append(expression[start:i])
            i += len(token)
            start = i
            continue
        i += 1
    parts.append(expression[start:])
    return [part.strip() for part in parts]


def _strip_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _split_top(text[1:-1], "zz") == [text[1:-1].strip()]:
        inner = text[1:-1]
        depth = 0
        balanced = True
        for char in inner:
            depth += char == "("
            depth -= char == ")"
            if depth < 0:
                balanced = False
                break
        if not balanced:
            break
        text = inner.strip()
    return text


def parse_relevance(expression: str, line: int) -> dict:
    """An XLSForm `relevant` expression of the forms this module writes, as a stored condition."""
    expression = _strip_parens(" ".join(expression.split()))
    if not expression:
        return {}
    unsupported = _(
        "condition « %(e)s » non prise en charge (formes reconnues : ${q} = 'a', selected(${q}, 'a'), "
        "not(...), ${q} != '', ${q} >= 2, reliées par and ou par or)."
    ) % {"e": expression[:120]}
    mode = "all"
    parts = _split_top(expression, "and")
    if len(parts) == 1:
        parts = _split_top(expression, "or")
        if len(parts) > 1:
            # "a = 'x' or a = 'y'" on one question is one criterion "in"; otherwise "any".
            mode = "any"
    clauses = []
    for part in parts:
        part = _strip_parens(part)
        negated = False
        if part.startswith("not(") and part.endswith(")"):
            negated, part = True, _strip_parens(part[4:-1])
        terms = [_strip_parens(term) for term in _split_top(part, "or")]
        parsed = [RELEVANT_TERM.match(term) for term in terms]
        if not all(parsed):
            _fail("survey", line, unsupported)
        if len(parsed) == 1 and parsed[0].group("nq") and not negated:
            clauses.append({"question": parsed[0].group("nq"), "op": "answered", "values": []})
            continue
        if len(parsed) == 1 and parsed[0].group("cq") and not negated:
            match = parsed[0]
            clauses.append(
                {
                    "question": match.group("cq"),
                    "op": "gte" if match.group("cop") == ">=" else "lte",
                    "values": [float(match.group("cv"))],
                }
            )
            continue
        questions, values = set(), []
        for match in parsed:
            if match.group("sq"):
                questions.add(match.group("sq"))
                values.append(match.group("sv"))
            elif match.group("eq"):
                questions.add(match.group("eq"))
                values.append(match.group("ev"))
            else:
                _fail("survey", line, unsupported)
        if len(questions) != 1:
            _fail("survey", line, unsupported)
        clauses.append({"question": questions.pop(), "op": "not_in" if negated else "in", "values": values})
    if mode == "any" and len({clause["question"] for clause in clauses}) == 1 and all(c["op"] == "in" for c in clauses):
        clauses = [
            {"question": clauses[0]["question"], "op": "in", "values": [v for c in clauses for v in c["values"]]}
        ]
        mode = "all"
    for clause in clauses:
        clause["values"] = [int(v) if isinstance(v, float) and v.is_integer() else v for v in clause["values"]]
    return {mode: clauses}


def _choices_by_list(choice_rows, label_fr, label_en) -> dict[str, list[dict]]:
    lists: dict[str, list[dict]] = {}
    for number, row in choice_rows:
        list_name = row.get("list_name") or row.get("list name")
        name = row.get("name")
        if not list_name or not name:
            _fail("choices", number, _("il manque list_name ou name."))
        item = {"code": name, "label": row.get(label_fr or "", "") or row.get(label_en or "", "") or name}
        if label_en and row.get(label_en):
            item["label_en"] = row[label_en]
        item["_line"] = number
        lists.setdefault(list_name, []).append(item)
    return lists


def _is_scale(items: list[dict]) -> tuple[int, int, bool] | None:
    codes = [item["code"] for item in items]
    dont_know = DONT_KNOW in codes
    numbers = [code for code in codes if code != DONT_KNOW]
    if not numbers or not all(re.fullmatch(r"-?\d+", code) for code in numbers):
        return None
    values = [int(code) for code in numbers]
    if values != list(range(values[0], values[0] + len(values))) or len(values) < 2:
        return None
    return values[0], values[-1], dont_know


def _clean_items(items):
    return [{k: v for k, v in item.items() if not k.startswith("_")} for item in items]


@transaction.atomic
def xlsform_import(*, project, user, file) -> Survey:
    """A new draft survey from an XLSForm workbook; refused as a whole, with the line, on any problem."""
    content = file.read() if hasattr(file, "read") else bytes(file)
    sheets, headers = _read_sheets(content)
    if "survey" not in sheets:
        raise XLSFormError(_("Le classeur n'a pas de feuille « survey » : ce n'est pas un XLSForm."))
    try:
        xlsform_check(content)
    except Exception as error:  # noqa: BLE001 — pyxform raises several kinds; all mean "malformed"
        line, reason = _pyxform_reason(error)
        _fail("survey", line, reason or _("XLSForm invalide."))

    survey_rows = sheets["survey"]
    choice_rows = sheets.get("choices", [])
    settings = dict(sheets.get("settings", [(0, {})])[0][1]) if sheets.get("settings") else {}
    label_fr, label_en = _language_columns(headers.get("survey", []), "label")
    hint_fr, hint_en = _language_columns(headers.get("survey", []), "hint")
    choice_fr, choice_en = _language_columns(headers.get("choices", []), "label")
    lists = _choices_by_list(choice_rows, choice_fr, choice_en)
    bilingual = bool(label_en)

    title = (settings.get("form_title") or getattr(file, "name", "") or _("Questionnaire importé"))[:200]
    survey = questionnaire.survey_create(
        project=project,
        user=user,
        title=title.rsplit(".xlsx", 1)[0] or title,
        second_language="en" if bilingual else "",
    )
    # survey_create made a first section; the file's groups replace it.
    survey.sections.all().delete()

    sections: list[Section] = []
    section_relevance: list[tuple[int, str]] = []
    drafts: list[_Draft] = []
    stack: list[dict] = []  # open groups: {"kind": "section" | "matrix" | "plain", ...}
    current_section = None
    other_texts = set()

    def ensure_section(line):
        nonlocal current_section
        if current_section is None:
            current_section = Section(survey=survey, position=len(sections), title=_("Questionnaire"))
            current_section.save()
            sections.append(current_section)
            section_relevance.append((line, ""))
        return len(sections) - 1

    def label_of(row):
        return row.get(label_fr or "", "") or row.get(label_en or "", "")

    for line, row in survey_rows:
        kind_hint = row.get(KIND_COLUMN, "")
        raw_type = " ".join(row.get("type", "").split())
        lowered = raw_type.lower()
        name = row.get("name", "")
        if not raw_type:
            _fail("survey", line, _("la colonne « type » est vide."))
        if lowered in ("begin_group", "begin group"):
            if row.get("appearance", "").strip() == "table-list" or kind_hint == Kind.MATRIX:
                question = Question(
                    survey=survey,
                    code=name,
                    kind=Kind.MATRIX,
                    label=label_of(row)[:500],
                    label_en=row.get(label_en or "", "")[:500] if label_en else "",
                    help_text=row.get(hint_fr or "", "") if hint_fr else "",
                    help_text_en=row.get(hint_en or "", "") if hint_en else "",
                )
                draft = _Draft(
                    line=line, question=question, section_index=ensure_section(line), relevant=row.get("relevant", "")
                )
                drafts.append(draft)
                stack.append({"kind": "matrix", "draft": draft})
            elif not stack:
                current_section = Section(
                    survey=survey,
                    position=len(sections),
                    title=(label_of(row) or name or _("Section"))[:200],
                    title_en=(row.get(label_en or "", "") if label_en else "")[:200],
                )
                current_section.save()
                sections.append(current_section)
                section_relevance.append((line, row.get("relevant", "")))
                stack.append({"kind": "section"})
            else:
                if row.get("relevant"):
                    _fail("survey", line, _("une condition sur un groupe imbriqué n'est pas prise en charge."))
                stack.append({"kind": "plain"})
            continue
        if lowered in ("end_group", "end group"):
            if not stack:
                _fail("survey", line, _("« end_group » sans « begin_group »."))
            closed = stack.pop()
            if closed["kind"] == "section":
                current_section = None
            continue
        if lowered.startswith("begin_repeat") or lowered.startswith("begin repeat") or "repeat" in lowered:
            _fail("survey", line, _("les groupes répétés (repeat) ne sont pas pris en charge."))
        if lowered in METADATA_TYPES or kind_hint == OTHER_TEXT:
            if kind_hint == OTHER_TEXT:
                other_texts.add(name)
            continue
        if stack and stack[-1]["kind"] == "matrix":
            match = SELECT_RE.match(raw_type)
            matrix = stack[-1]["draft"]
            if not match or match.group(1) != "select_one":
                _fail(
                    "survey",
                    line,
                    _("un tableau (groupe table-list) ne contient que des select_one sur une même liste."),
                )
            if matrix.list_name and matrix.list_name != match.group(2):
                _fail("survey", line, _("les lignes d'un tableau partagent la même liste de réponses."))
            matrix.list_name = match.group(2)
            prefix = f"{matrix.question.code}_"
            row_code = name[len(prefix) :] if name.startswith(prefix) else name
            item = {"code": row_code, "label": label_of(row) or row_code}
            if label_en and row.get(label_en):
                item["label_en"] = row[label_en]
            matrix.matrix_rows.append(item)
            if row.get("required", "").lower() in YES:
                matrix.question.required = True
            continue

        question = Question(
            survey=survey,
            code=name,
            label=label_of(row)[:500],
            label_en=(row.get(label_en, "") if label_en else "")[:500],
            help_text=row.get(hint_fr, "") if hint_fr else "",
            help_text_en=row.get(hint_en, "") if hint_en else "",
            required=row.get("required", "").lower() in YES,
        )
        draft = _Draft(
            line=line, question=question, section_index=ensure_section(line), relevant=row.get("relevant", "")
        )
        constraint = row.get("constraint", "").strip()
        select = SELECT_RE.match(raw_type)
        if select:
            base, list_name, or_other = select.group(1), select.group(2), bool(select.group(3))
            if list_name not in lists:
                _fail("survey", line, _("la liste « %(name)s » manque dans la feuille choices.") % {"name": list_name})
            draft.list_name = list_name
            question.allow_other = or_other
            if base == "rank":
                question.kind = Kind.RANKING
                if row.get("tec_max_choices", "").isdigit():
                    question.max_choices = int(row["tec_max_choices"])
            elif base == "select_multiple":
                question.kind = Kind.MULTIPLE
            else:
                scale = _is_scale(lists[list_name])
                if kind_hint in (Kind.AGE_BAND, Kind.GENDER, Kind.NEIGHBOURHOOD, Kind.RATING):
                    question.kind = kind_hint
                elif row.get("appearance", "").startswith("likert") and scale:
                    question.kind = Kind.RATING
                else:
                    question.kind = Kind.SINGLE
            if constraint:
                match = COUNT_RE.match(constraint)
                if not match or question.kind != Kind.MULTIPLE:
                    _fail("survey", line, _("contrainte non reconnue « %(c)s ».") % {"c": constraint[:80]})
                question.max_choices = int(match.group(1))
        elif lowered in ("integer", "decimal"):
            question.kind = Kind.NUMBER
            if constraint:
                question.min_value, question.max_value = _parse_bounds(constraint, line)
        elif lowered == "range":
            parameters = dict(
                part.split("=", 1) for part in row.get("parameters", "").replace(";", " ").split() if "=" in part
            )
            try:
                start, end, step = (
                    float(parameters.get(key, default)) for key, default in (("start", 1), ("end", 10), ("step", 1))
                )
            except ValueError:
                _fail("survey", line, _("paramètres de « range » invalides."))
            if step != 1 or not start.is_integer() or not end.is_integer():
                question.kind, question.min_value, question.max_value = Kind.NUMBER, start, end
            else:
                question.kind, question.scale_min, question.scale_max = Kind.RATING, int(start), int(end)
        elif lowered == "text":
            if kind_hint in (Kind.POSTCODE, Kind.NEIGHBOURHOOD, Kind.SHORT_TEXT, Kind.LONG_TEXT):
                question.kind = kind_hint
            elif constraint == POSTCODE_CONSTRAINT:
                question.kind = Kind.POSTCODE
            else:
                question.kind = Kind.LONG_TEXT if "multiline" in row.get("appearance", "") else Kind.SHORT_TEXT
            if constraint and question.kind != Kind.POSTCODE:
                _fail("survey", line, _("contrainte non reconnue « %(c)s ».") % {"c": constraint[:80]})
        elif lowered == "date":
            question.kind = Kind.DATE
        else:
            _fail("survey", line, _("type « %(type)s » non pris en charge.") % {"type": raw_type[:60]})
        drafts.append(draft)
    if stack:
        _fail("survey", None, _("un « begin_group » n'est pas refermé par « end_group »."))
    if not drafts:
        _fail("survey", None, _("aucune question reconnue."))

    # Options, scales and the "other" text questions, now that every row is known.
    positions: dict[int, int] = {}
    for draft in drafts:
        question = draft.question
        items = _clean_items(lists.get(draft.list_name, []))
        if question.kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.RANKING):
            if any(item["code"] == OTHER for item in items) and question.kind != Kind.RANKING:
                items = [item for item in items if item["code"] != OTHER]
                question.allow_other = True
            question.options = items
        elif question.kind in (Kind.RATING, Kind.MATRIX) and draft.list_name:
            scale = _is_scale(items)
            if scale is None:
                _fail(
                    "survey",
                    draft.line,
                    _("l'échelle doit suivre des entiers consécutifs (et « nsp » pour « Ne sait pas »)."),
                )
            question.scale_min, question.scale_max, question.allow_dont_know = scale
        elif question.kind == Kind.NEIGHBOURHOOD:
            question.options = []
        if question.kind == Kind.MATRIX:
            question.rows = draft.matrix_rows
            if not draft.list_name:
                _fail("survey", draft.line, _("le tableau n'a aucune ligne."))
        question.section = sections[draft.section_index]
        position = positions.get(draft.section_index, 0)
        question.position = position
        positions[draft.section_index] = position + 1
    codes = [draft.question.code for draft in drafts]
    for draft in drafts:
        question = draft.question
        errors = questionnaire.check_question(question, other_codes=[c for c in codes if c != question.code])
        if codes.count(question.code) > 1:
            errors.setdefault("code", []).append(
                _("Le code « %(code)s » est utilisé deux fois.") % {"code": question.code}
            )
        if errors:
            _fail("survey", draft.line, " ".join(message for messages in errors.values() for message in messages))
        question.condition = parse_relevance(draft.relevant, draft.line) if draft.relevant else {}
    Question.objects.bulk_create([draft.question for draft in drafts])
    for section, (line, relevant) in zip(sections, section_relevance, strict=True):
        if relevant:
            section.condition = parse_relevance(relevant, line)
            section.save(update_fields=["condition"])
    # A neighbourhood list goes to every territory's deployment, where each referent adapts it.
    neighbourhood_lists = [
        _clean_items(lists[d.list_name]) for d in drafts if d.question.kind == Kind.NEIGHBOURHOOD and d.list_name
    ]
    if neighbourhood_lists:
        survey.deployments.update(neighbourhoods=neighbourhood_lists[0])
    errors = questionnaire.structure_errors(*questionnaire.ordered_structure(survey))
    if errors:
        raise XLSFormError([_("Feuille « survey » : %(reason)s") % {"reason": message} for message in errors])
    return survey
