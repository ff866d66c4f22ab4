"""Reading the cooperation network: which actors and links a person may see, through the
directory's own filters (filters.py), as the graph's JSON and as tables.

The nodes are the actors the person may read (selectors.visible_entries) that the filters keep;
the links are those between two such actors, without the links noted in interviews for anyone
outside the project's members (network_rules.py). Scoping happens here, in the queries: the JSON,
the tables and the exports read the same functions, so they show the same network.

The JSON of a large network (5,000 actors, 20,000 links) costs tens of milliseconds to build; it is
kept in the cache under the project's content version (core/cache.py: any write to the directory
bumps it), the person's audience (what they may read) and the filters, so that it is rebuilt only
after a change (`make bench ONLY=diagnostic.network` measures it).
"""

import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q
from django.urls import reverse

from territoires.core.cache import content_version
from territoires.core.process_caches import register_process_cache
from territoires.diagnostic import selectors
from territoires.diagnostic.filters import EntryFilterForm, filter_entries, filter_facets
from territoires.diagnostic.models import Entry, Link
from territoires.projects.rules import is_project_facilitator, is_project_member

# The directory's filters that select actors (kind, venue type and domain select other entries).
NOT_FOR_ACTORS = ("type", "categorie", "domaine")
CACHE_SECONDS = 600
KIND_CODES = [code for code, _label in Link.Kind.choices]


def filter_form(data, *, project, user, families, territories, with_counts: bool = True):
    """The directory's filter form without the fields that only select places and objects; with
    the count beside each choice when it is shown (not for the JSON, which only reads it)."""
    facets = None
    if with_counts:
        key = _cache_key("facets", project, user, "")
        facets = cache.get(key)
        if facets is None:
            facets = filter_facets(visible_actors(user, project))
            cache.set(key, facets, CACHE_SECONDS)
    form = EntryFilterForm(data or None, families=families, territories=territories, facets=facets)
    for name in NOT_FOR_ACTORS:
        form.fields.pop(name, None)
    return form


def rendered_form(form, *, project, user) -> str:
    """The filter form's HTML (its DSFR widgets cost more than the rest of the page), cached under
    the same audience and content version as the counts beside its choices, and the query."""
    key = _cache_key("form", project, user, form.query_string() + "|" + str(form.errors.as_data()))
    html = cache.get(key)
    if html is None:
        html = str(form)
        cache.set(key, html, CACHE_SECONDS)
    return html


def selected_filters(form) -> dict:
    return {name: value for name, value in form.filters().items() if name not in NOT_FOR_ACTORS}


def visible_actors(user, project):
    return selectors.visible_entries(user, project).filter(kind=Entry.Kind.ACTOR)


def selected_actors(user, project, filters: dict):
    return filter_entries(visible_actors(user, project), filters)


def visible_links(user, project, actors):
    """Links between two of the `actors` (a QuerySet already scoped to what the person reads)."""
    links = Link.objects.filter(project=project, source__in=actors, target__in=actors)
    if not is_project_member(user, project):
        links = links.exclude(provenance=Link.Provenance.INTERVIEW)
    return links


def _audience(user, project) -> str:
    """What decides which actors and links a person reads: facilitator (everything), the
    territories they keep, and whether they are a member (interview links)."""
    if is_project_facilitator(user, project):
        return "all"
    editable = sorted(selectors.editable_territory_ids(user, project))
    member = "m" if is_project_member(user, project) else "p"
    return member + ",".join(map(str, editable))


def _cache_key(what: str, project, user, filters_key: str, *, audience: str = "", version: str = "") -> str:
    raw = f"{project.pk}|{audience or _audience(user, project)}|{filters_key}|{version or content_version()}"
    return f"diagnostic:network:{what}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


# The JSON of the last networks served, by cache key (which holds the content version, so an entry
# is never stale): spares reading and unpickling half a megabyte from the shared cache on each
# request (`make bench ONLY=diagnostic.network.json`). Bounded: emptied past MEMO_ENTRIES.
MEMO_ENTRIES = 8
_payload_memo: dict[str, bytes] = register_process_cache(
    {},
    name="diagnostic.network_json",
    bench="diagnostic.network.json",
    reason="the network's JSON by cache key (content version included), ~7 ms a request for 5,000 actors",
)


def _keys(project, user, filters: dict) -> dict[str, str]:
    filters_key = json.dumps(filters, sort_keys=True, default=str)
    audience, version = _audience(user, project), content_version()
    return {
        what: _cache_key(what, project, user, filters_key, audience=audience, version=version)
        for what in ("json", "counts", "table")
    }


def _build(user, project, filters: dict, keys: dict[str, str]) -> dict:
    """Reads the selection once (two queries: the actors, then the project's links, kept when both
    ends are among them) and caches the three things made of it: the graph's JSON, the counts and
    the table's order. Filtering the links in Python is cheaper than two IN (subquery) joins."""
    actors = selected_actors(user, project, filters)
    rows = list(actors.order_by("name", "pk").values_list("pk", "name", "family_id", "territory_id"))
    rank = {row[0]: index for index, row in enumerate(rows)}
    links = Link.objects.filter(project=project)
    if not is_project_member(user, project):
        links = links.exclude(provenance=Link.Provenance.INTERVIEW)
    links = [
        row
        for row in links.order_by("pk").values_list("pk", "source_id", "target_id", "kind", "direction", "intensity")
        if row[1] in rank and row[2] in rank
    ]
    territories = {t.pk: t for t in project.participations.all() if t.is_participant}
    territory_index = {pk: i for i, pk in enumerate(territories)}
    degree: dict[int, int] = {}
    for _pk, source, target, *_rest in links:
        degree[source] = degree.get(source, 0) + 1
        degree[target] = degree.get(target, 0) + 1
    kind_index = {code: i for i, code in enumerate(KIND_CODES)}
    data = {
        "nodes": [
            [pk, name, family, territory_index.get(territory), degree.get(pk, 0)]
            for pk, name, family, territory in rows
        ],
        "links": [
            [source, target, kind_index[kind], 1 if direction == Link.Direction.DIRECTED else 0, intensity]
            for _pk, source, target, kind, direction, intensity in links
        ],
        "families": {family.pk: family.name for family in project.actor_families.all()},
        "territories": [territories[pk].organisation.name for pk in territories],
        "kinds": [str(label) for _code, label in Link.Kind.choices],
        "entry_url": reverse("diagnostic:entry_detail", args=[0]),
    }
    built = {
        "json": json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(),
        "counts": {"actors": len(rows), "links": len(links), "unlinked": len(rows) - len(degree)},
        # The actors came in the database's name order: their rank orders the table by names.
        "table": [row[0] for row in sorted(links, key=lambda row: (rank[row[1]], rank[row[2]], row[0]))],
    }
    cache.set_many({keys[what]: value for what, value in built.items()}, CACHE_SECONDS)
    return built


def _cached(what: str, user, project, filters: dict):
    keys = _keys(project, user, filters)
    found = cache.get(keys[what])
    return found if found is not None else _build(user, project, filters, keys)[what]


def graph_json(user, project, filters: dict) -> bytes:
    """The network as compact JSON for the graph view, cached until the next change.

    nodes: [id, name, family id, territory index, number of links]; links: [source, target,
    kind index in `kinds`, 1 if directed, intensity]; `entry_url` with 0 for the id.
    """
    keys = _keys(project, user, filters)
    payload = _payload_memo.get(keys["json"])
    if payload is None:
        payload = cache.get(keys["json"])
        if payload is None:
            payload = _build(user, project, filters, keys)["json"]
        if len(_payload_memo) >= MEMO_ENTRIES:
            _payload_memo.clear()
        _payload_memo[keys["json"]] = payload
    return payload


def counts(user, project, filters: dict) -> dict:
    """Actors, links and actors without a link among the selection."""
    return _cached("counts", user, project, filters)


def link_ids_for_table(user, project, filters: dict) -> list[int]:
    """The ids of the selected links in the table's order (source, then target name): sorting
    20,000 joined rows in SQL on every page of the table would cost more than the page."""
    return _cached("table", user, project, filters)


@dataclass(frozen=True)
class LinkRow:
    """One row of the links table, its words and addresses resolved once (the table is the
    network page's main cost)."""

    pk: int
    source_name: str
    source_url: str
    target_name: str
    target_url: str
    directed: bool
    kind: str
    intensity: str
    period: str
    provenance: str
    engagement_name: str
    engagement_url: str
    is_synthetic: bool
    is_derived: bool
    territory_id: int


def link_rows(ids: list[int]) -> list[LinkRow]:
    """The rows of one page of the table, in the order of `ids`; cached under the content version
    (a page of the table is read again and again between two changes)."""
    key = "diagnostic:network:rows:" + hashlib.sha256(f"{ids}|{content_version()}".encode()).hexdigest()[:32]
    rows = cache.get(key)
    if rows is None:
        rows = _link_rows(ids)
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def _link_rows(ids: list[int]) -> list[LinkRow]:
    found = {
        link.pk: link
        for link in Link.objects.filter(pk__in=ids)
        .select_related("source", "target", "engagement")
        .only(
            "pk", "kind", "direction", "intensity", "start_year", "end_year", "provenance", "is_synthetic",
            "territory_id", "source__name", "target__name", "engagement__name",
        )
    }  # fmt: skip
    url = reverse("diagnostic:entry_detail", args=[0]).removesuffix("0/")
    kinds, intensities = dict(Link.Kind.choices), dict(Link.Intensity.choices)
    provenances = dict(Link.Provenance.choices)
    rows = []
    for pk in ids:
        link = found.get(pk)
        if link is None:
            continue
        engagement = link.engagement
        rows.append(
            LinkRow(
                pk=pk,
                source_name=link.source.name,
                source_url=f"{url}{link.source_id}/",
                target_name=link.target.name,
                target_url=f"{url}{link.target_id}/",
                directed=link.direction == Link.Direction.DIRECTED,
                kind=str(kinds[link.kind]),
                intensity=str(intensities[link.intensity]),
                period=str(link.period),
                provenance=str(provenances[link.provenance]),
                engagement_name=engagement.name if engagement else "",
                engagement_url=f"{url}{engagement.pk}/" if engagement else "",
                is_synthetic=link.is_synthetic,
                is_derived=link.is_derived,
                territory_id=link.territory_id,
            )
        )
    return rows


def links_of_actor(user, entry):
    """The links of one actor that the person may read (both ends readable), for its card."""
    actors = visible_actors(user, entry.project)
    return (
        visible_links(user, entry.project, actors)
        .filter(Q(source=entry) | Q(target=entry))
        .select_related("source", "target", "engagement")
        .order_by("source__name", "target__name", "pk")
    )


def latest_analyses(project, territory=None, *, with_results: bool = False):
    """The last finished analysis of the scope and the one pending, if any."""
    from territoires.diagnostic.models import NetworkAnalysis

    # The results of 5,000 actors weigh a megabyte: read only where they are shown.
    analyses = NetworkAnalysis.objects.filter(project=project, territory=territory).defer("results")
    done = analyses.filter(status=NetworkAnalysis.Status.DONE).order_by("-finished_at", "-pk").first()
    latest = analyses.order_by("-created_at", "-pk").first()
    if done is not None and with_results:
        done.results = NetworkAnalysis.objects.values_list("results", flat=True).get(pk=done.pk)
    return done, latest
