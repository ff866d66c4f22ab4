"""The directory's map with its list, the map's GeoJSON, the exports of a filtered selection, and
the comparison of territories. Thin: each page reads the project (`projects.view_project`, a 404
otherwise), scopes entries with `selectors.visible_entries`, filters them with `filters`, then
asks `maps` or `comparison`.

A visitor, a resident or an observer gets only published entries, everywhere (page, GeoJSON,
exports); a territory's team also gets its own unpublished ones; the facilitator gets all. Contact
persons appear only in the exports of project members.
"""

from urllib.parse import urlparse

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from territoires.core.cache import public_page_cache
from territoires.core.middleware import ContentSecurityPolicyMiddleware
from territoires.diagnostic import comparison, maps, selectors, services
from territoires.diagnostic.filters import FILTER_NAMES, EntryFilterForm, filter_facets
from territoires.projects.rules import is_project_facilitator, is_project_member
from territoires.projects.views.common import get_project_or_404

PER_PAGE = 25


def _selection(request, project, *, facets: bool = False):
    families = services.families_for(project=project)
    territories = [p for p in project.participations.all() if p.is_participant]
    visible = selectors.visible_entries(request.user, project)
    form = EntryFilterForm(
        request.GET,
        families=families,
        territories=territories,
        facets=filter_facets(visible) if facets else None,
    )
    labels = maps.Labels.for_project(families=families, territories=territories)
    return form, form.filter(visible), labels, territories


def _refused_filters(form) -> HttpResponse:
    """A file or map data asked with a filter that names nothing: said, rather than answered with a
    selection the person did not ask for."""
    fields = ", ".join(str(form.fields[name].label) for name in form.errors)
    message = _("Filtre inconnu, rien n'est exporté : %(fields)s. Choisissez les filtres sur la page de la carte.")
    return HttpResponseBadRequest(message % {"fields": fields}, content_type="text/plain; charset=utf-8")


def _map_policy() -> str:
    """The page's Content-Security-Policy: the platform's, plus the tile server's origin for images
    when one is set (MAP_TILE_URL); without it, no image leaves the platform."""
    policy = ContentSecurityPolicyMiddleware.POLICY
    if settings.MAP_TILE_URL:
        parsed = urlparse(settings.MAP_TILE_URL)
        # Leaflet fills "{s}" with a subdomain (a, b, c): allow them all.
        origin = f"{parsed.scheme}://{parsed.netloc.replace('{s}', '*')}"
        policy = policy.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")
    return policy


@require_GET
def directory_map(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    form, selected, labels, territories = _selection(request, project, facets=True)
    listing = selected.select_related("family", "territory__organisation").order_by("name", "id")
    page = Paginator(listing, PER_PAGE).get_page(request.GET.get("page"))
    query = form.query_string()
    total = page.paginator.count
    located = selected.filter(latitude__isnull=False).count() if total else 0
    response = render(
        request,
        "diagnostic/map/map.html",
        {
            "project": project,
            "form": form,
            "page_obj": page,
            "total": total,
            "located": located,
            "unlocated": total - located,
            "query": query,
            "filtered": bool(form.filters()),
            "labels": labels,
            "tile_url": settings.MAP_TILE_URL,
            "territory_points": "" if settings.MAP_TILE_URL or not located else maps.territory_points(selected, labels),
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "is_member": is_project_member(request.user, project),
        },
    )
    response["Content-Security-Policy"] = _map_policy()
    return response


@require_GET
@public_page_cache(query_params=FILTER_NAMES)
def directory_map_data(request, slug):
    """The map's GeoJSON. A visitor's copy is served from the public page cache until the next
    write (make bench ONLY=diagnostic.map: uncached, a territory's 1,400 points cost about twice
    their raw SQL read and serialisation, too much for 20 clients on two workers)."""
    project = get_project_or_404(slug, request.user, with_progress=False)
    form, selected, labels, _territories = _selection(request, project)
    if form.errors:
        return _refused_filters(form)
    response = HttpResponse(maps.map_data(selected, labels), content_type="application/geo+json; charset=utf-8")
    # Private: what it holds depends on who asks (drafts of one's own territory).
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def directory_export(request, slug, extension):
    project = get_project_or_404(slug, request.user, with_progress=False)
    form, selected, labels, _territories = _selection(request, project)
    if form.errors:
        return _refused_filters(form)
    with_contacts = bool(is_project_member(request.user, project))
    writer, content_type = {
        "csv": (maps.csv_chunks, "text/csv; charset=utf-8"),
        "geojson": (maps.geojson_chunks, "application/geo+json; charset=utf-8"),
    }[extension]
    response = StreamingHttpResponse(
        writer(selected, labels, with_contacts=with_contacts, site_url=settings.SITE_URL.rstrip("/")),
        content_type=content_type,
    )
    response["Content-Disposition"] = f'attachment; filename="{maps.export_filename(project, extension)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def territory_comparison(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    territories = [p for p in project.participations.all() if p.is_participant]
    visible = selectors.visible_entries(request.user, project)
    families = services.families_for(project=project)
    report = comparison.compare(entries=visible, territories=territories, families=families)
    return render(
        request,
        "diagnostic/map/comparison.html",
        {
            "project": project,
            "report": report,
            "sees_everything": is_project_facilitator(request.user, project),
            "is_member": is_project_member(request.user, project),
        },
    )
