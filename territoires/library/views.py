import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.core.cache import content_version, public_page_cache
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.storage import stored_file_response
from territoires.library import counters, selectors, services
from territoires.library.forms import ResourceCreateForm, ResourceForm
from territoires.library.models import Attachment, Resource
from territoires.projects.views.common import form_errors_from, get_project_or_404, id_from, require

PER_PAGE = 20


def _list_context(request, visible, filters):
    # The page is chosen on ids only (sorted from the covering index), then its rows are loaded:
    # the sort never carries the joined columns of thousands of resources.
    ids = selectors.apply_filters(visible, filters).order_by("-published_at", "-id").values_list("id", flat=True)
    page = Paginator(ids, PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.for_listing(Resource.objects.filter(pk__in=list(page.object_list))).in_bulk()
    page.object_list = [rows[pk] for pk in page.object_list if pk in rows]
    return {
        "page_obj": page,
        "facets": selectors.cached_library_facets(request.user, visible, filters),
        "filters": filters,
    }


RESULTS_CACHE_SECONDS = 600


def _results_html(request, filters, *, shown_filters=None, show_project=True, empty_text=""):
    """The list and its facets, rendered once for everyone with the same reach and the same query.

    Nothing in it depends on who the user is beyond what they may see, so it is cached on (content
    version, language, reach, path and query string); any write to a resource bumps the version.
    """
    key = (
        "library:results:"
        + hashlib.sha256(
            "|".join(
                [
                    content_version(),
                    get_language() or "",
                    selectors.reach_signature(request.user),
                    request.path,
                    request.GET.urlencode()[:1000],
                    str(show_project),
                ]
            ).encode()
        ).hexdigest()
    )
    html = cache.get(key)
    if html is None:
        context = _list_context(request, Resource.objects.visible_to(request.user), filters)
        context.update(
            filters=filters if shown_filters is None else shown_filters,
            show_project=show_project,
            empty_text=empty_text,
        )
        if not show_project:
            context["facets"] = [facet for facet in context["facets"] if facet["field"] != "project"]
        html = render_to_string("library/_results.html", context, request=request)
        cache.set(key, html, timeout=RESULTS_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308  (our own template's output)


@public_page_cache(query_params=("page", *selectors.FILTER_NAMES))
def library_list(request):
    filters = selectors.clean_filters(request.GET)
    context = {
        "results_html": _results_html(request, filters, empty_text=_("Aucune ressource publiée pour le moment.")),
        "can_add": request.user.has_perm("library.add_resource"),
        "drafts": selectors.drafts_of(request.user),
    }
    return render(request, "library/library_list.html", context)


def project_resources(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    filters = selectors.clean_filters(request.GET)
    # The project is the page itself, not a filter the user could remove.
    shown_filters = {key: value for key, value in filters.items() if key != "project"}
    filters = {**shown_filters, "project": project.pk}
    results = _results_html(
        request,
        filters,
        shown_filters=shown_filters,
        show_project=False,
        empty_text=_("Ce projet n'a encore publié aucune ressource que vous pouvez consulter."),
    )
    return render(
        request,
        "library/project_resources.html",
        {"project": project, "results_html": results, "can_add": request.user.has_perm("library.add_resource")},
    )


def _resource_or_404(request, slug, permission="library.view_resource"):
    resource = selectors.resource_page(slug)
    if resource is None:
        raise Http404
    if not request.user.has_perm(permission, resource):
        if not request.user.is_authenticated:
            raise _LoginRequired
        raise PermissionDenied
    return resource


class _LoginRequired(Exception):
    pass


def _login_first(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _LoginRequired:
            return redirect_to_login(request.get_full_path())

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_login_first
def resource_detail(request, slug):
    resource = _resource_or_404(request, slug)
    if resource.is_published:
        counters.record_hit(Resource, resource.pk, "view_count")
    views, downloads = selectors.displayed_counts(resource)
    return render(
        request,
        "library/resource_detail.html",
        {
            "resource": resource,
            "view_total": views,
            "download_total": downloads,
            "can_edit": request.user.has_perm("library.change_resource", resource),
            "revision_count": resource.revisions.count(),
        },
    )


@_login_first
def resource_history(request, slug):
    resource = _resource_or_404(request, slug)
    revisions = resource.revisions.select_related("edited_by").order_by("-number")
    page = Paginator(revisions, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "library/resource_history.html", {"resource": resource, "page_obj": page})


@_login_first
def attachment_download(request, slug, attachment_id):
    resource = _resource_or_404(request, slug, "library.download_resource")
    attachment = next((a for a in resource.attachments.all() if a.pk == attachment_id), None)
    if attachment is None:
        raise Http404
    if not attachment.file.storage.exists(attachment.file.name):
        raise Http404
    if resource.is_published:
        counters.record_hit(Resource, resource.pk, "download_count")
        counters.record_hit(Attachment, attachment.pk, "download_count")
    # Always as a download with the type judged at upload: a file is never rendered by the browser
    # as something else than what was checked.
    return stored_file_response(
        attachment.file,
        filename=attachment.name,
        content_type=attachment.content_type,
        headers={"Content-Security-Policy": "default-src 'none'; sandbox"},
    )


def _publisher_choices(user):
    return {"projects": services.projects_for_publisher(user), "territories": services.territories_for_publisher(user)}


def _content_from(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("files", None)
    data.pop("submission_key", None)
    data.pop("themes", None)
    return data


@login_required
def resource_create(request):
    require(request.user, "library.add_resource")
    initial = {}
    if project_id := id_from(request.GET.get("projet")):
        initial["project"] = project_id
    form = ResourceCreateForm(
        request.POST or None, request.FILES or None, initial=initial, **_publisher_choices(request.user)
    )
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            messages.info(request, _("Cette ressource a déjà été enregistrée."))
            return redirect(done_url)
        publish = request.POST.get("action") == "publish"
        try:
            with transaction.atomic():
                resource = services.resource_create(
                    user=request.user,
                    data=_content_from(form),
                    themes=form.cleaned_data["themes"],
                    files=form.cleaned_data["files"],
                    publish=publish,
                )
                record_submission(key, resource.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            if publish:
                messages.success(request, _("La ressource est publiée."))
            else:
                messages.success(request, _("Le brouillon est enregistré ; publiez-le quand il est prêt."))
            return redirect(resource)
    return render(
        request, "library/resource_form.html", {"form": form, "creating": True}, status=400 if form.errors else 200
    )


@login_required
def resource_edit(request, slug):
    resource = _resource_or_404(request, slug, "library.change_resource")
    form = ResourceForm(
        request.POST or None,
        request.FILES or None,
        instance=resource,
        initial={"themes": list(resource.themes.all())},
        **_publisher_choices(request.user),
    )
    if resource.project_id and not form.fields["project"].queryset.filter(pk=resource.project_id).exists():
        # An editor who is not a member of the resource's project (its author left it) keeps the link.
        form.fields["project"].queryset = form.fields["project"].queryset | type(resource.project).objects.filter(
            pk=resource.project_id
        )
    if resource.territory_id and not form.fields["territory"].queryset.filter(pk=resource.territory_id).exists():
        # Likewise the territory it already speaks for: kept as it is, never offered to anyone else.
        form.fields["territory"].queryset = form.fields["territory"].queryset | type(resource.territory).objects.filter(
            pk=resource.territory_id
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_update(
                resource=resource,
                user=request.user,
                data=_content_from(form),
                themes=form.cleaned_data["themes"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("La ressource est enregistrée."))
            return redirect("library:resource_detail", resource.slug)
    return render(
        request,
        "library/resource_form.html",
        {"form": form, "resource": resource, "creating": False},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def resource_publish(request, slug):
    resource = _resource_or_404(request, slug, "library.publish_resource")
    if request.POST.get("action") == "unpublish":
        services.resource_unpublish(resource=resource, user=request.user)
        messages.success(request, _("La ressource est retirée de la publication : elle redevient un brouillon."))
    else:
        services.resource_publish(resource=resource, user=request.user)
        messages.success(request, _("La ressource est publiée."))
    return redirect(resource)


@login_required
@require_POST
def attachment_delete(request, slug, attachment_id):
    resource = _resource_or_404(request, slug, "library.change_resource")
    attachment = get_object_or_404(Attachment, pk=attachment_id, resource=resource)
    services.attachment_delete(attachment=attachment, user=request.user)
    messages.success(request, _("Le fichier « %(name)s » est supprimé.") % {"name": attachment.name})
    return redirect("library:resource_edit", resource.slug)
