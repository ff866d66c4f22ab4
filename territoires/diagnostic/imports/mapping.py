"""From a row of the file to the facts of an entry: which column fills which field, the conversions
(numbers written the French way, coordinates in one field, two columns or Lambert-93), and the
problems of each line in French words.

`convert_row` returns the values and the list of problems; a line with a problem is not imported
and its problems go to the downloadable report.
"""

import hashlib
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoires.core.process_caches import process_cached
from territoires.diagnostic.codes import BASILIC_TYPES, BPE_TYPEQU, ENGAGEMENT_TYPES
from territoires.diagnostic.geo import check_position
from territoires.diagnostic.identifiers import normalise_rna, normalise_siret, validate_rna, validate_siret
from territoires.diagnostic.imports.presets import Preset, _normalised, place_type_code
from territoires.diagnostic.venues import _url


@dataclass(frozen=True)
class Target:
    code: str
    label: str
    kinds: tuple[str, ...] = ("actor", "place", "engagement")
    help: str = ""


DIRECTORY_TARGETS = [
    Target("name", gettext_lazy("Nom")),
    Target("source_ref", gettext_lazy("Identifiant dans la source"),
           help=gettext_lazy("Ce qui fait reconnaître la ligne quand le fichier est importé à nouveau.")),
    Target("address", gettext_lazy("Adresse")),
    Target("postcode", gettext_lazy("Code postal")),
    Target("commune", gettext_lazy("Commune")),
    Target("commune_code", gettext_lazy("Code INSEE de la commune"),
           help=gettext_lazy("Les lignes d'une autre commune que celle du territoire sont laissées de côté.")),
    Target("latlon", gettext_lazy("Position « latitude, longitude » dans une seule colonne")),
    Target("latitude", gettext_lazy("Latitude (degrés décimaux)")),
    Target("longitude", gettext_lazy("Longitude (degrés décimaux)")),
    Target("lambert_x", gettext_lazy("X en Lambert-93 (mètres)")),
    Target("lambert_y", gettext_lazy("Y en Lambert-93 (mètres)")),
    Target("website", gettext_lazy("Site internet")),
    Target("description", gettext_lazy("Présentation")),
    Target("neighbourhood", gettext_lazy("Quartier")),
    Target("siret", gettext_lazy("SIRET"), ("actor", "place")),
    Target("rna", gettext_lazy("RNA"), ("actor",)),
    Target("place_type", gettext_lazy("Type de lieu (libellé Basilic)"), ("place",)),
    Target("bpe_code", gettext_lazy("Code d'équipement INSEE (TYPEQU)"), ("place",)),
    Target("capacity", gettext_lazy("Capacité (places)"), ("place",)),
    Target("engagement_type", gettext_lazy("Nature de l'objet (événement, festival…)"), ("engagement",)),
]  # fmt: skip

POPULATION_TARGETS = [
    Target("commune_code", gettext_lazy("Code INSEE de la commune")),
    Target("sex", gettext_lazy("Sexe : 1 ou H pour les hommes, 2 ou F pour les femmes")),
    Target("age", gettext_lazy("Âge : années (AGED100) ou début de tranche quinquennale (AGEQ80_17)")),
    Target("population", gettext_lazy("Population")),
]

TARGETS = {"directory": DIRECTORY_TARGETS, "population": POPULATION_TARGETS}
REQUIRED = {"directory": ("name",), "population": ("commune_code", "sex", "age", "population")}
BPE_CODES = {code for code, _label in BPE_TYPEQU}
ENGAGEMENT_CODES = {code for code, _label in ENGAGEMENT_TYPES}
_ENGAGEMENT_LABELS = {_normalised(str(label)): code for code, label in ENGAGEMENT_TYPES}


def targets_for(target: str, kind: str = "") -> list[Target]:
    return [t for t in TARGETS[target] if not kind or target != "directory" or kind in t.kinds]


def initial_mapping(preset: Preset | None, columns: list[str]) -> dict[str, str]:
    """The preset's columns that the file has (compared without case), else the columns whose name is
    the field's (a file already in the directory's own shape)."""
    by_folded = {column.casefold(): column for column in columns}
    mapping = {}
    if preset is not None:
        for target, column in preset.mapping.items():
            if column.casefold() in by_folded:
                mapping[target] = by_folded[column.casefold()]
        return mapping
    aliases = {"nom": "name", "name": "name", "adresse": "address", "latitude": "latitude", "lat": "latitude",
               "longitude": "longitude", "lon": "longitude", "lng": "longitude", "siret": "siret", "rna": "rna",
               "site internet": "website", "site_internet": "website", "url": "website", "quartier": "neighbourhood",
               "code postal": "postcode", "cp": "postcode", "commune": "commune", "ville": "commune",
               "code insee": "commune_code", "code_insee": "commune_code", "identifiant": "source_ref",
               "capacite": "capacity", "description": "description", "presentation": "description"}  # fmt: skip
    for column in columns:
        target = aliases.get(_normalised(column))
        if target and target not in mapping:
            mapping[target] = column
    return mapping


# --- Values ------------------------------------------------------------------------------------


def _number(text: str) -> float | None:
    """12.5, 12,5, 1 234,5 (French), with spaces or non-breaking spaces."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "")
    if not cleaned:
        return None
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _split_lat_lon(text: str) -> tuple[float | None, float | None] | None:
    """ "46.32, -0.45" or "46.32;-0.45" or "46.32 -0.45" or "46,32 ; -0,45"; None when unreadable."""
    text = (text or "").strip().strip("()[]")
    if not text:
        return None, None
    for separator in (";", ",", " "):
        parts = [part for part in text.split(separator) if part.strip()]
        if len(parts) == 2:
            lat, lon = _number(parts[0]), _number(parts[1])
            if lat is not None and lon is not None:
                return lat, lon
    return None


@process_cached(
    name="diagnostic.lambert93",
    bench="diagnostic.import",
    reason="a pyproj Transformer, built once per process rather than once per Lambert-93 row (a few ms each)",
)
def _lambert_to_wgs84():
    from pyproj import Transformer, network

    # The wheel carries PROJ's data; the grids PROJ could fetch are never asked for (no network at
    # run time, whatever PROJ_NETWORK says). EPSG:2154 (RGF93 v1 / Lambert-93) to EPSG:4326;
    # always_xy: (x, y) in, (lon, lat) out.
    network.set_network_enabled(False)
    return Transformer.from_crs(2154, 4326, always_xy=True)


def lambert93_to_lat_lon(x: float, y: float) -> tuple[float, float]:
    lon, lat = _lambert_to_wgs84().transform(x, y)
    return lat, lon


def _in_lambert93(x: float, y: float) -> bool:
    # Metropolitan France's Lambert-93 extent, with a margin.
    return 50_000 <= x <= 1_300_000 and 6_000_000 <= y <= 7_150_000


def _position(values: dict, problems: list[str]) -> tuple[Decimal | None, Decimal | None]:
    lat = lon = None
    if values.get("lambert_x") or values.get("lambert_y"):
        x, y = _number(values.get("lambert_x", "")), _number(values.get("lambert_y", ""))
        if x is None or y is None:
            problems.append(_("coordonnées Lambert-93 incomplètes ou illisibles (X « %(x)s », Y « %(y)s »)")
                            % {"x": values.get("lambert_x", "")[:20], "y": values.get("lambert_y", "")[:20]})  # fmt: skip
            return None, None
        if not _in_lambert93(x, y):
            if _in_lambert93(y, x):
                problems.append(_("X et Y Lambert-93 semblent inversés (X %(x)s, Y %(y)s) : échangez les deux colonnes")
                                % {"x": x, "y": y})  # fmt: skip
            elif abs(x) <= 180 and abs(y) <= 90:
                problems.append(_("X et Y (%(x)s, %(y)s) sont des degrés, pas des mètres Lambert-93 : "
                                  "choisissez les colonnes latitude et longitude") % {"x": x, "y": y})  # fmt: skip
            else:
                problems.append(_("X et Y Lambert-93 (%(x)s, %(y)s) sont hors de France métropolitaine")
                                % {"x": x, "y": y})  # fmt: skip
            return None, None
        lat, lon = lambert93_to_lat_lon(x, y)
    elif values.get("latlon"):
        pair = _split_lat_lon(values["latlon"])
        if pair is None:
            problems.append(_("position « %(value)s » illisible (attendu : « latitude, longitude »)")
                            % {"value": values["latlon"][:40]})  # fmt: skip
            return None, None
        lat, lon = pair
    elif values.get("latitude") or values.get("longitude"):
        lat, lon = _number(values.get("latitude", "")), _number(values.get("longitude", ""))
        if lat is None or lon is None:
            problems.append(_("latitude et longitude incomplètes ou illisibles (« %(lat)s », « %(lon)s »)")
                            % {"lat": values.get("latitude", "")[:20], "lon": values.get("longitude", "")[:20]})  # fmt: skip
            return None, None
    if lat is None:
        return None, None
    try:
        check_position(lat, lon)
    except ValidationError as error:
        problems.extend(message.rstrip(".") for message in error.messages)
        return None, None
    quantum = Decimal("0.000001")
    return Decimal(repr(round(lat, 6))).quantize(quantum), Decimal(repr(round(lon, 6))).quantize(quantum)


def _valid_url(url: str) -> bool:
    from django.core.validators import URLValidator

    try:
        URLValidator()(url)
    except ValidationError:
        return False
    return True


def source_key(name: str, address: str, commune: str) -> str:
    """The source key of a line without identifier: the same name, address and commune give the same
    key, so that a re-import recognises the line."""
    digest = hashlib.sha256(f"{_normalised(name)}|{_normalised(address)}|{_normalised(commune)}".encode()).hexdigest()
    return f"cle-{digest[:24]}"


@dataclass(slots=True)
class EntryValues:
    line: int
    source_ref: str
    commune_code: str
    name: str
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    website: str = ""
    description: str = ""
    neighbourhood: str = ""
    siret: str = ""
    rna: str = ""
    basilic_type: str = ""
    bpe_code: str = ""
    capacity: int | None = None
    engagement_type: str = ""


# Fields of an entry an import writes (and compares on re-import).
ENTRY_FIELDS = ("name", "address", "latitude", "longitude", "website", "description", "neighbourhood", "siret",
                "rna", "basilic_type", "bpe_code", "capacity", "engagement_type")  # fmt: skip
MAX_LENGTHS = {"name": 200, "address": 300, "website": 300, "neighbourhood": 120}


def convert_row(
    line: int, row: dict, mapping: dict, kind: str, preset: Preset | None
) -> tuple[EntryValues | None, list[str]]:
    values = {target: (row.get(column) or "").strip() for target, column in mapping.items() if column}
    if preset is not None and preset.finish is not None:
        preset.finish(row, values)
    problems: list[str] = []
    name = " ".join(values.get("name", "").split())
    if not name:
        problems.append(_("le nom est vide"))
    labels = {target.code: target.label for target in DIRECTORY_TARGETS}
    for field, limit in MAX_LENGTHS.items():
        if len(values.get(field, "")) > limit:
            problems.append(
                _("« %(field)s » trop long (%(limit)s caractères au plus)") % {"field": labels[field], "limit": limit}
            )
    if "\x00" in "".join(values.values()):
        problems.append(_("caractère nul dans la ligne"))
    latitude, longitude = _position(values, problems)
    address = values.get("address", "")
    place = " ".join(part for part in (values.get("postcode", ""), values.get("commune", "")) if part)
    if place and place.casefold() not in address.casefold():
        address = f"{address}, {place}" if address else place
    # A website that is not an address ("Site internet propre" in the libraries file) is left out: it
    # does not make the venue less real.
    website = _url(values.get("website", "")) if values.get("website") else ""
    if website and not _valid_url(website):
        website = ""
    siret = normalise_siret(values.get("siret", "")) if kind != "engagement" else ""
    rna = normalise_rna(values.get("rna", "")) if kind == "actor" else ""
    for validate, value in ((validate_siret, siret), (validate_rna, rna)):
        try:
            validate(value)
        except ValidationError as error:
            problems.append(error.messages[0].rstrip("."))
    capacity = None
    if kind == "place" and values.get("capacity"):
        number = _number(values["capacity"])
        if number is None or number < 0 or number > 200_000 or not float(number).is_integer():
            problems.append(_("capacité « %(value)s » : un nombre entier de places est attendu")
                            % {"value": values["capacity"][:20]})  # fmt: skip
        else:
            capacity = int(number)
    basilic_type = bpe_code = engagement_type = ""
    if kind == "place":
        label = values.get("place_type", "")
        basilic_type = label if label in PLACE_CODES else place_type_code(label)
        if label and not basilic_type:
            basilic_type = "autre"
            values["description"] = " · ".join(p for p in (values.get("description", ""), label) if p)
        bpe_code = values.get("bpe_code", "").upper()
        if bpe_code and not re.fullmatch(r"[A-Z]\d{3}", bpe_code):
            problems.append(_("code d'équipement « %(value)s » : 1 lettre et 3 chiffres attendus (ex. F307)")
                            % {"value": bpe_code[:10]})  # fmt: skip
    if kind == "engagement":
        raw = values.get("engagement_type", "")
        engagement_type = raw if raw in ENGAGEMENT_CODES else _ENGAGEMENT_LABELS.get(_normalised(raw), "")
        if not engagement_type:
            engagement_type = "event"
    if problems:
        return None, problems
    source_ref = values.get("source_ref", "")[:60] or source_key(name, values.get("address", ""), place)
    return (
        EntryValues(
            line=line, source_ref=source_ref, commune_code=values.get("commune_code", "").strip()[:5], name=name[:200],
            address=address[:300], latitude=latitude, longitude=longitude, website=website[:300],
            description=values.get("description", ""), neighbourhood=values.get("neighbourhood", "")[:120],
            siret=siret, rna=rna, basilic_type=basilic_type, bpe_code=bpe_code, capacity=capacity,
            engagement_type=engagement_type,
        ),
        [],
    )  # fmt: skip


PLACE_CODES = frozenset(code for code, _label in BASILIC_TYPES)


# --- Population ----------------------------------------------------------------------------------

SEXES = {"1": "m", "h": "m", "m": "m", "homme": "m", "hommes": "m", "2": "f", "f": "f", "femme": "f", "femmes": "f"}


@dataclass(slots=True)
class PopulationValues:
    line: int
    commune_code: str
    sex: str
    age_min: int
    population: float


def convert_population_row(line: int, row: dict, mapping: dict) -> tuple[PopulationValues | None, list[str]]:
    values = {target: (row.get(column) or "").strip() for target, column in mapping.items() if column}
    problems = []
    code = values.get("commune_code", "").upper()
    if not re.fullmatch(r"\d[\dAB]\d{3}", code):
        problems.append(_("code commune « %(value)s » : 5 caractères attendus (ex. 79191)") % {"value": code[:10]})
    sex = SEXES.get(_normalised(values.get("sex", "")))
    if sex is None:
        problems.append(_("sexe « %(value)s » inconnu (1 ou H, 2 ou F)") % {"value": values.get("sex", "")[:10]})
    age_text = values.get("age", "").rstrip("+").strip()
    age = int(age_text) if age_text.isdigit() and int(age_text) <= 120 else None
    if age is None:
        problems.append(_("âge « %(value)s » : un nombre d'années est attendu") % {"value": values.get("age", "")[:10]})
    population = _number(values.get("population", ""))
    if population is None or population < 0 or population > 10_000_000:
        problems.append(_("population « %(value)s » : un nombre positif est attendu")
                        % {"value": values.get("population", "")[:20]})  # fmt: skip
    if problems:
        return None, problems
    return PopulationValues(line, code, sex, age, population), []
