"""Exports of a survey's answers: the request form, the progress of each export (polled with htmx,
no inline script) and the download, streamed by a view that checks the permission — the files live
in a private storage without any public URL (territoires/surveys/storage.py).

Leads (facilitators, consultancy) export every territory or one; a participating authority's staff
export their own territory only (territoires/surveys/rules.py, "surveys.export").
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.storage import stored_file_response
from territoires.projects.views.common import form_errors_from, id_from, require
from territoires.surveys import exports
from territoires.surveys.forms_exports import ExportForm
from territoires.surveys.models import Export, Response, Survey

PAGE_SIZE = 20


def _survey_or_404(request, survey_id) -> Survey:
    survey_id = id_from(survey_id)
    survey = Survey.objects.select_related("project").filter(pk=survey_id).first() if survey_id else None
    if survey is None:
        raise Http404
    require(request.user, "surveys.export", survey)
    return survey


def _export_or_404(scope, survey, export_id) -> Export:
    export_id = id_from(export_id)
    export = exports.exports_visible_to(scope, survey).filter(pk=export_id).first() if export_id else None
    if export is None:
        raise Http404
    return export


def _decorate(export: Export) -> Export:
    export.stalled = exports.export_is_stalled(export)
    export.in_progress = export.status in (Export.Status.QUEUED, Export.Status.RUNNING) and not export.stalled
    return export


@login_required
def exports_page(request, survey_id):
    survey = _survey_or_404(request, survey_id)
    scope = exports.export_scope(request.user, survey)
    if not scope.allowed:
        raise PermissionDenied
    form = ExportForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            return redirect(done_url)
        try:
            with transaction.atomic():
                export = exports.export_request(
                    survey=survey,
                    user=request.user,
                    scope=scope,
                    format=form.cleaned_data["format"],
                    deployment_id=form.deployment_id(),
                    delimiter=form.cleaned_data["delimiter"],
                    bom=form.cleaned_data["bom"],
                )
                record_submission(key, reverse("surveys:exports", args=[survey.pk]))
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request,
                _("Export n° %(n)s demandé : il se prépare en arrière-plan, suivez son avancement ci-dessous.")
                % {"n": export.pk},
            )
            return redirect("surveys:exports", survey.pk)
    page = Paginator(exports.exports_visible_to(scope, survey), PAGE_SIZE).get_page(request.GET.get("page"))
    for export in page.object_list:
        _decorate(export)
    responses = Response.objects.filter(survey=survey)
    if not scope.all_territories:
        responses = responses.filter(deployment__in=[d.pk for d in scope.deployments])
    context = {
        "survey": survey,
        "project": survey.project,
        "form": form,
        "scope": scope,
        "page_obj": page,
        "response_count": responses.count(),
        "synthetic_count": responses.filter(is_synthetic=True).count(),
        "can_xlsform": request.user.has_perm("projects.view_members_area", survey.project),
    }
    return render(request, "surveys/exports/exports.html", context, status=400 if form.errors else 200)


@login_required
def export_status(request, survey_id, export_id):
    """One row of the exports table: htmx polls it while the export is in progress."""
    survey = _survey_or_404(request, survey_id)
    scope = exports.export_scope(request.user, survey)
    export = _decorate(_export_or_404(scope, survey, export_id))
    if not request.headers.get("HX-Request"):
        return redirect("surveys:exports", survey.pk)
    return render(request, "surveys/exports/_export_row.html", {"survey": survey, "export": export, "polled": True})


@login_required
def export_download(request, survey_id, export_id):
    survey = _survey_or_404(request, survey_id)
    scope = exports.export_scope(request.user, survey)
    export = _export_or_404(scope, survey, export_id)
    if export.status != Export.Status.DONE or not export.file:
        raise Http404
    extension = exports.EXTENSIONS.get(export.format, "bin")
    return stored_file_response(
        export.file,
        filename=exports.export_download_name(export),
        content_type=exports.CONTENT_TYPES.get(extension, "application/octet-stream"),
        headers={"Cache-Control": "private, no-store"},
    )


# Under enquetes/ (territoires/surveys/urls.py).
urlpatterns = [
    path("<int:survey_id>/exports/", exports_page, name="exports"),
    path("<int:survey_id>/exports/<int:export_id>/etat/", export_status, name="export_status"),
    path("<int:survey_id>/exports/<int:export_id>/telecharger/", export_download, name="export_download"),
]
