"""Reads the real open-data files of cultural venues in their own shapes (data/venues/SOURCE.md):
Muséofile's museums, the public libraries, the CNC's cinemas and the festivals panorama.

Each reader yields `VenueRow`s for the communes asked (by INSEE code, or by name where the file has
no code), with the source and its year to show on the card. Small on purpose: the general import
with column mapping, encodings and Lambert-93 is the next slice of the diagnostic.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
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


def _decimal(value: str) -> Decimal | None:
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return number.quantize(Decimal("0.000001")) if number.is_finite() else None


def _lat_lon(value: str) -> tuple[Decimal | None, Decimal | None]:
    """ "lat, lon" in one field (Muséofile, festivals)."""
    parts = [part.strip() for part in (value or "").split(",")]
    if len(parts) != 2:
        return None, None
    return _decimal(parts[0]), _decimal(parts[1])


def _known(value: str) -> str:
    """The files write "Inconnu" where they know nothing."""
    value = (value or "").strip()
    return "" if value.casefold() == "inconnu" else value


def _url(value: str) -> str:
    value = (value or "").strip()
    if value and not re.match(r"^https?://", value):
        value = "https://" + value
    return value


def _rows(path: Path, delimiter: str):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=delimiter)


def _same_name(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def museums(communes: dict[str, str], path: Path = DATA_DIR / "musees-de-france.csv") -> Iterator[VenueRow]:
    """`communes`: {insee_code: name}. The file names communes, not their codes."""
    for row in _rows(path, ","):
        insee = next((code for code, name in communes.items() if _same_name(name, row["Ville"])), None)
        if insee is None:
            continue
        latitude, longitude = _lat_lon(row["Coordonnees"])
        yield VenueRow(
            kind="place", name=row["Nom_officiel"].strip()[:1].upper() + row["Nom_officiel"].strip()[1:],
            commune_insee=insee, commune_name=row["Ville"], source=MUSEOFILE, source_ref=row["Identifiant"],
            address=f"{row['Adresse']}, {row['Code_postal']} {row['Ville']}", latitude=latitude,
            longitude=longitude, website=_url(row["URL"]), basilic_type="musee", bpe_code="F304",
            description=_known(row["Domaine_thematique"]).replace(";", ", "),
        )  # fmt: skip


def libraries(communes: dict[str, str], path: Path = DATA_DIR / "bibliotheques-publiques.csv") -> Iterator[VenueRow]:
    for row in _rows(path, ","):
        insee = next((code for code, name in communes.items() if _same_name(name, row["Ville"])), None)
        if insee is None:
            continue
        seats = (row.get("nombre_de_places") or "").strip()
        yield VenueRow(
            kind="place", name=row["nom_de_l_etablissement"].strip(), commune_insee=insee,
            commune_name=row["Ville"], source=LIBRARIES, source_ref=row["Code_bib"],
            address=f"{row['Adresse']}, {row['CP']} {row['Ville']}", latitude=_decimal(row["Latitude"]),
            longitude=_decimal(row["Longitude"]), website=_url(row["site_internet"]),
            basilic_type="bibliotheque", bpe_code="F307", capacity=int(seats) if seats.isdigit() else None,
        )  # fmt: skip


def cinemas(communes: dict[str, str], path: Path = DATA_DIR / "cinemas.csv") -> Iterator[VenueRow]:
    """The column "code_postal" of this file holds the INSEE commune code."""
    for row in _rows(path, ";"):
        insee = row["code_postal"].strip()
        if insee not in communes:
            continue
        yield VenueRow(
            kind="place", name=row["Nom_cinema"].strip().title(), commune_insee=insee, commune_name=row["commune"],
            source=CINEMAS, basilic_type="cinema", bpe_code="F303",
        )  # fmt: skip


def festivals(communes: dict[str, str], path: Path = DATA_DIR / "festivals.csv") -> Iterator[VenueRow]:
    """The postcode is shared by neighbouring communes (Guichen's 35580): the commune is the INSEE
    code inside the identifier "FEST_<insee>_<n>". Coordinates are the commune's centre: not kept."""
    for row in _rows(path, ";"):
        match = re.match(r"^FEST_(\w{5})_\d+$", row["Identifiant"].strip())
        if match is None or match.group(1) not in communes:
            continue
        details = [row["Discipline dominante"], row["Période principale de déroulement du festival"]]
        created = row["Année de création du festival"].strip()
        if created:
            details.append(f"créé en {created}")
        yield VenueRow(
            kind="engagement", name=row["Nom du festival"].strip(), commune_insee=match.group(1),
            commune_name=communes[match.group(1)], source=FESTIVALS, source_ref=row["Identifiant"].strip(),
            engagement_type="festival", description=" · ".join(part for part in details if part),
        )  # fmt: skip


def all_venues(communes: dict[str, str]) -> Iterator[VenueRow]:
    for reader in (museums, libraries, cinemas, festivals):
        yield from reader(communes)
