"""Is a position in France, and were latitude and longitude typed the right way round?

Boxes around metropolitan France (Corsica included) and the overseas departments and collectivities:
coarse on purpose (a point at sea off Brittany passes), they catch the usual slips: a position
abroad, a sign lost, latitude and longitude swapped.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# (south, north, west, east)
FRANCE_BOXES = {
    "metropole": (41.3, 51.2, -5.3, 9.7),
    "guadeloupe": (15.8, 16.6, -61.9, -60.9),
    "martinique": (14.3, 14.9, -61.3, -60.8),
    "guyane": (2.1, 5.8, -54.7, -51.6),
    "reunion": (-21.4, -20.8, 55.2, 55.9),
    "mayotte": (-13.1, -12.6, 44.9, 45.4),
    "saint_pierre_et_miquelon": (46.7, 47.2, -56.5, -56.1),
    "polynesie": (-28.0, -7.0, -155.0, -134.0),
    "nouvelle_caledonie": (-23.0, -19.5, 163.5, 168.2),
}


def in_france(latitude: float, longitude: float) -> bool:
    return any(s <= latitude <= n and w <= longitude <= e for s, n, w, e in FRANCE_BOXES.values())


def check_position(latitude: Decimal | float | None, longitude: Decimal | float | None) -> None:
    """Raises a French ValidationError (on fields latitude/longitude) unless the position is empty or
    in France; says so when the two values were swapped."""
    if latitude is None and longitude is None:
        return
    if latitude is None or longitude is None:
        missing = "latitude" if latitude is None else "longitude"
        raise ValidationError(
            {missing: _("Indiquez la latitude et la longitude, ou aucune des deux.")}, code="half_position"
        )
    lat, lon = float(latitude), float(longitude)
    if not -90 <= lat <= 90:
        if in_france(lon, lat):
            raise ValidationError({"latitude": swapped_message(lat, lon)}, code="swapped")
        raise ValidationError({"latitude": _("Une latitude est comprise entre -90 et 90.")}, code="latitude_range")
    if not -180 <= lon <= 180:
        raise ValidationError({"longitude": _("Une longitude est comprise entre -180 et 180.")}, code="longitude_range")
    if in_france(lat, lon):
        return
    if in_france(lon, lat):
        raise ValidationError({"latitude": swapped_message(lat, lon)}, code="swapped")
    raise ValidationError(
        {"latitude": _("Cette position (%(lat)s, %(lon)s) est hors de France.") % {"lat": lat, "lon": lon}},
        code="outside_france",
    )


def swapped_message(lat: float, lon: float) -> str:
    return _(
        "La latitude et la longitude semblent inversées : (%(lat)s, %(lon)s) est hors de France, "
        "(%(lon)s, %(lat)s) y est. Échangez les deux valeurs."
    ) % {"lat": lat, "lon": lon}
