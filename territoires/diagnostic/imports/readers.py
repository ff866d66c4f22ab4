"""Reading an uploaded table without trusting it: CSV (UTF-8, UTF-8 with BOM or Latin-1/Windows-1252;
comma or semicolon), XLSX (inspected as a ZIP before anything is inflated, territoires/core/archives.py)
or GeoJSON (a FeatureCollection of points).

`open_table` reads the head of the file (encoding, delimiter, columns) and counts its rows, stopping
past the row limit: a file too long is refused before any row is mapped. `Table.rows()` then streams
the rows as {column: text}, one at a time, so that memory does not grow with the file. Every refusal is
a French `TableError`.
"""

import codecs
import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from territoires.core.archives import open_zip

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".geojson": "geojson", ".json": "geojson"}
SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
# The coordinates of a GeoJSON point, offered as one "lat, lon" column.
GEOMETRY_COLUMN = "géométrie (latitude, longitude)"
# csv's default field limit (128 KB) is kept: a longer cell is a broken file, said per line.


class TableError(ValidationError):
    pass


@dataclass
class Table:
    path: Path
    file_format: str
    columns: list[str]
    row_count: int
    encoding: str = ""
    delimiter: str = ""
    _geojson: list = field(default_factory=list, repr=False)

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number as a person sees it in the file, {column: text}) for each non-empty row."""
        if self.file_format == "csv":
            yield from _csv_rows(self.path, self.encoding, self.delimiter, self.columns)
        elif self.file_format == "xlsx":
            yield from _xlsx_rows(self.path, self.columns)
        else:
            yield from _geojson_rows(self._geojson or _load_geojson(self.path), self.columns)


def format_of(filename: str) -> str | None:
    return FORMATS.get(Path(filename).suffix.lower())


def open_table(path: Path, file_format: str, *, max_rows: int, known_rows: int | None = None) -> Table:
    """`known_rows`: the count made at upload (the run does not count again)."""
    if file_format == "csv":
        encoding = detect_encoding(path)
        delimiter, columns = _csv_head(path, encoding)
        count = (
            known_rows if known_rows is not None else _count(_csv_rows(path, encoding, delimiter, columns), max_rows)
        )
        return Table(path, "csv", columns, count, encoding, delimiter)
    if file_format == "xlsx":
        columns = _xlsx_columns(path)
        return Table(path, "xlsx", columns, _count(_xlsx_rows(path, columns), max_rows))
    if file_format == "geojson":
        features = _load_geojson(path)
        if len(features) > max_rows:
            raise _too_many(max_rows)
        columns = _geojson_columns(features)
        return Table(path, "geojson", columns, len(features), _geojson=features)
    raise TableError(_("Déposez un fichier CSV, XLSX ou GeoJSON."), code="format")


def _too_many(max_rows: int) -> TableError:
    return TableError(
        _(
            "Le fichier compte plus de %(max)s lignes : découpez-le (par commune ou par département) "
            "et importez les morceaux l'un après l'autre."
        )
        % {"max": f"{max_rows:,}".replace(",", "\u202f")},
        code="too_many_rows",
    )


def _count(rows: Iterator, max_rows: int) -> int:
    count = 0
    for _row in rows:
        count += 1
        if count > max_rows:
            raise _too_many(max_rows)
    return count


# --- Encoding and delimiter -------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """utf-8-sig (with or without BOM) when the whole file decodes; else Windows-1252 (the
    "Latin-1" of French spreadsheets) when its text looks like text; else a refusal."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head.strip():
        raise TableError(_("Le fichier est vide."), code="empty")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise TableError(
            _(
                "Ce fichier n'est pas un texte en UTF-8 ni en Latin-1 (encodage UTF-16 ou fichier binaire). "
                "Enregistrez-le au format « CSV UTF-8 » depuis votre tableur."
            ),
            code="encoding",
        )
    if _decodes(path, "utf-8-sig"):
        return "utf-8-sig"
    if _decodes(path, "cp1252") and _plausible(head.decode("cp1252", errors="replace")):
        return "cp1252"
    raise TableError(
        _(
            "L'encodage de ce fichier n'est pas reconnu (ni UTF-8, ni Latin-1). "
            "Enregistrez-le au format « CSV UTF-8 » depuis votre tableur, puis déposez-le à nouveau."
        ),
        code="encoding",
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _plausible(text: str) -> bool:
    """Text a French file could hold: letters, digits, punctuation, a few symbols. A file in another
    single-byte or multi-byte encoding read as Windows-1252 is full of symbols and control signs."""
    odd = sum(
        1
        for char in text
        if unicodedata.category(char) in ("Cc", "Co", "Cn", "So", "Sk")
        and char not in "\r\n\t"
        or "\u0080" <= char <= "\u009f"
    )
    return odd <= max(2, len(text) // 200)


def _csv_head(path: Path, encoding: str) -> tuple[str, list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(SAMPLE_BYTES)
    lines = sample.splitlines()
    first = lines[0] if lines else ""
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = max(",;\t", key=first.count)
    # The sniffer can be fooled by commas inside quoted cells: the header decides between , and ;.
    if first.count(";") > first.count(",") and delimiter != "\t":
        delimiter = ";"
    elif first.count(",") > first.count(";") and delimiter != "\t":
        delimiter = ","
    try:
        header = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
    except (csv.Error, StopIteration) as error:
        raise TableError(_("La première ligne (les noms de colonnes) est illisible."), code="header") from error
    return delimiter, _columns(header)


def _columns(header) -> list[str]:
    columns, seen = [], set()
    for position, raw in enumerate(header, start=1):
        name = " ".join(str(raw if raw is not None else "").replace("\x00", "").split())[:100]
        if not name:
            name = _("colonne %(n)s") % {"n": position}
        base, n = name, 2
        while name in seen:
            name, n = f"{base} ({n})", n + 1
        seen.add(name)
        columns.append(name)
    if not any(re.search(r"[^\W\d_]", name) for name in columns) or len(columns) < 2:
        raise TableError(
            _(
                "La première ligne du fichier doit nommer ses colonnes (au moins deux, par exemple « Nom » et "
                "« Adresse ») : aucune colonne utilisable n'a été trouvée."
            ),
            code="no_columns",
        )
    return columns


def _csv_rows(path: Path, encoding: str, delimiter: str, columns: list[str]) -> Iterator[tuple[int, dict]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        width = len(columns)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise TableError(
                    _("Ligne %(line)s : le fichier CSV est mal formé (%(error)s).")
                    % {"line": reader.line_num, "error": error},
                    code="csv",
                ) from error
            if not any(record):
                continue
            if len(record) < width:
                record = record + [""] * (width - len(record))
            yield reader.line_num, dict(zip(columns, record, strict=False))


# --- XLSX --------------------------------------------------------------------------------------


def _workbook(path: Path):
    import openpyxl

    try:
        # The central directory first: openpyxl inflates whole parts (shared strings) into memory.
        with open_zip(path):
            pass
    except ValidationError as error:
        raise TableError(error.messages[0], code=error.code) from error
    except Exception as error:  # noqa: BLE001 — any unreadable archive gets the same answer
        raise TableError(_("Ce fichier n'est pas un classeur Excel lisible (.xlsx)."), code="xlsx") from error
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001
        raise TableError(_("Ce fichier n'est pas un classeur Excel lisible (.xlsx)."), code="xlsx") from error


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\x00", "")


def _xlsx_columns(path: Path) -> list[str]:
    workbook = _workbook(path)
    try:
        sheet = workbook.worksheets[0]
        header = next(sheet.iter_rows(values_only=True, max_row=1), None)
    finally:
        workbook.close()
    if not header:
        raise TableError(_("La première feuille du classeur est vide."), code="empty")
    return _columns([_cell_text(value) for value in header])


def _xlsx_rows(path: Path, columns: list[str]) -> Iterator[tuple[int, dict]]:
    workbook = _workbook(path)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        next(rows, None)
        for line, values in enumerate(rows, start=2):
            texts = [_cell_text(value) for value in values[: len(columns)]]
            if any(texts):
                yield line, dict(zip(columns, texts + [""] * (len(columns) - len(texts)), strict=False))
    finally:
        workbook.close()


# --- GeoJSON ------------------------------------------------------------------------------------


def _not_geojson(detail: str) -> TableError:
    return TableError(_("Ce fichier n'est pas un GeoJSON utilisable : %(detail)s") % {"detail": detail}, code="geojson")


# A GeoJSON is read whole (json has no streaming reader in the standard library): about ten times
# its size in memory, hence a lower bound than for CSV (about 30,000 points).
GEOJSON_MAX_BYTES = 10 * 1024 * 1024


def _load_geojson(path: Path) -> list:
    if path.stat().st_size > GEOJSON_MAX_BYTES:
        raise _not_geojson(
            _("un GeoJSON de plus de 10 Mo n'est pas lu ici : exportez les points en CSV (latitude, longitude).")
        )
    try:
        with path.open("rb") as handle:
            data = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise _not_geojson(_("ce n'est pas du JSON valide.")) from error
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _not_geojson(_("il doit être une collection d'objets (« type » : « FeatureCollection »)."))
    features = data.get("features")
    if not isinstance(features, list):
        raise _not_geojson(_("la liste « features » manque."))
    for position, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise _not_geojson(_("l'objet n° %(n)s n'est pas un « Feature ».") % {"n": position})
        properties = feature.get("properties")
        if properties is not None and not isinstance(properties, dict):
            raise _not_geojson(_("les propriétés de l'objet n° %(n)s ne sont pas un dictionnaire.") % {"n": position})
    return features


def _geojson_columns(features: list) -> list[str]:
    names: dict[str, None] = {}
    for feature in features[:1000]:
        for key in feature.get("properties") or {}:
            names[str(key)] = None
    return _columns([*names, GEOMETRY_COLUMN])


def _point_text(geometry) -> str:
    """A point's "lat, lon" (GeoJSON writes [lon, lat]); empty for anything else."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return ""
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return ""
    lon, lat = coordinates[0], coordinates[1]
    if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in (lon, lat)):
        return ""
    return f"{lat}, {lon}"


def _geojson_rows(features: list, columns: list[str]) -> Iterator[tuple[int, dict]]:
    for position, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        row = {column: _cell_text(properties.get(column)) for column in columns[:-1]}
        row[GEOMETRY_COLUMN] = _point_text(feature.get("geometry"))
        yield position, row
