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

from territoires.core.archives import open_zip
from territoires.surveys import questionnaire
from territoires.surveys.kinds import choice_filter, kind_of
from territoires.surveys.models import DONT_KNOW, OTHER, Question, Section, Survey

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
        kind = kind_of(kinds.get(code, ""))
        multiple = kind is not None and kind.answers_are_lists
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
            # A cascading choice's options carry their filter cells as extra columns.
            cells = item.get("filters") if isinstance(item.get("filters"), dict) else {}
            choices.append({"list_name": list_name, "name": item["code"], **_labels(item, bilingual), **cells})

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
    handler = kind_of(kind)
    if handler is None:
        raise ValueError(kind)
    return handler.xlsform_rows(question, base, _FormContext(bilingual, add_choices, neighbourhoods))


@dataclass
class _FormContext:
    """What a kind needs to write its rows (kinds/…: xlsform_rows)."""

    bilingual: bool
    add_choices: object
    neighbourhoods: dict

    def labels(self, item: dict, **keys) -> dict:
        return _labels(item, self.bilingual, **keys)

    def constraint_message(self, question) -> dict:
        text = (question.constraint or {}).get("message") or ""
        return {f"constraint_message::{FR}": text} if text else {}


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


HEADER_ALIASES = {
    "list name": "list_name",
    "listname": "list_name",
    "constraint message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "choice filter": "choice_filter",
    "read only": "read_only",
}


def _header_name(cell) -> str:
    """A column name as this module reads it: the part before "::" in lower case, with its usual
    spellings unified ("List Name" → "list_name", "Label::French (fr)" → "label::French (fr)")."""
    if cell is None:
        return ""
    name = " ".join(str(cell).split())
    base, separator, language = name.partition("::")
    base = base.strip().lower()
    base = HEADER_ALIASES.get(base, base)
    return f"{base}::{language.strip()}" if separator else base


def _read_sheets(content: bytes) -> tuple[dict[str, list[tuple[int, dict]]], dict[str, list[str]]]:
    """{sheet: [(line, {column: text})]} without empty cells, and {sheet: column names}."""
    import openpyxl

    try:
        # The central directory first: openpyxl inflates whole parts (shared strings) into memory.
        with open_zip(io.BytesIO(content)):
            pass
    except ValidationError as error:
        raise XLSFormError(error.messages[0], code=error.code) from error
    except Exception as error:  # noqa: BLE001 — any unreadable file gets the same answer
        raise XLSFormError(_("Ce fichier n'est pas un classeur Excel lisible (.xlsx).")) from error
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
        names = [_header_name(cell) for cell in header]
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
    choice_filter: list = field(default_factory=list)  # kinds/choice_filter.py criteria


YES = {"yes", "true", "true()", "1", "oui", "vrai"}
# "select_one list", the legacy "select one from list" / "select all that apply from list", "or_other".
SELECT_RE = re.compile(
    r"^(select_one|select one|select_multiple|select multiple|select all that apply|rank)"
    r"\s+(?:from\s+)?(\S+)(\s+or[_ ]other)?$",
    re.I,
)
COUNT_RE = re.compile(r"^count-selected\(\s*\.\s*\)\s*<=\s*(\d+)$")


RELEVANT_TERM = re.compile(
    r"""^(?:
        selected\(\s*\$\{(?P<sq>\w+)\}\s*,\s*'(?P<sv>[^']*)'\s*\)
      | \$\{(?P<eq>\w+)\}\s*=\s*(?:'(?P<ev>[^']*)'|(?P<en>-?\d+))
      | \$\{(?P<nq>\w+)\}\s*!=\s*''
      | \$\{(?P<xq>\w+)\}\s*!=\s*(?:'(?P<xv>[^']+)'|(?P<xn>-?\d+))
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
        "${q} != 'a', not(...), ${q} != '', ${q} >= 2, entre parenthèses, reliées par and ou par or)."
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
        if len(parsed) == 1 and parsed[0].group("xq"):
            # ${q} != 'a' is "not in (a)" (and not(${q} != 'a') is "in (a)").
            match = parsed[0]
            value = match.group("xv") if match.group("xv") is not None else match.group("xn")
            clauses.append({"question": match.group("xq"), "op": "in" if negated else "not_in", "values": [value]})
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
                values.append(match.group("ev") if match.group("ev") is not None else match.group("en"))
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


def _choices_by_list(choice_rows, label_fr, label_en, problems) -> dict[str, list[dict]]:
    lists: dict[str, list[dict]] = {}
    for number, row in choice_rows:
        list_name = row.get("list_name")
        name = row.get("name")
        if not list_name or not name:
            problems.add("choices", number, _("il manque list_name ou name."))
            continue
        item = {"code": name, "label": row.get(label_fr or "", "") or row.get(label_en or "", "") or name}
        if label_en and row.get(label_en):
            item["label_en"] = row[label_en]
        item["_line"] = number
        item["_row"] = row  # its other columns, read by a choice_filter (_complete_drafts)
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


# Import: a small pipeline ------------------------------------------------------------------------
#
#   read_workbook (bytes → Workbook: sheets, normalised headers)
#   → parse_form (Workbook → ParsedForm: sections and unsaved questions, no database)
#   → pyxform's own check, only when the form parsed cleanly (its English messages replaced)
#   → build_questionnaire (ParsedForm → Survey, in one transaction).
# Each step adds what is wrong to one list of problems (sheet, line, reason, in French), and a file
# with any problem is refused with all of them at once; nothing is dropped without a word.

CURLY_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": "'", "”": "'", "«": "'", "»": "'"})
REGEX_RE = re.compile(r"^regex\(\s*\.\s*,\s*'(?P<pattern>.*)'\s*\)$", re.S)
NO_FUTURE_CONSTRAINTS = {".<=today()", ".<=now()", ".<today()+1"}
NUMBER_TERM = re.compile(r"^\.\s*(>=|<=|>|<|=)\s*(-?\d+(?:\.\d+)?)$")
REFERENCE_RE = re.compile(r"\$\{(\w+)\}")
UNSUPPORTED_TYPES = {
    "geotrace": _("les tracés (geotrace) ne sont pas pris en charge."),
    "geoshape": _("les surfaces (geoshape) ne sont pas prises en charge."),
}


@dataclass(frozen=True)
class Problem:
    sheet: str
    line: int | None
    reason: str
    text: str = ""  # already worded (a message of parse_relevance)

    def __str__(self) -> str:
        if self.text:
            return self.text
        if self.line:
            return _("Feuille « %(sheet)s », ligne %(line)d : %(reason)s") % {
                "sheet": self.sheet,
                "line": self.line,
                "reason": self.reason,
            }
        return _("Feuille « %(sheet)s » : %(reason)s") % {"sheet": self.sheet, "reason": self.reason}


class Problems(list):
    def add(self, sheet: str, line: int | None, reason: str) -> None:
        self.append(Problem(sheet, line, reason))

    def add_error(self, error: ValidationError) -> None:
        self.extend(Problem("survey", None, message) for message in error.messages)

    def raise_if_any(self) -> None:
        if self:
            sheets = {"survey": 0, "choices": 1, "settings": 2}
            ordered = sorted(self, key=lambda p: (sheets.get(p.sheet, 3), p.line or 0))
            raise XLSFormError([str(problem) for problem in ordered])


@dataclass
class Workbook:
    sheets: dict  # {sheet name in lower case: [(line, {column: text})]}
    headers: dict  # {sheet name: [column names]}
    name: str = ""


@dataclass
class DraftSection:
    line: int
    title: str
    title_en: str = ""
    relevant: str = ""


@dataclass
class ParsedForm:
    title: str
    bilingual: bool
    sections: list = field(default_factory=list)  # [DraftSection]
    drafts: list = field(default_factory=list)  # [_Draft], questions not saved yet
    lists: dict = field(default_factory=dict)
    problems: Problems = field(default_factory=Problems)
    choice_columns: list = field(default_factory=list)  # the choices sheet's column names


def read_workbook(content: bytes, *, name: str = "") -> Workbook:
    """Step 1: the sheets of the file (refused at once only when it cannot be read at all)."""
    sheets, headers = _read_sheets(content)
    if "survey" not in sheets:
        raise XLSFormError(_("Le classeur n'a pas de feuille « survey » : ce n'est pas un XLSForm."))
    return Workbook(sheets=sheets, headers=headers, name=name)


def _normalise(expression: str) -> str:
    return " ".join(expression.translate(CURLY_QUOTES).split())


def parse_number_constraint(constraint: str, *, integer: bool) -> tuple[float | None, float | None, list]:
    """(min, max, codes accepted outside them) from `. >= 0 and . <= 91`, `(. >= 0 and . < 92) or
    . = 9999`, …; ValueError with the French reason otherwise."""
    low = high = None
    also = []
    ranges = 0
    for part in _split_top(_strip_parens(_normalise(constraint)), "or"):
        terms = [_strip_parens(term) for term in _split_top(_strip_parens(part), "and")]
        matches = [NUMBER_TERM.match(term) for term in terms]
        if not all(matches):
            raise ValueError(
                _(
                    "contrainte non reconnue « %(c)s » (formes reconnues : . >= min and . <= max, "
                    "éventuellement « or . = code »)."
                )
                % {"c": constraint[:80]}
            )
        if len(matches) == 1 and matches[0].group(1) == "=":
            also.append(_plain_number(float(matches[0].group(2))))
            continue
        ranges += 1
        for match in matches:
            op, number = match.group(1), float(match.group(2))
            if op == "=":
                raise ValueError(
                    _("contrainte « %(c)s » : « = » seulement en dehors d'une plage.") % {"c": constraint[:80]}
                )
            if op in (">", "<"):
                if not integer or not number.is_integer():
                    raise ValueError(
                        _("contrainte « %(c)s » : une borne stricte (> ou <) ne s'applique qu'aux entiers.")
                        % {"c": constraint[:80]}
                    )
                number = number + 1 if op == ">" else number - 1
            if op.startswith(">"):
                low = number
            else:
                high = number
    if ranges > 1:
        raise ValueError(_("contrainte « %(c)s » : une seule plage de valeurs est possible.") % {"c": constraint[:80]})
    return low, high, also


def _plain_number(number: float):
    return int(number) if number.is_integer() else number


def _constraint_message(row: dict, header: list[str]) -> str:
    french, english = _language_columns(header, "constraint_message")
    return (row.get(french or "", "") or row.get(english or "", ""))[:500]


def parse_form(workbook: Workbook) -> ParsedForm:
    """Step 2: every row read and checked by the builder's own rules, without the database."""
    problems = Problems()
    sheets, headers = workbook.sheets, workbook.headers
    header = headers.get("survey", [])
    settings = dict(sheets["settings"][0][1]) if sheets.get("settings") else {}
    label_fr, label_en = _language_columns(header, "label")
    hint_fr, hint_en = _language_columns(header, "hint")
    choice_fr, choice_en = _language_columns(headers.get("choices", []), "label")
    lists = _choices_by_list(sheets.get("choices", []), choice_fr, choice_en, problems)
    title = (settings.get("form_title") or workbook.name or _("Questionnaire importé"))[:200]
    parsed = ParsedForm(
        title=title.rsplit(".xlsx", 1)[0] or title, bilingual=bool(label_en), lists=lists, problems=problems
    )
    parsed.choice_columns = headers.get("choices", [])
    names = {row.get("name") for _line, row in sheets["survey"] if row.get("name")}
    stack: list[dict] = []  # open groups: {"kind": "section" | "matrix" | "plain" | "repeat", ...}
    current_section = None

    def ensure_section(line):
        nonlocal current_section
        if current_section is None:
            parsed.sections.append(DraftSection(line=line, title=_("Questionnaire")))
            current_section = len(parsed.sections) - 1
        return current_section

    def label_of(row):
        return row.get(label_fr or "", "") or row.get(label_en or "", "")

    def texts(row) -> dict:
        return {
            "label": label_of(row)[:500],
            "label_en": (row.get(label_en, "") if label_en else "")[:500],
            "help_text": row.get(hint_fr, "") if hint_fr else "",
            "help_text_en": row.get(hint_en, "") if hint_en else "",
        }

    for line, row in sheets["survey"]:
        kind_hint = row.get(KIND_COLUMN, "")
        raw_type = " ".join(row.get("type", "").split())
        lowered = raw_type.lower()
        name = row.get("name", "")
        for text in (label_of(row), row.get(hint_fr or "", "")):
            for reference in REFERENCE_RE.findall(text or ""):
                if reference not in names:
                    problems.add(
                        "survey",
                        line,
                        _("le libellé cite ${%(name)s}, qui n'est pas une question du formulaire.")
                        % {"name": reference},
                    )
        if not raw_type:
            problems.add("survey", line, _("la colonne « type » est vide."))
            continue
        if lowered in ("begin_group", "begin group"):
            if row.get("appearance", "").strip() == "table-list" or kind_hint == Kind.MATRIX:
                question = Question(code=name, kind=Kind.MATRIX, **texts(row))
                draft = _Draft(
                    line=line, question=question, section_index=ensure_section(line), relevant=row.get("relevant", "")
                )
                parsed.drafts.append(draft)
                stack.append({"kind": "matrix", "draft": draft})
            elif not stack:
                parsed.sections.append(
                    DraftSection(
                        line=line,
                        title=(label_of(row) or name or _("Section"))[:200],
                        title_en=(row.get(label_en or "", "") if label_en else "")[:200],
                        relevant=row.get("relevant", ""),
                    )
                )
                current_section = len(parsed.sections) - 1
                stack.append({"kind": "section"})
            else:
                if row.get("relevant"):
                    problems.add("survey", line, _("une condition sur un groupe imbriqué n'est pas prise en charge."))
                stack.append({"kind": "plain"})
            continue
        if lowered in ("end_group", "end group", "end_repeat", "end repeat"):
            if not stack:
                problems.add("survey", line, _("« %(type)s » sans début de groupe.") % {"type": raw_type[:40]})
                continue
            closed = stack.pop()
            if closed["kind"] == "section":
                current_section = None
            continue
        if "repeat" in lowered:
            problems.add(
                "survey",
                line,
                _(
                    "les groupes répétés (repeat) ne sont pas pris en charge : une réponse compte une seule fois chaque question."
                ),
            )
            stack.append({"kind": "repeat"})
            continue
        if lowered in METADATA_TYPES or kind_hint == OTHER_TEXT:
            continue
        if stack and stack[-1]["kind"] == "matrix":
            if row.get("choice_filter"):
                problems.add(
                    "survey", line, _("un filtre de choix (choice_filter) ne s'applique pas à une ligne de tableau.")
                )
                continue
            _parse_matrix_row(stack[-1]["draft"], line, row, raw_type, name, label_of(row), label_en, problems)
            continue
        question = Question(code=name, required=row.get("required", "").lower() in YES, **texts(row))
        draft = _Draft(
            line=line, question=question, section_index=ensure_section(line), relevant=row.get("relevant", "")
        )
        constraint = _normalise(row.get("constraint", ""))
        message = _constraint_message(row, header)
        try:
            _parse_question(question, draft, lowered, raw_type, row, kind_hint, constraint, lists)
            if row.get("choice_filter"):
                _parse_choice_filter(question, draft, row["choice_filter"].translate(CURLY_QUOTES))
        except ValueError as error:
            problems.add("survey", line, str(error))
            continue
        if message:
            if not constraint:
                problems.add("survey", line, _("un message de contrainte sans contrainte."))
            else:
                question.constraint = {**(question.constraint or {}), "message": message}
        parsed.drafts.append(draft)
    if stack:
        problems.add("survey", None, _("un « begin_group » n'est pas refermé par « end_group »."))
    if not parsed.drafts and not problems:
        problems.add("survey", None, _("aucune question reconnue."))
    _complete_drafts(parsed)
    return parsed


# Columns of the choices sheet that a choice_filter may not compare (they hold the labels, media).
NOT_FILTER_COLUMNS = {"list_name", "label", "image", "audio", "video", "media", "big-image"}


def _parse_choice_filter(question, draft, expression: str) -> None:
    """A cascading choice: the criteria of its choice_filter (kinds/choice_filter.py); ValueError
    with the French reason for a form this platform does not evaluate."""
    draft.choice_filter = choice_filter.parse(expression)
    if not draft.choice_filter:
        return
    if question.kind == Kind.RATING:
        question.kind = Kind.SINGLE  # a filtered scale is a plain list of choices
    if question.kind not in (Kind.SINGLE, Kind.MULTIPLE):
        raise ValueError(
            _("un filtre de choix (choice_filter) ne s'applique qu'à un select_one ou un select_multiple.")
        )
    for criterion in draft.choice_filter:
        if criterion["column"].split("::")[0].lower() in NOT_FILTER_COLUMNS:
            raise ValueError(
                _("le filtre de choix compare la colonne « %(c)s », qui n'est pas une colonne de filtre.")
                % {"c": criterion["column"]}
            )
        if criterion["question"] == question.code:
            raise ValueError(_("le filtre de choix ne peut pas dépendre de la question elle-même."))


def _parse_matrix_row(matrix, line, row, raw_type, name, label, label_en, problems):
    match = SELECT_RE.match(raw_type)
    if not match or match.group(1).lower().replace(" ", "_") != "select_one":
        problems.add(
            "survey", line, _("un tableau (groupe table-list) ne contient que des select_one sur une même liste.")
        )
        return
    if matrix.list_name and matrix.list_name != match.group(2):
        problems.add("survey", line, _("les lignes d'un tableau partagent la même liste de réponses."))
        return
    matrix.list_name = match.group(2)
    prefix = f"{matrix.question.code}_"
    row_code = name[len(prefix) :] if name.startswith(prefix) else name
    item = {"code": row_code, "label": label or row_code}
    if label_en and row.get(label_en):
        item["label_en"] = row[label_en]
    matrix.matrix_rows.append(item)
    if row.get("required", "").lower() in YES:
        matrix.question.required = True


def _unknown_constraint(constraint: str) -> ValueError:
    return ValueError(_("contrainte non reconnue « %(c)s ».") % {"c": constraint[:80]})


def _parse_question(question, draft, lowered, raw_type, row, kind_hint, constraint, lists) -> None:
    """The question's kind and settings from its row; ValueError with the French reason."""
    select = SELECT_RE.match(raw_type)
    if select:
        base, list_name, or_other = select.group(1).lower(), select.group(2), bool(select.group(3))
        if list_name not in lists:
            raise ValueError(_("la liste « %(name)s » manque dans la feuille choices.") % {"name": list_name})
        draft.list_name = list_name
        question.allow_other = or_other
        if base == "rank":
            question.kind = Kind.RANKING
            if row.get("tec_max_choices", "").isdigit():
                question.max_choices = int(row["tec_max_choices"])
        elif base in ("select_multiple", "select multiple", "select all that apply"):
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
                raise _unknown_constraint(constraint)
            question.max_choices = int(match.group(1))
    elif lowered in ("integer", "int", "decimal"):
        integer = lowered != "decimal" and kind_hint != Kind.NUMBER
        question.kind = Kind.INTEGER if integer else Kind.NUMBER
        if constraint:
            low, high, also = parse_number_constraint(constraint, integer=integer)
            question.min_value, question.max_value = low, high
            if also:
                question.constraint = {"also": also}
    elif lowered == "range":
        parameters = dict(
            part.split("=", 1) for part in row.get("parameters", "").replace(";", " ").split() if "=" in part
        )
        try:
            start, end, step = (
                float(parameters.get(key, default)) for key, default in (("start", 1), ("end", 10), ("step", 1))
            )
        except ValueError:
            raise ValueError(_("paramètres de « range » invalides.")) from None
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
            match = REGEX_RE.match(constraint)
            if not match:
                raise ValueError(
                    _("contrainte non reconnue « %(c)s » (forme reconnue pour un texte : regex(., '…')).")
                    % {"c": constraint[:80]}
                )
            question.constraint = {"pattern": match.group("pattern")}
    elif lowered == "date":
        question.kind = Kind.DATE
        if constraint.replace(" ", "") in NO_FUTURE_CONSTRAINTS:
            question.no_future = True
        elif constraint:
            raise ValueError(
                _("contrainte non reconnue « %(c)s » (forme reconnue pour une date : . <= today()).")
                % {"c": constraint[:80]}
            )
    elif lowered == "note":
        question.kind = Kind.NOTE
        question.required = False
    elif lowered == "geopoint":
        question.kind = Kind.GEOPOINT
        if constraint:
            raise _unknown_constraint(constraint)
    elif lowered in UNSUPPORTED_TYPES:
        raise ValueError(str(UNSUPPORTED_TYPES[lowered]))
    else:
        raise ValueError(_("type « %(type)s » non pris en charge.") % {"type": raw_type[:60]})


def _attach_filters(draft, parsed: ParsedForm, items: list[dict], *, earlier: set[str]) -> None:
    """Each option of a cascading choice gets its cells of the columns its filter compares."""
    question = draft.question
    question.choice_filter = draft.choice_filter
    header = set(parsed.choice_columns)
    for criterion in draft.choice_filter:
        column = criterion["column"]
        if column != choice_filter.NAME_COLUMN and column not in header:
            parsed.problems.add(
                "survey",
                draft.line,
                _("le filtre de choix compare la colonne « %(c)s », absente de la feuille choices.") % {"c": column},
            )
        if criterion["question"] not in earlier:
            parsed.problems.add(
                "survey",
                draft.line,
                _("le filtre de choix cite ${%(q)s}, qui n'est pas une question posée avant celle-ci.")
                % {"q": criterion["question"]},
            )
    columns = choice_filter.columns(draft.choice_filter)
    for item, raw in zip(items, parsed.lists.get(draft.list_name, []), strict=True):
        item["filters"] = {column: raw["_row"].get(column, "") for column in columns}


def _complete_drafts(parsed: ParsedForm) -> None:
    """Options, scales and rows now that every row is known; then each question checked by the
    builder's own rules and its condition read, each problem with its line."""
    problems = parsed.problems
    for draft in parsed.drafts:
        question = draft.question
        items = _clean_items(parsed.lists.get(draft.list_name, []))
        settings = question.handler.settings if question.handler is not None else frozenset()
        if draft.choice_filter:
            _attach_filters(
                draft, parsed, items, earlier={d.question.code for d in parsed.drafts[: parsed.drafts.index(draft)]}
            )
        if "options" in settings:
            if any(item["code"] == OTHER for item in items) and "allow_other" in settings:
                items = [item for item in items if item["code"] != OTHER]
                question.allow_other = True
            question.options = items
        elif "scale" in settings and draft.list_name:
            scale = _is_scale(items)
            if scale is None:
                problems.add(
                    "survey",
                    draft.line,
                    _("l'échelle doit suivre des entiers consécutifs (et « nsp » pour « Ne sait pas »)."),
                )
                continue
            question.scale_min, question.scale_max, question.allow_dont_know = scale
        if question.kind == Kind.MATRIX:
            question.rows = draft.matrix_rows
            if not draft.list_name:
                problems.add("survey", draft.line, _("le tableau n'a aucune ligne."))
    codes = [draft.question.code for draft in parsed.drafts]
    for draft in parsed.drafts:
        question = draft.question
        errors = questionnaire.check_question(question, other_codes=[c for c in codes if c != question.code])
        if codes.count(question.code) > 1:
            errors.setdefault("code", []).append(
                _("Le code « %(code)s » est utilisé deux fois.") % {"code": question.code}
            )
        for messages in errors.values():
            for message in messages:
                problems.add("survey", draft.line, message)
        if draft.relevant:
            try:
                question.condition = parse_relevance(draft.relevant.translate(CURLY_QUOTES), draft.line)
            except XLSFormError as error:
                problems.extend(Problem("survey", draft.line, "", message) for message in error.messages)
    for section in parsed.sections:
        if section.relevant:
            try:
                parse_relevance(section.relevant.translate(CURLY_QUOTES), section.line)
            except XLSFormError as error:
                problems.extend(Problem("survey", section.line, "", message) for message in error.messages)


PYXFORM_MESSAGES = [
    (
        re.compile(r"no survey element with this name|replace \$\{(\w+)\}", re.I),
        _("une référence ${…} ne désigne aucune question du formulaire."),
    ),
    (re.compile(r"unknown question type", re.I), _("type de question inconnu.")),
    (re.compile(r"list name not in choices sheet", re.I), _("la liste citée manque dans la feuille choices.")),
    (re.compile(r"invalid question name|names? must begin", re.I), _("le nom (name) de la question n'est pas valide.")),
    (re.compile(r"duplicate", re.I), _("un nom est utilisé deux fois.")),
]


def pyxform_problems(content: bytes) -> Problems:
    """Step 3: pyxform's own check, its English replaced by a French reason with its row."""
    problems = Problems()
    try:
        xlsform_check(content)
    except Exception as error:  # noqa: BLE001 — pyxform raises several kinds; all mean "malformed"
        line, detail = _pyxform_reason(error)
        reason = next(
            (str(text) for pattern, text in PYXFORM_MESSAGES if pattern.search(detail)),
            _(
                "le convertisseur XLSForm de référence (pyxform) refuse cette ligne ; vérifiez son type, son nom et ses expressions."
            ),
        )
        problems.add("survey", line, reason)
    return problems


@transaction.atomic
def build_questionnaire(parsed: ParsedForm, *, project, user) -> Survey:
    """Step 4: the draft survey saved, with its sections, questions and conditions."""
    survey = questionnaire.survey_create(
        project=project, user=user, title=parsed.title, second_language="en" if parsed.bilingual else ""
    )
    # survey_create made a first section; the file's groups replace it.
    survey.sections.all().delete()
    sections = []
    for position, draft_section in enumerate(parsed.sections):
        section = Section.objects.create(
            survey=survey,
            position=position,
            title=draft_section.title,
            title_en=draft_section.title_en,
            condition=parse_relevance(draft_section.relevant.translate(CURLY_QUOTES), draft_section.line)
            if draft_section.relevant
            else {},
        )
        sections.append(section)
    positions: dict[int, int] = {}
    for draft in parsed.drafts:
        question = draft.question
        question.survey = survey
        question.section = sections[draft.section_index]
        question.position = positions.get(draft.section_index, 0)
        positions[draft.section_index] = question.position + 1
    Question.objects.bulk_create([draft.question for draft in parsed.drafts])
    # A neighbourhood list goes to every territory's deployment, where each referent adapts it.
    neighbourhood_lists = [
        _clean_items(parsed.lists[d.list_name])
        for d in parsed.drafts
        if d.question.kind == Kind.NEIGHBOURHOOD and d.list_name
    ]
    if neighbourhood_lists:
        survey.deployments.update(neighbourhoods=neighbourhood_lists[0])
    problems = Problems()
    for message in questionnaire.structure_errors(*questionnaire.ordered_structure(survey)):
        problems.add("survey", None, message)
    problems.raise_if_any()
    return survey


def xlsform_import(*, project, user, file) -> Survey:
    """A new draft survey from an XLSForm workbook; refused as a whole, with every problem of the
    file at once (sheet, line, reason), when anything in it cannot be taken over faithfully."""
    content = file.read() if hasattr(file, "read") else bytes(file)
    workbook = read_workbook(content, name=getattr(file, "name", "") or "")
    parsed = parse_form(workbook)
    if not parsed.problems:
        parsed.problems.extend(pyxform_problems(content))
    parsed.problems.raise_if_any()
    return build_questionnaire(parsed, project=project, user=user)
