"""Reads the real open-data files of cultural venues in their own shapes (data/venues/SOURCE.md):
Muséofile's museums, the public libraries, the CNC's cinemas and the festivals panorama.

Each reader yields `VenueRow`s for the communes asked (by INSEE code, or by name where the file has
no code), with the source and its year to show on the card. The rows go through the directory
import's own pipeline (imports/readers.py, the file's preset in imports/presets.py and
imports/mapping.convert_row): one way of reading these files, for the demo and for a person's import.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "venues"

MUSEOFILE = "Ministère de la Culture — Muséofile (Musées de France)"
LIBRARIES = "Ministère de la Culture — Adresses des bibliothèques publiques"
FESTIVALS = "Ministère de la Culture — Panorama des festivals"
CINEMAS = "CNC — Liste des établissements cinématographiques"
# The year of the extraction the files come from (SOURCE.md: cleaned national files, 2025).
SOURCE_YEAR = 2025


@dataclass
class VenueRow:
    kind: str  # "place" or "engagement"
    name: str
    commune_insee: str
    commune_name: str
    source: str
    source_ref: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    website: str = ""
    basilic_type: str = ""
    bpe_code: str = ""
    capacity: int | None = None
    engagement_type: str = ""
    description: str = ""
    extra: dict = field(default_factory=dict)


def _known(value: str) -> str:
    """The files write "Inconnu" where they know nothing."""
    value = (value or "").strip()
    return "" if value.casefold() == "inconnu" else value


def _url(value: str) -> str:
    value = (value or "").strip()
    if value and not re.match(r"^https?://", value):
        value = "https://" + value
    return value


def _same_name(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _through_preset(preset_code: str, path: Path, communes: dict[str, str], commune_of) -> Iterator[VenueRow]:
    """The file's rows read and converted by the import pipeline with its preset; `commune_of(row,
    values)` → the INSEE code of the row's commune among `communes`, or None to leave it out."""
    from territoires.diagnostic.imports.mapping import convert_row, initial_mapping
    from territoires.diagnostic.imports.presets import PRESETS
    from territoires.diagnostic.imports.readers import open_table

    preset = PRESETS[preset_code]
    table = open_table(path, "csv", max_rows=100_000)
    mapping = initial_mapping(preset, table.columns)
    for line, row in table.rows():
        insee = commune_of(row)
        if insee is None:
            continue
        values, _problems = convert_row(line, row, mapping, preset.kind, preset)
        if values is None:
            continue
        yield VenueRow(
            kind=preset.kind, name=values.name, commune_insee=insee, commune_name=row.get("Ville") or communes[insee],
            source=preset.source, source_ref=values.source_ref, address=values.address, latitude=values.latitude,
            longitude=values.longitude, website=values.website, basilic_type=values.basilic_type,
            bpe_code=values.bpe_code, capacity=values.capacity, engagement_type=values.engagement_type,
            description=values.description,
        )  # fmt: skip


def _by_town_name(communes: dict[str, str]):
    """Muséofile and the libraries name the commune ("Ville"), not its code."""
    return lambda row: next((code for code, name in communes.items() if _same_name(name, row.get("Ville", ""))), None)


def museums(communes: dict[str, str], path: Path = DATA_DIR / "musees-de-france.csv") -> Iterator[VenueRow]:
    """`communes`: {insee_code: name}."""
    return _through_preset("museofile", path, communes, _by_town_name(communes))


def libraries(communes: dict[str, str], path: Path = DATA_DIR / "bibliotheques-publiques.csv") -> Iterator[VenueRow]:
    return _through_preset("libraries", path, communes, _by_town_name(communes))


def cinemas(communes: dict[str, str], path: Path = DATA_DIR / "cinemas.csv") -> Iterator[VenueRow]:
    """The column "code_postal" of this file holds the INSEE commune code."""

    def commune_of(row):
        code = row.get("code_postal", "").strip()
        return code if code in communes else None

    return _through_preset("cinemas", path, communes, commune_of)


def festivals(communes: dict[str, str], path: Path = DATA_DIR / "festivals.csv") -> Iterator[VenueRow]:
    """The postcode is shared by neighbouring communes (Guichen's 35580): the commune is the INSEE
    code inside the identifier "FEST_<insee>_<n>". Coordinates are the commune's centre: not kept."""

    def commune_of(row):
        match = re.match(r"^FEST_(\w{5})_\d+$", row.get("Identifiant", "").strip())
        return match.group(1) if match and match.group(1) in communes else None

    return _through_preset("festivals", path, communes, commune_of)


def all_venues(communes: dict[str, str]) -> Iterator[VenueRow]:
    for reader in (museums, libraries, cinemas, festivals):
        yield from reader(communes)
