"""The geopoint kind: a position (latitude, longitude in decimal degrees, WGS 84), or, where the
territory lists its neighbourhoods, one of them instead (the list fallback for a respondent who
would rather not, or cannot, give a position).

Stored as {"lat": 46.3235, "lon": -0.4648} or {"neighbourhood": "centre"}. The questionnaire asks
for the two numbers, the widget that works everywhere (without JavaScript, by keyboard, on paper);
online and in the field a Leaflet map above them (static/surveys/geopoint-map.js, vendored Leaflet,
tiles only when MAP_TILE_URL is set) places the point and fills them. XLSForm: `geopoint`
("lat lon alt acc").
"""

from django.conf import settings
from django.utils.translation import gettext as _

from territoires.surveys.kinds import register
from territoires.surveys.kinds.base import QuestionKind
from territoires.surveys.kinds.validation import as_number, message
from territoires.surveys.kinds.widgets import neighbourhood_options, pick
from territoires.surveys.models import Question

Kind = Question.Kind
PRECISION = 6  # decimal places kept: about 10 cm


def parse_position(value) -> tuple[float, float] | None:
    """(lat, lon) from {"lat", "lon"}, [lat, lon] or "lat lon [alt acc]" (XLSForm); None if not one."""
    if isinstance(value, dict):
        lat, lon = value.get("lat"), value.get("lon")
    elif isinstance(value, list) and len(value) == 2:
        lat, lon = value
    elif isinstance(value, str) and len(value.split()) in (2, 4):
        lat, lon = value.split()[:2]
    else:
        return None
    lat, lon = as_number(lat), as_number(lon)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, PRECISION), round(lon, PRECISION)


@register
class Geopoint(QuestionKind):
    code = Kind.GEOPOINT
    widget_template = "surveys/collect/kinds/geopoint.html"
    preview_template = "surveys/builder/kinds/geopoint.html"

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        if isinstance(value, dict) and "neighbourhood" in value and len(value) == 1:
            code = value["neighbourhood"]
            if isinstance(code, str) and code.strip() in neighbourhood_codes:
                return {"neighbourhood": code.strip()}
            raise ValueError(message("neighbourhood"))
        position = parse_position(value)
        if position is None:
            raise ValueError(message("geopoint"))
        return {"lat": position[0], "lon": position[1]}

    def from_post(self, question, post):
        code = question.code
        lat = (post.get(f"{code}__lat") or "").strip()
        lon = (post.get(f"{code}__lon") or "").strip()
        if lat or lon:
            return {"lat": lat, "lon": lon}
        neighbourhood = (post.get(f"{code}__neighbourhood") or "").strip()
        return {"neighbourhood": neighbourhood} if neighbourhood else None

    def widget(self, question, view, value, *, answers, language, deployment, paper):
        current = value if isinstance(value, dict) else {}
        view["lat"] = "" if current.get("lat") is None else str(current["lat"])
        view["lon"] = "" if current.get("lon") is None else str(current["lon"])
        if not paper:  # typed from a sheet: the fields only
            view["map"] = {"tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}
        chosen = str(current.get("neighbourhood", ""))
        view["neighbourhoods"] = [
            {"value": option["code"], "label": pick(option["label"], "", language), "checked": option["code"] == chosen}
            for option in neighbourhood_options(deployment)
        ]

    def export_columns(self, question, layout):
        from territoires.surveys import exports

        code, label = question.code, question.label
        columns = [
            exports.Column(
                layout.name(f"{code}_lat"), f"{label} — {_('latitude')}", numeric=True, precise=True, **layout.common
            ),
            exports.Column(
                layout.name(f"{code}_lon"), f"{label} — {_('longitude')}", numeric=True, precise=True, **layout.common
            ),
            exports.Column(
                layout.name(f"{code}_quartier"),
                f"{label} — {_('quartier (sans position)')}",
                values=exports._neighbourhood_values(layout.deployments),
                **layout.common,
            ),
        ]

        def expand(answers, out):
            value = answers.get(code)
            if not isinstance(value, dict):
                out.extend((None, None, None))
                return
            out.append(value.get("lat"))
            out.append(value.get("lon"))
            out.append(value.get("neighbourhood"))

        return columns, expand

    def xlsform_rows(self, question, base, form):
        return [{**base, "type": "geopoint"}]

    def variables(self, question):
        from django.utils.translation import gettext_lazy

        from territoires.surveys.analytics.arrays import Variable

        return [Variable(question.code, question.code, "text", [1], [gettext_lazy("Répondu")])]
