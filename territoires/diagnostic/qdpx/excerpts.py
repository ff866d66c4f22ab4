"""The excerpts of the project's coding as CSV or XLSX, as one reader may read them.

The rows are those of the excerpts page (coding/selectors.py: `visible_codings` — transcripts,
published residents' texts, the kept texts of the reader's own territories), optionally one code's,
one territory's, one profile's. A quote (and its memo, and the source's title, which may name
someone) of a territory whose transcripts the reader may not read goes through that territory's
pseudonymisation list (interviews/pseudonyms.py), as on the page; a column says so.

Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return) are prefixed with a quote: quotes are people's words, never formulas (CSV injection).
CSV is UTF-8 with a BOM and `;`, as French spreadsheets open it, streamed in chunks.
"""

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext as _

XLSX_MAX_ROWS = 100_000


def columns() -> list[str]:
    return [
        _("Code"),
        _("Code parent"),
        _("Territoire"),
        _("Profil"),
        _("Source"),
        _("Extrait"),
        _("Mémo"),
        _("Codé par"),
        _("Début"),
        _("Fin"),
        _("Pseudonymisé"),
        _("À revoir"),
    ]


def excerpt_codings(user, project, *, code=None, territory_id=None, profile=""):
    from territoires.diagnostic.coding.selectors import visible_codings

    codings = visible_codings(user, project)
    if code is not None:
        codings = codings.filter(code=code)
    if territory_id:
        codings = codings.filter(territory_id=territory_id)
    if profile:
        codings = codings.filter(profile=profile)
    return codings.select_related("code__parent", "coder", "transcript__interview", "expression").order_by(
        "code__position", "code__name", "territory_id", "pk"
    )


def excerpt_rows(user, project, codings) -> Iterator[list]:
    """One list per coding, in `columns()` order, pseudonymised where the reader is outside the circle."""
    from territoires.diagnostic.coding.rules import reads_full_quotes
    from territoires.diagnostic.coding.selectors import project_territories
    from territoires.diagnostic.interviews.models import InterviewParticipant
    from territoires.diagnostic.interviews.pseudonyms import territory_pseudonymiser

    territories = {t.pk: t for t in project_territories(project)}
    full = {pk: reads_full_quotes(user, territory) for pk, territory in territories.items()}
    pseudonymisers = {}
    profiles = dict(InterviewParticipant.Profile.choices)
    for coding in codings.iterator(chunk_size=1000):
        territory = territories.get(coding.territory_id)
        if territory is None:
            continue
        if coding.transcript_id:
            source = coding.transcript.interview.title
        else:
            source = _("Texte d'habitant n° %(id)s") % {"id": coding.expression_id}
        quote, memo = coding.quote, coding.memo
        if not full[territory.pk]:
            if territory.pk not in pseudonymisers:
                pseudonymisers[territory.pk] = territory_pseudonymiser(territory)
            hide = pseudonymisers[territory.pk]
            quote, memo, source = hide(quote), hide(memo), hide(source)
        yield [
            coding.code.name,
            coding.code.parent.name if coding.code.parent_id else "",
            territory.organisation.name,
            str(profiles.get(coding.profile, coding.profile)),
            source,
            quote,
            memo,
            str(coding.coder) if coding.coder_id else "",
            coding.start,
            coding.end,
            _("non") if full[territory.pk] else _("oui"),
            _("oui") if coding.is_stale else "",
        ]


def spreadsheet_safe(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def csv_chunks(rows: Iterator[list]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(columns())
    lines = []
    for row in rows:
        lines.append(writer.writerow([spreadsheet_safe(cell) for cell in row]))
        if len(lines) >= 500:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def as_xlsx(rows: Iterator[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Extraits"))
    sheet.append(columns())
    wrap = Alignment(wrap_text=True, vertical="top")
    for count, row in enumerate(rows):
        if count >= XLSX_MAX_ROWS:
            break
        cells = []
        for value in row:
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = WriteOnlyCell(sheet, value=spreadsheet_safe(value))
            if isinstance(value, str) and len(value) > 60:
                cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
