"""Directory map benchmark: the GeoJSON of the filtered entries (issue 13, "map data").

Data: territoires/diagnostic/scale.py `scale_directory(entries=20_000)`, 20,000 synthetic entries
over the reference project's four territories (80 % published), created on the first run and
reused. The request: the map data of one territory's places (two filters, `territoire` and
`type`), as a visitor (published entries only): about 1,400 points. Records:

- diagnostic.map.p95_ms: p95 of that request under 20 concurrent clients, served by gunicorn as in
  bench/pages.py (a visitor's copy comes from the public page cache once warm, as in production);
  target 100 ms; limit: the bare view (/sante/) p95 in the same rounds.
- diagnostic.map.server_ms: the request's server time in-process, uncached (Django's test Client
  with a session, so the page cache is bypassed: middleware, permission, filters, query,
  serialisation), median of repetitions; limit: the same rows read by one raw SQL query and
  serialised to the same GeoJSON with json.dumps, measured in the same run; target 2 × that limit
  (so `ratio` ≤ 2).

The machine is shared: compare ratios, not absolute times across runs.
"""

import json
import time

from bench.pages import Page, _best, measure
from bench.results import make_result
from bench.surveys_dashboard import _median_ms

P95_TARGET_MS = 100.0
SERVER_TARGET_RATIO = 2.0
ENTRIES = 20_000
NAMES = ["diagnostic.map.p95_ms", "diagnostic.map.server_ms"]


def _raw_geojson(project_id: int, territory_id: int) -> int:
    """The limit: the same rows by one SQL query, serialised to the same FeatureCollection."""
    from django.db import connection

    from territoires.diagnostic import codes

    categories = {code: str(label) for code, label in [*codes.BASILIC_TYPES, *codes.ENGAGEMENT_TYPES]}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name, kind, latitude, longitude, family_id, basilic_type, engagement_type"
            " FROM diagnostic_entry WHERE project_id = %s AND territory_id = %s AND kind = %s"
            " AND status = %s AND merged_into_id IS NULL AND latitude IS NOT NULL ORDER BY id",
            [project_id, territory_id, "place", "published"],
        )
        rows = cursor.fetchall()
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [round(float(longitude), 5), round(float(latitude), 5)]},
            "properties": {"name": name, "kind": kind, "category": categories.get(basilic or engagement, "")},
        }
        for pk, name, kind, latitude, longitude, _family, basilic, engagement in rows
    ]
    json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
    return len(rows)


def run(env, selected: set[str], options, log) -> list[dict]:
    if not set(NAMES) & selected:
        return []
    from django.conf import settings
    from django.db import connections
    from django.test import Client
    from django.urls import reverse

    from territoires.diagnostic.scale import scale_directory
    from territoires.projects.models import SharedProject

    started = time.perf_counter()
    report = scale_directory(entries=ENTRIES)
    log(f"  scale_directory: {time.perf_counter() - started:.1f} s, created {report.created}, total {report.total}")
    project = SharedProject.objects.get(slug=report.project_slug)
    territory = next(
        p for p in project.participations.select_related("organisation") if p.organisation.insee_code == "79191"
    )
    path = (
        reverse("diagnostic:directory_map_data", args=[project.slug])
        + f"?territoire={territory.organisation.slug}&type=place"
    )
    records = []

    if "diagnostic.map.server_ms" in selected:
        if "testserver" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        # A session cookie that names no session: still a visitor (same rows), but never served
        # from the public page cache.
        client.cookies[settings.SESSION_COOKIE_NAME] = "banc-essai-sans-session"

        def get():
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            return response

        features = len(json.loads(get().content)["features"])
        rows = _raw_geojson(project.pk, territory.pk)
        if rows != features:
            raise RuntimeError(f"the endpoint returned {features} features, the SQL query {rows} rows")
        log(f"  {path}: {features} features")
        limit_ms = _median_ms(lambda: _raw_geojson(project.pk, territory.pk), 15)
        server_ms = _median_ms(get, 15)
        log(f"  server {server_ms:.1f} ms, raw SQL + json.dumps {limit_ms:.1f} ms")
        records.append(
            make_result(
                name="diagnostic.map.server_ms",
                value=server_ms,
                unit="ms",
                target=SERVER_TARGET_RATIO * limit_ms,
                better="lower",
                limit_name="one SQL query + json.dumps of the same rows (ms)",
                limit_value=limit_ms,
            )
        )

    if "diagnostic.map.p95_ms" in selected:
        connections.close_all()
        measured = measure(env, [Page("map_data", path, rps_target=False)], options, log)
        limit, best = _best(measured["bare"]), _best(measured["map_data"])
        records.append(
            make_result(
                name="diagnostic.map.p95_ms",
                value=best.p95_ms,
                unit="ms",
                target=P95_TARGET_MS,
                better="lower",
                limit_name="bare view p95 (ms)",
                limit_value=limit.p95_ms,
            )
        )
    return records
