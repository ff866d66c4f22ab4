"""SPSS .sav files written row by row, so that an export's memory does not grow with its answers.

pyreadstat writes a .sav from a whole DataFrame: 100,000 answers × 70 columns held in memory at
once. The C library under it, ReadStat, writes row by row: declare the variables, then insert each
row's values, each row going to the file as soon as it ends. pyreadstat's compiled writer module
carries ReadStat and exports its C functions; this module calls them with ctypes — ReadStat's own
encoding of the format, labels and missing values, fed one row at a time. Files are read back with
pyreadstat in the tests (tests/surveys/test_exports.py).

The library needs each text variable's width in bytes before the first row: callers measure their
texts first (the survey export reads its rows twice).
"""

import ctypes
import importlib.metadata
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from territoires.core.process_caches import process_cached

# ReadStat's enum values, as readstat.h numbers them in the ReadStat that pyreadstat 1.3.7 compiles
# in. Enums are not symbols of the compiled module, so nothing at run time can confirm them: another
# pyreadstat could carry a ReadStat that numbers them otherwise, and a wrong code writes a wrong file
# or crashes the worker. The writer therefore runs only under a pyreadstat it was checked against,
# and only when the library exports every function it calls (writer_problems(): the system check
# surveys.E010 at start-up, a French "SPSS export unavailable" message at run time). After an
# upgrade: compare readstat.h (readstat_type_t, readstat_measure_t) and add the version below.
VERIFIED_PYREADSTAT_VERSIONS = frozenset({"1.3.7"})
DOUBLE = 5  # readstat_type_t: READSTAT_TYPE_DOUBLE
STRING = 0  # READSTAT_TYPE_STRING
MEASURES = {"nominal": 1, "ordinal": 2, "scale": 3}  # readstat_measure_t
MAX_STRING_BYTES = 32767  # SPSS's longest string variable

UNAVAILABLE_MESSAGE = gettext_lazy(
    "L'export SPSS (.sav) est indisponible sur ce serveur : la version de la bibliothèque qui écrit ces "
    "fichiers n'est pas celle pour laquelle il a été vérifié. Choisissez l'export CSV ou Excel, et "
    "signalez-le à l'équipe technique de la plateforme."
)


class SavError(Exception):
    """ReadStat refused a variable, a value or the file (its message, in English)."""


class SavUnavailable(SavError):
    """The writer cannot run under the installed pyreadstat (see writer_problems())."""


@dataclass
class SavVariable:
    name: str
    label: str = ""
    text_width: int = 0  # bytes; 0 for a numeric variable
    value_labels: dict = field(default_factory=dict)  # {number: label}
    missing_values: list = field(default_factory=list)  # user-missing codes
    measure: str = ""  # "nominal", "ordinal", "scale" or "" (ReadStat's default)
    display_format: str = ""  # e.g. "DATETIME20"


_WRITE_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
_pointer, _text, _integer, _double = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_double
# Every ReadStat function this module calls: (result type, argument types).
SIGNATURES = {
    "readstat_writer_init": (_pointer, []),
    "readstat_writer_free": (None, [_pointer]),
    "readstat_set_data_writer": (_integer, [_pointer, _WRITE_CALLBACK]),
    "readstat_writer_set_file_label": (_integer, [_pointer, _text]),
    "readstat_add_variable": (_pointer, [_pointer, _text, _integer, ctypes.c_size_t]),
    "readstat_variable_set_label": (None, [_pointer, _text]),
    "readstat_variable_set_format": (None, [_pointer, _text]),
    "readstat_variable_set_measure": (None, [_pointer, _integer]),
    "readstat_variable_set_label_set": (None, [_pointer, _pointer]),
    "readstat_variable_add_missing_double_value": (_integer, [_pointer, _double]),
    "readstat_add_label_set": (_pointer, [_pointer, _integer, _text]),
    "readstat_label_double_value": (None, [_pointer, _double, _text]),
    "readstat_begin_writing_sav": (_integer, [_pointer, _pointer, ctypes.c_long]),
    "readstat_validate_metadata": (_integer, [_pointer]),
    "readstat_validate_variable": (_integer, [_pointer, _pointer]),
    "readstat_begin_row": (_integer, [_pointer]),
    "readstat_insert_double_value": (_integer, [_pointer, _pointer, _double]),
    "readstat_insert_string_value": (_integer, [_pointer, _pointer, _text]),
    "readstat_insert_missing_value": (_integer, [_pointer, _pointer]),
    "readstat_end_row": (_integer, [_pointer]),
    "readstat_end_writing": (_integer, [_pointer]),
    "readstat_error_message": (_text, [_integer]),
}


def installed_pyreadstat_version() -> str | None:
    try:
        return importlib.metadata.version("pyreadstat")
    except importlib.metadata.PackageNotFoundError:
        return None


def _shared_library() -> ctypes.CDLL:
    from pyreadstat import _readstat_writer

    return ctypes.CDLL(_readstat_writer.__file__)


def writer_problems() -> list[str]:
    """Why the writer cannot run here (in English, for the start-up check); empty when it can."""
    version = installed_pyreadstat_version()
    if version is None:
        return ["pyreadstat is not installed"]
    problems = []
    if version not in VERIFIED_PYREADSTAT_VERSIONS:
        problems.append(
            f"pyreadstat {version} is installed, but the ReadStat enum values of territoires/surveys/spss.py "
            f"were checked against pyreadstat {', '.join(sorted(VERIFIED_PYREADSTAT_VERSIONS))}"
        )
    try:
        library = _shared_library()
    except (ImportError, OSError) as error:
        return [*problems, f"ReadStat's writer library cannot be loaded: {error}"]
    missing = [name for name in SIGNATURES if not hasattr(library, name)]
    if missing:
        problems.append(f"ReadStat's writer library lacks {', '.join(missing)}")
    return problems


@process_cached(
    name="surveys.readstat_check",
    bench="surveys.export.sav",
    reason="whether the installed pyreadstat is one the SPSS writer was checked against, worked out once",
)
def writer_available() -> bool:
    return not writer_problems()


@process_cached(
    name="surveys.readstat_library",
    bench="surveys.export.sav",
    reason="ReadStat's library loaded and its functions' signatures declared once per process",
)
def _library():
    if not writer_available():
        raise SavUnavailable(str(UNAVAILABLE_MESSAGE))
    lib = _shared_library()
    for name, (result, arguments) in SIGNATURES.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = result, arguments
    return lib


class SavWriter:
    """with SavWriter(path, variables, row_count=n, file_label=…) as writer: writer.write_row(values)

    `values` holds, per variable, a number (or None: system-missing) for a numeric variable, a
    str (or None: blank) for a text one. Exactly `row_count` rows must be written.
    """

    def __init__(self, path, variables: list[SavVariable], *, row_count: int, file_label: str = ""):
        self.lib = _library()
        self.variables = variables
        self.row_count = row_count
        self.rows_written = 0
        self.stream = open(path, "wb")  # noqa: SIM115 — closed by close()
        self.writer = self.lib.readstat_writer_init()

        stream = self.stream

        def write(data, length, _context):
            stream.write(ctypes.string_at(data, length))
            return length

        self._callback = _WRITE_CALLBACK(write)  # kept alive as long as the writer
        try:
            self._check(self.lib.readstat_set_data_writer(self.writer, self._callback))
            if file_label:
                self._check(self.lib.readstat_writer_set_file_label(self.writer, _bytes(file_label, 64)))
            self.handles = [self._declare(index, variable) for index, variable in enumerate(variables)]
            self._check(self.lib.readstat_begin_writing_sav(self.writer, None, row_count))
            self._check(self.lib.readstat_validate_metadata(self.writer))
            for handle in self.handles:
                self._check(self.lib.readstat_validate_variable(self.writer, handle))
        except BaseException:
            self.close()
            raise

    def _declare(self, index: int, variable: SavVariable):
        lib = self.lib
        is_text = variable.text_width > 0
        width = min(variable.text_width, MAX_STRING_BYTES) if is_text else 0
        handle = lib.readstat_add_variable(self.writer, variable.name.encode(), STRING if is_text else DOUBLE, width)
        if not handle:
            raise SavError(f"variable {variable.name!r} refused")
        if variable.label:
            lib.readstat_variable_set_label(handle, _bytes(variable.label, 255))
        if variable.display_format:
            lib.readstat_variable_set_format(handle, variable.display_format.encode())
        if variable.measure:
            lib.readstat_variable_set_measure(handle, MEASURES[variable.measure])
        if variable.value_labels and not is_text:
            label_set = lib.readstat_add_label_set(self.writer, DOUBLE, f"labels{index}".encode())
            for value, label in variable.value_labels.items():
                lib.readstat_label_double_value(label_set, float(value), _bytes(str(label), 120))
            lib.readstat_variable_set_label_set(handle, label_set)
        for value in variable.missing_values:
            self._check(lib.readstat_variable_add_missing_double_value(handle, float(value)))
        return handle

    def write_row(self, values) -> None:
        lib, writer = self.lib, self.writer
        insert_double, insert_text = lib.readstat_insert_double_value, lib.readstat_insert_string_value
        insert_missing = lib.readstat_insert_missing_value
        error = lib.readstat_begin_row(writer)
        for handle, variable, value in zip(self.handles, self.variables, values, strict=True):
            if value is None:
                error |= insert_missing(writer, handle)
            elif variable.text_width:
                error |= insert_text(writer, handle, _bytes(value, variable.text_width))
            else:
                error |= insert_double(writer, handle, value)
        error |= lib.readstat_end_row(writer)
        if error:
            self._check(error)
        self.rows_written += 1

    def close(self) -> None:
        """Ends the file when every announced row was written; frees the library's writer."""
        if self.writer is None:
            return
        try:
            if self.rows_written == self.row_count and not self.stream.closed:
                self._check(self.lib.readstat_end_writing(self.writer))
        finally:
            self.lib.readstat_writer_free(self.writer)
            self.writer = None
            self.stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _check(self, code: int) -> None:
        if code:
            message = self.lib.readstat_error_message(code)
            raise SavError(message.decode("utf-8", "replace") if message else f"ReadStat error {code}")


def _bytes(text, limit: int) -> bytes:
    """UTF-8, cut to `limit` bytes without splitting a character (NUL would end a C string early)."""
    data = str(text).replace("\x00", "").encode()
    if len(data) > limit:
        data = data[:limit].decode("utf-8", "ignore").encode()
    return data


def text_width(value) -> int:
    """The bytes a text value takes in a .sav (what a text variable's width must hold)."""
    return 0 if value is None else len(str(value).replace("\x00", "").encode())
