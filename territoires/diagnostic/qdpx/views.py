"""The exchange page of a project's coding (REFI-QDA export and import, excerpts as spreadsheets),
the state of an exchange and its download. Thin: each view checks its rule (rules.py), then reads or
calls a service (services.py, excerpts.py)."""

import uuid

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from territoires.core.idempotency import FIELD_NAME, already_submitted, record_submission
from territoires.core.storage import stored_file_response
from territoires.diagnostic.interviews.models import InterviewParticipant
from territoires.diagnostic.qdpx import excerpts, services
from territoires.diagnostic.qdpx.forms import CodebookImportForm, ExportForm, ProjectImportForm
from territoires.diagnostic.qdpx.models import CodingExchange
from territoires.projects.views.common import get_project_or_404, require

PER_PAGE = 10


def _project(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    require(request.user, "diagnostic.export_codebook", project)
    return project, None


def _territories(project):
    territories = [p for p in project.participations.all() if p.is_participant]
    for territory in territories:
        territory.project = project
    return territories


def _submission_key(request, prefix: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get(f"{prefix}-{FIELD_NAME}", ""))
    except ValueError:
        return None


def _forms(request, project, data=None, files=None, action=""):
    user = request.user
    territories = _territories(project)
    whole = user.has_perm("diagnostic.export_coding_project", project)
    export_territories = [t for t in territories if user.has_perm("diagnostic.export_coding_territory", t)]
    import_territories = [t for t in territories if user.has_perm("diagnostic.import_coding_project", t)]
    return {
        "export_form": ExportForm(data if action == "export" else None, prefix="export", territories=export_territories,
                                  whole_project=whole) if (whole or export_territories) else None,
        "codebook_form": CodebookImportForm(data if action == "import_qdc" else None,
                                            files if action == "import_qdc" else None, prefix="qdc")
        if user.has_perm("diagnostic.import_codebook", project) else None,
        "project_form": ProjectImportForm(data if action == "import_qdpx" else None,
                                          files if action == "import_qdpx" else None, prefix="qdpx",
                                          territories=import_territories) if import_territories else None,
        "territories": territories,
    }  # fmt: skip


def exchange_page(request, slug):
    project, response = _project(request, slug)
    if response:
        return response
    action = request.POST.get("action", "") if request.method == "POST" else ""
    context = _forms(request, project, request.POST, request.FILES, action)
    if action:
        # The forms have a prefix: their hidden key is "<prefix>-submission_key".
        prefix = {"import_qdc": "qdc", "import_qdpx": "qdpx"}.get(action, "")
        key = _submission_key(request, prefix)
        if action in ("import_qdc", "import_qdpx") and (done_url := already_submitted(key)):
            return redirect(done_url)
        exchange = _act(request, project, action, context)
        if exchange is not None:
            if action in ("import_qdc", "import_qdpx"):
                record_submission(key, reverse("qdpx:status", args=[exchange.pk]))
            return redirect("qdpx:status", exchange.pk)
    exchanges = CodingExchange.objects.filter(project=project, requested_by=request.user).select_related(
        "territory__organisation"
    )
    context.update(
        project=project,
        page_obj=Paginator(exchanges, PER_PAGE).get_page(request.GET.get("page")),
        can_export_codebook=True,
        codes=project.codes.order_by("position", "name"),
        profiles=InterviewParticipant.Profile.choices,
    )
    invalid = action and any(
        form is not None and form.is_bound and form.errors
        for form in (context["export_form"], context["codebook_form"], context["project_form"])
    )
    return render(request, "diagnostic/qdpx/exchange.html", context, status=400 if invalid else 200)


def _act(request, project, action, context) -> CodingExchange | None:
    user = request.user
    if action == "export_qdc":
        return services.coding_export_request(project=project, user=user, kind=CodingExchange.Kind.EXPORT_QDC)
    if action == "export":
        form = context["export_form"]
        if form is None:
            raise Http404
        if not form.is_valid():
            return None
        territory = form.territory()
        if territory is None:
            require(user, "diagnostic.export_coding_project", project)
        else:
            require(user, "diagnostic.export_coding_territory", territory)
        return services.coding_export_request(
            project=project, user=user, kind=CodingExchange.Kind.EXPORT_QDPX, territory=territory
        )
    if action == "import_qdc":
        form = context["codebook_form"]
        if form is None:
            raise Http404
        if not form.is_valid():
            return None
        with transaction.atomic():
            return services.coding_import_request(
                project=project, user=user, kind=CodingExchange.Kind.IMPORT_QDC, upload=form.cleaned_data["file"]
            )
    if action == "import_qdpx":
        form = context["project_form"]
        if form is None:
            raise Http404
        if not form.is_valid():
            return None
        territory = form.cleaned_data["territory"]
        require(user, "diagnostic.import_coding_project", territory)
        with transaction.atomic():
            return services.coding_import_request(
                project=project, user=user, kind=CodingExchange.Kind.IMPORT_QDPX, upload=form.cleaned_data["file"],
                territory=territory,
            )  # fmt: skip
    raise Http404


def _own_exchange(request, pk) -> CodingExchange:
    if not request.user.is_authenticated:
        raise Http404
    exchange = (
        CodingExchange.objects.select_related("project", "territory__organisation", "territory__project")
        .filter(pk=pk, requested_by=request.user)
        .first()
    )
    if exchange is None or not request.user.has_perm("projects.view_project", exchange.project):
        raise Http404
    return exchange


def exchange_status(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    exchange = _own_exchange(request, pk)
    return render(request, "diagnostic/qdpx/status.html", {"exchange": exchange, "project": exchange.project})


def exchange_download(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    exchange = _own_exchange(request, pk)
    if not exchange.is_export or exchange.status != CodingExchange.Status.DONE or not exchange.file:
        raise Http404
    # The file holds what its requester could read when it was built: only while they still may.
    if not services.exchange_still_allowed(exchange):
        raise Http404
    scope = exchange.territory.organisation.slug if exchange.territory_id else "projet"
    name = f"codage-{exchange.project.slug}-{scope}.{exchange.extension}"
    return stored_file_response(
        exchange.file,
        filename=name if exchange.kind == CodingExchange.Kind.EXPORT_QDPX else f"grille-{exchange.project.slug}.qdc",
        content_type="application/zip" if exchange.kind == CodingExchange.Kind.EXPORT_QDPX else "application/xml",
        headers={"Cache-Control": "private, no-store"},
    )


def excerpt_export(request, slug, extension):
    project, response = _project(request, slug)
    if response:
        return response
    require(request.user, "diagnostic.export_excerpts", project)
    code = None
    if code_id := request.GET.get("code", ""):
        code = project.codes.filter(pk=int(code_id)).first() if code_id.isdigit() and len(code_id) < 12 else None
        if code is None:
            raise Http404
    territory_id = request.GET.get("territory", "")
    if territory_id and not any(str(t.pk) == territory_id for t in _territories(project)):
        raise Http404
    profile = request.GET.get("profile", "")
    if profile and profile not in dict(InterviewParticipant.Profile.choices):
        raise Http404
    codings = excerpts.excerpt_codings(request.user, project, code=code, territory_id=territory_id, profile=profile)
    rows = excerpts.excerpt_rows(request.user, project, codings)
    stem = f"extraits-{project.slug}" + (f"-code-{code.pk}" if code else "")
    if extension == "csv":
        response = StreamingHttpResponse(excerpts.csv_chunks(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            excerpts.as_xlsx(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{stem}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response
