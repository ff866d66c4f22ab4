"""Column presets for the open-data files a diagnostic starts from, in their real shapes
(../shared/data/venues/SOURCE.md, tests/diagnostic/samples/README.md).

A preset says which column fills which field (`mapping`), where the facts come from (`source`, the
default `year`) and, where a file needs it, a `finish(row, values)` hook that adds what one column
cannot say (an address in three columns, a type label to a code). The person can change every
column of a preset in the mapping form: a preset is a starting point, not a lock.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from territoires.diagnostic import venues
from territoires.diagnostic.codes import BASILIC_TYPES, BPE_TYPEQU

BASILIC = "Ministère de la Culture — Basilic (Base des lieux et équipements culturels)"
BPE = "INSEE — Base permanente des équipements"
POPULATION = "INSEE — Recensement de la population, population par sexe et âge"


@dataclass(frozen=True)
class Preset:
    code: str
    label: str
    target: str  # "directory" or "population"
    source: str
    year: int
    mapping: dict[str, str]
    kind: str = "place"
    finish: object = None
    # Columns that must be present for the file to be recognised as this preset's.
    signature: tuple[str, ...] = field(default=())

    def recognises(self, columns: list[str]) -> bool:
        present = {column.casefold() for column in columns}
        return all(name.casefold() in present for name in self.signature or tuple(self.mapping.values()))


def _normalised(text: str) -> str:
    from unicodedata import combining, normalize

    text = normalize("NFKD", (text or "").casefold())
    return " ".join("".join(char for char in text if not combining(char)).replace("'", " ").split())


# Basilic's "Type équipement ou lieu" labels → the directory's place types.
_BASILIC_LABELS = {
    **{_normalised(str(label)): code for code, label in BASILIC_TYPES},
    "bibliotheque": "bibliotheque",
    "mediatheque": "bibliotheque",
    "musee": "musee",
    "cinema": "cinema",
    "theatre": "theatre",
    "scene": "salle_spectacle",
    "opera": "salle_spectacle",
    "conservatoire": "conservatoire",
    "centre d art": "centre_art",
    "centre de creation artistique": "centre_art",
    "centre de creation musicale": "salle_spectacle",
    "centre culturel": "centre_culturel",
    "service d archives": "archives",
    "monument": "monument",
    "lieu de memoire": "monument",
    "maison des illustres": "monument",
    "lieu archeologique": "lieu_archeologique",
    "parc et jardin": "espace_public",
    "espace protege": "espace_public",
}
_BPE_TO_BASILIC = {"F303": "cinema", "F304": "musee", "F305": "conservatoire", "F307": "bibliotheque",
                   "F308": "salle_spectacle", "F309": "monument", "F313": "archives", "F314": "centre_culturel"}  # fmt: skip


def place_type_code(label: str) -> str:
    """A type label as files write it ("Musée", "Théâtre", "bibliotheque") → a place type code, or ""."""
    return _BASILIC_LABELS.get(_normalised(label), "")


def _address(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part and part.strip())


def _finish_basilic(row: dict, values: dict) -> None:
    label = row.get("Label et appellation", "").strip()
    domain = row.get("Domaine", "").strip()
    values["description"] = " · ".join(part for part in (domain, row.get("Sous_domaine", "").strip(), label) if part)
    for column in ("Jauge_du_theatre", "Nombre_fauteuils_de_cinema"):
        seats = row.get(column, "").strip().split(".")[0]
        if seats.isdigit() and not values.get("capacity"):
            values["capacity"] = seats


def _finish_bpe(row: dict, values: dict) -> None:
    code = values.get("bpe_code", "")
    values["place_type"] = values.get("place_type") or _BPE_TO_BASILIC.get(code, "autre")
    values["address"] = values.get("address") or _address(row.get("NUMVOIE", ""), row.get("INDREP", ""),
                                                          row.get("TYPVOIE", ""), row.get("LIBVOIE", ""))  # fmt: skip
    if not values.get("name"):
        # The BPE names only some equipment (NOMRS): the others are called by their type.
        label = str(dict(BPE_TYPEQU).get(code, code)).split("—")[-1].strip()
        values["name"] = f"{label} ({row.get('DEPCOM', '').strip()})" if label else ""


def _finish_museofile(row: dict, values: dict) -> None:
    name = values.get("name", "")
    values["name"] = name[:1].upper() + name[1:]
    values["description"] = venues._known(values.get("description", "")).replace(";", ", ")
    values["place_type"], values["bpe_code"] = "musee", "F304"


def _finish_libraries(row: dict, values: dict) -> None:
    values["place_type"], values["bpe_code"] = "bibliotheque", "F307"


def _finish_festivals(row: dict, values: dict) -> None:
    # The commune is the INSEE code inside "FEST_<insee>_<n>"; the coordinates are the commune's
    # centre, not the festival's place (venues.festivals): not kept.
    match = re.match(r"^FEST_(\w{5})_\d+$", values.get("source_ref", "").strip())
    values["commune_code"] = match.group(1) if match else ""
    values["latlon"] = ""
    details = [row.get("Discipline dominante", ""), row.get("Période principale de déroulement du festival", "")]
    created = row.get("Année de création du festival", "").strip()
    if created:
        details.append(f"créé en {created}")
    values["description"] = " · ".join(part.strip() for part in details if part and part.strip())
    values["engagement_type"] = "festival"


def _finish_cinemas(row: dict, values: dict) -> None:
    values["name"] = values.get("name", "").title()
    values["place_type"], values["bpe_code"] = "cinema", "F303"


PRESETS: dict[str, Preset] = {
    preset.code: preset
    for preset in (
        Preset(
            "basilic", _("Basilic — lieux et équipements culturels (ministère de la Culture)"), "directory",
            BASILIC, 2024,
            {"name": "Nom", "address": "Adresse", "postcode": "Code Postal", "commune": "libelle_geographique",
             "commune_code": "code_insee", "source_ref": "Identifiant_deps_a_partir_de_2022",
             "place_type": "Type équipement ou lieu", "latitude": "Latitude", "longitude": "Longitude"},
            finish=_finish_basilic,
            signature=("Nom", "code_insee", "Type équipement ou lieu", "Identifiant_deps_a_partir_de_2022"),
        ),
        Preset(
            "bpe", _("Base permanente des équipements (INSEE, coordonnées Lambert-93)"), "directory", BPE, 2023,
            {"name": "NOMRS", "commune_code": "DEPCOM", "postcode": "CODPOS", "bpe_code": "TYPEQU",
             "lambert_x": "LAMBERT_X", "lambert_y": "LAMBERT_Y", "siret": "SIRET"},
            finish=_finish_bpe, signature=("DEPCOM", "TYPEQU", "LAMBERT_X", "LAMBERT_Y"),
        ),
        Preset(
            "museofile", _("Muséofile — musées de France (ministère de la Culture)"), "directory",
            venues.MUSEOFILE, venues.SOURCE_YEAR,
            {"name": "Nom_officiel", "address": "Adresse", "postcode": "Code_postal", "commune": "Ville",
             "source_ref": "Identifiant", "latlon": "Coordonnees", "website": "URL",
             "description": "Domaine_thematique"},
            finish=_finish_museofile,
        ),
        Preset(
            "libraries", _("Adresses des bibliothèques publiques (ministère de la Culture)"), "directory",
            venues.LIBRARIES, venues.SOURCE_YEAR,
            {"name": "nom_de_l_etablissement", "address": "Adresse", "postcode": "CP", "commune": "Ville",
             "source_ref": "Code_bib", "latitude": "Latitude", "longitude": "Longitude",
             "website": "site_internet", "capacity": "nombre_de_places"},
            finish=_finish_libraries,
        ),
        Preset(
            "festivals", _("Panorama des festivals (ministère de la Culture)"), "directory",
            venues.FESTIVALS, venues.SOURCE_YEAR,
            {"name": "Nom du festival", "source_ref": "Identifiant", "postcode": "Code postal"},
            kind="engagement", finish=_finish_festivals,
            signature=("Nom du festival", "Identifiant", "Discipline dominante"),
        ),
        Preset(
            "cinemas", _("Établissements cinématographiques (CNC)"), "directory", venues.CINEMAS, venues.SOURCE_YEAR,
            {"name": "Nom_cinema", "commune_code": "code_postal", "commune": "commune"},
            finish=_finish_cinemas,
        ),
        Preset(
            "population_age", _("Population par sexe et âge détaillé (INSEE, AGED100)"), "population",
            POPULATION, 2021,
            {"commune_code": "CODGEO", "sex": "SEXE", "age": "AGED100", "population": "NB"},
        ),
        Preset(
            "population_quinquennal", _("Population par sexe et âge quinquennal (INSEE, AGEQ80_17)"), "population",
            POPULATION, 2021,
            {"commune_code": "CODGEO", "sex": "SEXE", "age": "AGEQ80_17", "population": "NB"},
        ),
    )
}  # fmt: skip


def presets_for(target: str) -> list[Preset]:
    return [preset for preset in PRESETS.values() if preset.target == target]


def recognise(columns: list[str], target: str) -> Preset | None:
    return next((preset for preset in presets_for(target) if preset.recognises(columns)), None)
