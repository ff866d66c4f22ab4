"""The directory on a map and in files: the GeoJSON the map page reads, and the exports of a
filtered selection as GeoJSON and CSV.

Every function takes entries the caller already scoped with `selectors.visible_entries` and
filtered with `filters.EntryFilterForm`: what a person gets here is exactly what the list shows
them. Rows are read with `values_list` (no model instances) and written with one `json.dumps`
for the map data, in chunks for the exports (streamed: an export never holds the whole file).

Contact persons are written only when `with_contacts` is true, which the view sets from
`diagnostic.view_entry_contact`'s condition for a whole selection: the person is a member of the
project (a visitor, a resident or an observer never gets them).
"""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import FloatField
from django.db.models.functions import Cast
from django.urls import reverse

from territoires.diagnostic import codes, domains
from territoires.diagnostic.kinds import KINDS

# Positions read as floats by the database: no Decimal made and converted back per row.
MAP_FIELDS = (
    "pk",
    "name",
    "kind",
    Cast("latitude", FloatField()),
    Cast("longitude", FloatField()),
    "family_id",
    "basilic_type",
    "engagement_type",
)


@dataclass(frozen=True)
class Labels:
    """The readable labels of the codes an entry carries, computed once per request."""

    kinds: dict
    families: dict
    categories: dict
    territories: dict
    legal_forms: dict

    @classmethod
    def for_project(cls, *, families, territories) -> "Labels":
        return cls(
            kinds={code: str(kind.label) for code, kind in KINDS.items()},
            families={family.pk: family.name for family in families},
            categories={code: str(label) for code, label in [*codes.BASILIC_TYPES, *codes.ENGAGEMENT_TYPES]},
            territories={t.pk: t.organisation.name for t in territories},
            legal_forms={code: str(label) for code, label in codes.LEGAL_FORMS},
        )

    def category(self, family_id, basilic_type, engagement_type) -> str:
        if family_id is not None:
            return self.families.get(family_id, "")
        code = basilic_type or engagement_type
        return self.categories.get(code, code or "")


def _entry_url_prefix() -> str:
    return reverse("diagnostic:entry_detail", args=[0]).removesuffix("0/")


def map_data(entries, labels: Labels) -> str:
    """A GeoJSON FeatureCollection (RFC 7946) of the entries that have a position: the map's data.

    Lean on purpose (the map of a territory holds thousands of points): each feature carries its
    id, name, kind and category; the page builds the card's address from the id and the kind's
    label from its legend. The list beside the map, and the exports, carry everything else.
    Coordinates to 5 decimals (about a metre)."""
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [round(longitude, 5), round(latitude, 5)]},
            "properties": {
                "name": name,
                "kind": kind,
                "category": labels.category(family_id, basilic_type, engagement_type),
            },
        }
        for pk, name, kind, latitude, longitude, family_id, basilic_type, engagement_type in entries.filter(
            latitude__isnull=False
        )
        .order_by("pk")
        .values_list(*MAP_FIELDS)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))


def territory_points(entries, labels: Labels) -> str:
    """Each territory's name at the centre of its located entries in the selection, as JSON: the
    map writes them on its plain background when it has no tiles, so that a point can be placed."""
    from django.db.models import Avg

    rows = (
        entries.filter(latitude__isnull=False)
        .order_by()
        .values_list("territory_id")
        .annotate(latitude=Avg(Cast("latitude", FloatField())), longitude=Avg(Cast("longitude", FloatField())))
    )
    return json.dumps(
        [
            {"name": labels.territories[pk], "lat": round(latitude, 5), "lon": round(longitude, 5)}
            for pk, latitude, longitude in rows
            if pk in labels.territories
        ],
        ensure_ascii=False,
    )


# The exports' columns: (header, field read from the database or None for a computed one).
EXPORT_COLUMNS = [
    ("identifiant", "pk"),
    ("type_de_fiche", "kind"),
    ("nom", "name"),
    ("territoire", "territory_id"),
    ("famille", "family_id"),
    ("categorie", "basilic_type"),
    ("nature", "engagement_type"),
    ("code_bpe", "bpe_code"),
    ("domaine", None),
    ("quartier", "neighbourhood"),
    ("adresse", "address"),
    ("latitude", "latitude"),
    ("longitude", "longitude"),
    ("site_internet", "website"),
    ("forme_juridique", "legal_form"),
    ("siret", "siret"),
    ("rna", "rna"),
    ("missions", "missions"),
    ("publics", "audiences"),
    ("capacite", "capacity"),
    ("accessibilite", "accessibility"),
    ("debut", "starts_on"),
    ("fin", "ends_on"),
    ("presentation", "description"),
    ("source", "source"),
    ("annee_source", "source_year"),
    ("identifiant_source", "source_ref"),
    ("publiee", "status"),
    ("fiche_fictive", "is_synthetic"),
    ("adresse_fiche", None),
]
CONTACT_COLUMNS = [
    ("contact_nom", "contact_name"),
    ("contact_courriel", "contact_email"),
    ("contact_telephone", "contact_phone"),
]
CHUNK = 2000


def _export_rows(entries, labels: Labels, *, with_contacts: bool, site_url: str) -> Iterator[dict]:
    columns = EXPORT_COLUMNS + (CONTACT_COLUMNS if with_contacts else [])
    fields = [field for _header, field in columns if field is not None]
    prefix = site_url + _entry_url_prefix()
    for values in entries.order_by("pk").values_list(*fields).iterator(chunk_size=CHUNK):
        row = dict(zip(fields, values, strict=True))
        yield {
            header: _export_value(field, row, labels, prefix) if field is not None else None
            for header, field in columns
        } | {
            "domaine": domains.label(domains.domain_of(row["basilic_type"], row["bpe_code"])),
            "adresse_fiche": f"{prefix}{row['pk']}/",
        }


def _export_value(field, row, labels: Labels, prefix):
    value = row[field]
    if value is None:
        return ""
    if field == "kind":
        return labels.kinds.get(value, value)
    if field == "territory_id":
        return labels.territories.get(value, "")
    if field == "family_id":
        return labels.families.get(value, "")
    if field in ("basilic_type", "engagement_type"):
        return labels.categories.get(value, value)
    if field == "legal_form":
        return labels.legal_forms.get(value, value)
    if field == "status":
        return "oui" if value == "published" else "non"
    if field == "is_synthetic":
        return "oui" if value else "non"
    if field in ("latitude", "longitude"):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class _Echo:
    def write(self, value):
        return value


def csv_chunks(entries, labels: Labels, *, with_contacts: bool, site_url: str) -> Iterator[str]:
    """The selection as CSV (UTF-8 with a BOM and `;`, as French spreadsheets open it), in chunks.

    A cell that starts like a formula is prefixed with a quote so that a spreadsheet shows it as
    text: entries come from imports and from many hands (CSV injection)."""
    writer = csv.writer(_Echo(), delimiter=";")
    headers = [header for header, _field in EXPORT_COLUMNS + (CONTACT_COLUMNS if with_contacts else [])]
    yield "\ufeff" + writer.writerow(headers)
    lines = []
    for row in _export_rows(entries, labels, with_contacts=with_contacts, site_url=site_url):
        lines.append(writer.writerow([_spreadsheet_safe(row[header]) for header in headers]))
        if len(lines) >= 500:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _spreadsheet_safe(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def geojson_chunks(entries, labels: Labels, *, with_contacts: bool, site_url: str) -> Iterator[str]:
    """The selection as a GeoJSON FeatureCollection with every exported column as properties; an
    entry without a position is a Feature with a null geometry (RFC 7946, 3.2), so that the file
    holds the same entries as the CSV."""
    yield '{"type":"FeatureCollection","features":['
    first = True
    for row in _export_rows(entries, labels, with_contacts=with_contacts, site_url=site_url):
        latitude, longitude = row["latitude"], row["longitude"]
        geometry = None
        if latitude != "" and longitude != "":
            geometry = {"type": "Point", "coordinates": [round(longitude, 6), round(latitude, 6)]}
        properties = {key: value for key, value in row.items() if key not in ("latitude", "longitude")}
        feature = {"type": "Feature", "id": row["identifiant"], "geometry": geometry, "properties": properties}
        yield ("" if first else ",") + json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
        first = False
    yield "]}"


def export_filename(project, extension: str) -> str:
    return f"annuaire-{project.slug}.{extension}"
