"""The import pages of a territory's directory. Thin: each checks `diagnostic.import_entries` on the
territory (rules.py), then calls a service. Files and reports are served only through these views."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.diagnostic.imports import services
from territoires.diagnostic.imports.forms import MappingForm, UploadForm, mapping_initial
from territoires.diagnostic.imports.mapping import initial_mapping, targets_for
from territoires.diagnostic.imports.models import DuplicateProposal, ImportJob
from territoires.diagnostic.imports.presets import PRESETS
from territoires.diagnostic.imports.readers import TableError
from territoires.projects.views.common import form_errors_from, get_participation_or_404, get_project_or_404, require

PER_PAGE = 20


def _territory(request, slug, territory_slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    territory = get_participation_or_404(project, territory_slug)
    require(request.user, "diagnostic.import_entries", territory)
    return project, territory


def _job_or_404(request, pk) -> ImportJob:
    job = (
        ImportJob.objects.select_related("territory__organisation", "territory__project", "project", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if job is None or not request.user.has_perm("projects.view_project", job.project):
        raise Http404
    require(request.user, "diagnostic.import_entries", job.territory)
    return job


@login_required
def import_list(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            return redirect(done_url)
        try:
            with transaction.atomic():
                job = services.import_upload(
                    territory=territory, user=request.user, uploaded_file=form.cleaned_data["file"],
                    target=form.cleaned_data["target"],
                )  # fmt: skip
                record_submission(key, reverse("diagnostic:import_detail", args=[job.pk]))
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            return redirect("diagnostic:import_detail", job.pk)
    jobs = Paginator(ImportJob.objects.filter(territory=territory).select_related("requested_by"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "project": project,
        "territory": territory,
        "form": form,
        "page_obj": jobs,
        "open_duplicates": DuplicateProposal.objects.filter(
            territory=territory, status=DuplicateProposal.Status.OPEN
        ).count(),
        "presets": list(PRESETS.values()),
    }
    return render(request, "diagnostic/imports/import_list.html", context, status=400 if form.errors else 200)


@login_required
def import_detail(request, pk):
    job = _job_or_404(request, pk)
    context = {"job": job, "project": job.project, "territory": job.territory}
    if job.status != ImportJob.Status.UPLOADED:
        return render(request, "diagnostic/imports/import_detail.html", context)
    action = request.POST.get("action", "")
    data = request.POST if request.method == "POST" else None
    if action == "preset":
        # Apply the chosen preset's columns (the rest of the form is kept).
        preset = PRESETS.get(request.POST.get("preset", ""))
        initial = {**request.POST.dict(), **{f"col_{t.code}": "" for t in targets_for(job.target)}}
        initial.update({f"col_{target}": column for target, column in initial_mapping(preset, job.columns).items()})
        if preset:
            initial.update({"source": preset.source, "source_year": preset.year, "kind": preset.kind})
    form = MappingForm(data, job=job, initial=mapping_initial(job))
    if action == "preset":
        form = MappingForm(None, job=job, initial=initial)
    preview = None
    status = 200
    if request.method == "POST" and action in ("preview", "start") and form.is_valid():
        try:
            job = services.import_configure(
                job=job, user=request.user, preset=form.cleaned_data["preset"], kind=form.cleaned_data.get("kind", ""),
                mapping=form.mapping(), source=form.cleaned_data["source"], source_year=form.cleaned_data["source_year"],
            )  # fmt: skip
            if action == "start":
                services.import_start(job=job, user=request.user)
                messages.success(request, _("L'import est lancé : il se poursuit en arrière-plan, suivez-le ici."))
                return redirect("diagnostic:import_detail", job.pk)
        except ValidationError as error:
            form_errors_from(error, form)
            status = 400
    elif request.method == "POST" and action != "preset":
        status = 400
    if not form.errors and (action == "preview" or request.method == "GET"):
        try:
            preview = services.import_preview(job=job)
        except TableError as error:
            form.add_error(None, error.messages[0])
            status = 400
        except OSError:
            form.add_error(None, _("Le fichier déposé n'est plus disponible : déposez-le à nouveau."))
            status = 400
    context.update(
        {
            "form": form,
            "preview": preview,
            "preview_problems": sum(1 for _line, values, _problems in preview or [] if values is None),
            "is_population": job.target == ImportJob.Target.POPULATION,
        }
    )
    return render(request, "diagnostic/imports/import_mapping.html", context, status=status)


@login_required
def import_status(request, pk):
    """The progress block: htmx polls it while the import runs."""
    job = _job_or_404(request, pk)
    if not request.headers.get("HX-Request"):
        return redirect("diagnostic:import_detail", job.pk)
    return render(request, "diagnostic/imports/_status.html", {"job": job, "polled": True})


@login_required
def import_report(request, pk):
    """The lines that were not imported, and why, as CSV (UTF-8 with BOM, `;`: opens in a French spreadsheet)."""
    job = _job_or_404(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = slugify(job.filename.rsplit(".", 1)[0])[:40] or "import"
    response["Content-Disposition"] = f'attachment; filename="rapport-{name}-{job.pk}.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("ligne"), _("nom"), _("problème")])
    for line, name, message in job.line_errors.values_list("line", "name", "message").iterator():
        writer.writerow([line, _spreadsheet_safe(name), _spreadsheet_safe(message)])
    return response


def _spreadsheet_safe(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: the file's own text is not run.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@login_required
def duplicate_list(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    proposals = Paginator(
        DuplicateProposal.objects.filter(territory=territory, status=DuplicateProposal.Status.OPEN)
        .select_related("existing", "imported", "job")
        .order_by("-score", "id"),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "diagnostic/imports/duplicates.html",
        {"project": project, "territory": territory, "page_obj": proposals},
    )


@login_required
@require_POST
def duplicate_resolve(request, pk):
    proposal = get_object_or_404(
        DuplicateProposal.objects.select_related(
            "territory__organisation", "territory__project", "existing", "imported"
        ),
        pk=pk,
    )
    if not request.user.has_perm("projects.view_project", proposal.territory.project):
        raise Http404
    # The territory's team (diagnostic.merge_entry on its current entries is the same team); an
    # entry already merged away is refused by the service with its reason.
    require(request.user, "diagnostic.import_entries", proposal.territory)
    back = reverse(
        "diagnostic:duplicate_list", args=[proposal.territory.project.slug, proposal.territory.organisation.slug]
    )
    try:
        kept = services.duplicate_resolve(proposal=proposal, user=request.user, action=request.POST.get("action", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if kept is None:
            messages.success(request, _("Les deux fiches restent distinctes."))
        else:
            messages.success(request, _("Les deux fiches sont fusionnées dans « %(name)s ».") % {"name": kept.name})
    return redirect(back)
