"""The cooperation network's pages. Thin: each checks its rule (network_rules.py), then reads
network.py or calls a service (network_services.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from territoires.core.cache import member_page_cache
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.diagnostic import network, network_exports, network_services, selectors, services
from territoires.diagnostic.models import Entry, Link, NetworkAnalysis
from territoires.diagnostic.network_forms import LinkForm
from territoires.projects.views.common import form_errors_from, get_project_or_404, require

LINKS_PER_PAGE = 25


def _scope(request, slug, *, with_counts=True):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "diagnostic.view_network", project)
    families = services.families_for(project=project)
    territories = [p for p in project.participations.all() if p.is_participant]
    form = network.filter_form(
        request.GET, project=project, user=request.user, families=families, territories=territories,
        with_counts=with_counts,
    )  # fmt: skip
    return project, families, territories, form, network.selected_filters(form)


@member_page_cache(
    query_params=("territoire", "type", "famille", "categorie", "domaine", "quartier", "source", "q", "page")
)
def network_page(request, slug):
    project, families, territories, form, filters = _scope(request, slug)
    page = Paginator(network.link_ids_for_table(request.user, project, filters), LINKS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = network.link_rows(list(page.object_list))
    query = form.query_string()
    editable = selectors.editable_territory_ids(request.user, project)
    may_analyse = request.user.has_perm("diagnostic.analyse_network", project)
    analysis, latest = network.latest_analyses(project) if may_analyse else (None, None)
    return render(
        request,
        "diagnostic/network/network.html",
        {
            "project": project,
            "form": form,
            "form_html": network.rendered_form(form, project=project, user=request.user),
            "filters": filters,
            "query": query,
            "counts": network.counts(request.user, project, filters),
            "page_obj": page,
            "families": {family.pk: family.name for family in families},
            "can_add_link": bool(editable),
            "editable_territories": editable,
            "may_analyse": may_analyse,
            "analysis": analysis,
            "latest": latest,
            "export_formats": [
                ("gexf", _("GEXF (Gephi)")),
                ("graphml", _("GraphML")),
                ("kumu", _("Kumu (tableur XLSX)")),
            ],
        },
    )


def network_json(request, slug):
    project, _families, _territories, _form, filters = _scope(request, slug, with_counts=False)
    response = HttpResponse(network.graph_json(request.user, project, filters), content_type="application/json")
    response["Cache-Control"] = "private, no-cache"
    return response


def network_export(request, slug, fmt):
    if fmt not in network_exports.FORMATS:
        raise Http404
    project, _families, _territories, _form, filters = _scope(request, slug, with_counts=False)
    require(request.user, "diagnostic.export_network", project)
    metrics = None
    if request.user.has_perm("diagnostic.view_network_metrics", project):
        done, _latest = network.latest_analyses(project, with_results=True)
        metrics = done.results if done else None
    graph = network_exports.build_graph(request.user, project, filters, metrics=metrics)
    content_type, extension = network_exports.FORMATS[fmt]
    response = HttpResponse(network_exports.to_bytes(graph, fmt), content_type=content_type)
    name = f"reseau-{project.slug}-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _link_form(request, project, link=None):
    editable = selectors.editable_territory_ids(request.user, project)
    actors = network.visible_actors(request.user, project)
    sources = actors.filter(territory_id__in=editable)
    initial = {}
    if link is None and (source := request.GET.get("acteur", "")).isdigit():
        initial["source"] = int(source)
    return LinkForm(request.POST or None, sources=sources, targets=actors, link=link, initial=initial)


@login_required
def link_create(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    if not selectors.editable_territory_ids(request.user, project):
        raise PermissionDenied
    form = _link_form(request, project)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            messages.info(request, _("Ce lien a déjà été enregistré."))
            return redirect(done_url)
        source, target = form.cleaned_data["source"], form.cleaned_data["target"]
        require(request.user, "diagnostic.add_link", source.territory)
        try:
            with transaction.atomic():
                network_services.link_create(source=source, target=target, user=request.user, data=form.link_data())
                done = f"{reverse('diagnostic:network', args=[project.slug])}#liens"
                record_submission(key, done)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Le lien est enregistré."))
            return redirect(done)
    return render(
        request,
        "diagnostic/network/link_form.html",
        {"form": form, "project": project, "creating": True},
        status=400 if form.errors else 200,
    )


def _link_or_404(request, pk, permission):
    link = get_object_or_404(
        Link.objects.select_related("project", "territory__project", "source__project", "target__project"), pk=pk
    )
    if not request.user.has_perm("diagnostic.view_link", link):
        raise Http404
    require(request.user, permission, link)
    return link


@login_required
def link_edit(request, pk):
    link = _link_or_404(request, pk, "diagnostic.change_link")
    form = _link_form(request, link.project, link)
    if request.method == "POST" and form.is_valid():
        source, target = form.cleaned_data["source"], form.cleaned_data["target"]
        try:
            require(request.user, "diagnostic.add_link", source.territory)
            changed = network_services.link_update(
                link=link, user=request.user, source=source, target=target, data=form.link_data()
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Le lien est enregistré.") if changed else _("Rien n'a changé."))
            return redirect(f"{reverse('diagnostic:network', args=[link.project.slug])}#liens")
    return render(
        request,
        "diagnostic/network/link_form.html",
        {"form": form, "project": link.project, "link": link},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def link_delete(request, pk):
    link = Link.objects.select_related("project", "territory__project", "source", "target").filter(pk=pk).first()
    if link is None:
        # Already deleted (a resent form): nothing to do.
        messages.info(request, _("Ce lien n'existe plus."))
        return redirect("/")
    if not request.user.has_perm("diagnostic.view_link", link):
        raise Http404
    require(request.user, "diagnostic.delete_link", link)
    project = link.project
    try:
        network_services.link_delete(link=link, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le lien est supprimé."))
    return redirect(f"{reverse('diagnostic:network', args=[project.slug])}#liens")


@login_required
def network_metrics(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "diagnostic.view_network_metrics", project)
    analysis, latest = network.latest_analyses(project, with_results=True)
    context = {"project": project, "analysis": analysis, "latest": latest}
    if analysis is not None:
        context.update(_metric_tables(project, analysis))
    return render(request, "diagnostic/network/metrics.html", context)


def _metric_tables(project, analysis: NetworkAnalysis) -> dict:
    results = analysis.results
    nodes = results.get("nodes", {})
    families = {family.pk: family.name for family in project.actor_families.all()}
    ids = {int(pk) for pk, values in nodes.items() if values[0]}
    ids |= {pk for row in results.get("brokers", []) for pk in row[:1]} | set(results.get("isolated", []))
    entries = {
        e.pk: e
        for e in Entry.objects.filter(pk__in=ids)
        .select_related("territory__organisation")
        .only("pk", "name", "family_id", "territory__organisation__name")
    }
    ranked = sorted(
        ((values, int(pk)) for pk, values in nodes.items()), key=lambda item: (-item[0][2], -item[0][0], item[1])
    )
    central = [(entries[pk], values) for values, pk in ranked[:30] if pk in entries and values[0]]
    communities: dict[int, list] = {}
    for pk, values in nodes.items():
        if values[3] is not None and int(pk) in entries:
            communities.setdefault(values[3], []).append(entries[int(pk)])
    return {
        "summary": results.get("summary", {}),
        "central": central,
        "families": families,
        "communities": [
            (number, len(members), sorted(members, key=lambda e: e.name)[:8])
            for number, members in sorted(communities.items())[:20]
        ],
        "isolated": [entries[pk] for pk in results.get("isolated", [])[:100] if pk in entries],
        "isolated_count": len(results.get("isolated", [])),
        "family_pairs": [
            (families.get(a, _("Sans famille")), families.get(b, _("Sans famille")), count)
            for a, b, count in results.get("family_pairs", [])
        ],
        "brokers": [
            (
                entries[pk],
                families.get(entries[pk].family_id, "—"),
                [families.get(f, _("Sans famille")) for f in reached],
                crossing,
            )
            for pk, reached, crossing in results.get("brokers", [])
            if pk in entries
        ],
        "bridge_links": [(entries.get(a), entries.get(b)) for a, b in results.get("bridge_links", [])[:50]],
    }


@login_required
@require_POST
def network_analyse(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "diagnostic.analyse_network", project)
    analysis = network_services.network_analysis_request(project=project, territory=None, user=request.user)
    if request.htmx:
        return render(request, "diagnostic/network/_analysis_status.html", {"project": project, "latest": analysis})
    messages.success(request, _("Le calcul des indicateurs est lancé ; cette page montre son avancement."))
    return redirect("diagnostic:network_metrics", project.slug)


@login_required
def network_analysis_status(request, slug, pk):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "diagnostic.analyse_network", project)
    analysis = get_object_or_404(NetworkAnalysis, pk=pk, project=project)
    return render(
        request, "diagnostic/network/_analysis_status.html", {"project": project, "latest": analysis, "polled": True}
    )


@login_required
@require_POST
def links_derive(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    if not selectors.editable_territory_ids(request.user, project):
        raise PermissionDenied
    created, removed = network_services.links_derive_from_engagements(project=project)
    if created or removed:
        messages.success(
            request,
            _("Liens issus des objets d'engagement mis à jour : %(created)s, %(removed)s.")
            % {
                "created": ngettext("%(n)s ajouté", "%(n)s ajoutés", created) % {"n": created},
                "removed": ngettext("%(n)s retiré", "%(n)s retirés", removed) % {"n": removed},
            },
        )
    else:
        messages.info(request, _("Liens issus des objets d'engagement : déjà à jour, aucun lien ajouté ni retiré."))
    return redirect(f"{reverse('diagnostic:network', args=[project.slug])}#liens")
