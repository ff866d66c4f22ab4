"""Pages of the diagnostic synthesis. Thin: each checks its rule (rules.py), then reads or calls a
service. The project's page is also the "Diagnostic" tab: the cross-territory synthesis and a way
into each territory's synthesis, observation notes, interviews and residents' texts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.core.forms import form_errors_from
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.storage import stored_file_response
from territoires.diagnostic.expression.models import ExpressionPrompt
from territoires.diagnostic.synthesis import services
from territoires.diagnostic.synthesis.evidence import EVIDENCE_KINDS, evidence_kind, evidence_views
from territoires.diagnostic.synthesis.forms import EVIDENCE_FORMS, FindingForm, IntroductionForm
from territoires.diagnostic.synthesis.models import Evidence, Finding, Synthesis, SynthesisPdf
from territoires.projects.views.common import get_participation_or_404, get_project_or_404, require


def _login_or_403(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def synthesis_findings(synthesis, user):
    """The findings of a synthesis this person may read, with their evidence as they see it."""
    findings = list(
        Finding.objects.visible_to(user)
        .filter(synthesis=synthesis)
        .select_related("validated_by", "project", "territory__organisation")
        .prefetch_related("evidence", "project__participations__organisation")
        .order_by("position", "pk")
    )
    views = evidence_views(findings, user)
    for finding in findings:
        finding.synthesis = synthesis
        finding.evidence_views = views[finding.pk]
        finding.can_validate = user.has_perm("diagnostic.validate_finding", finding)
    return findings


def _synthesis_page(request, slug, territory_slug=None):
    synthesis = _synthesis_or_404(request, slug, territory_slug)
    project, territory = synthesis.project, synthesis.territory if territory_slug else None
    require(request.user, "diagnostic.open_synthesis", synthesis)
    findings = synthesis_findings(synthesis, request.user)
    territories = [p for p in project.participations.all() if p.is_participant]
    context = {
        "project": project,
        "territory": territory,
        "synthesis": synthesis,
        "findings": findings,
        "territories": territories,
        "can_write": request.user.has_perm("diagnostic.write_synthesis", synthesis),
        "reads_drafts": request.user.has_perm("diagnostic.read_synthesis_drafts", synthesis),
        "can_exchange_coding": request.user.has_perm("diagnostic.export_codebook", project),
        "status_counts": {status: sum(f.status == status for f in findings) for status in Finding.Status.values},
        "pdfs": SynthesisPdf.objects.filter(synthesis=synthesis, requested_by=request.user)[:3]
        if request.user.is_authenticated
        else [],
    }
    if territory is None:
        context["territory_rows"] = _territory_rows(request.user, project, territories)
        context["links"] = _coding_links(request.user, project)
        if request.user.has_perm("diagnostic.view_interview_guide", project):
            context["links"] = context["links"] + [
                (_("Guide d'entretien"), reverse("interviews:guide", args=[project.slug]))
            ]
    else:
        context["links"] = _territory_links(request.user, territory) + _coding_links(request.user, project)
    return render(request, "diagnostic/synthesis/synthesis.html", context)


def _territory_rows(user, project, territories):
    """Per territory: the findings this person may read, and links to its material."""
    counts = dict(
        Finding.objects.visible_to(user)
        .filter(project=project, territory__isnull=False)
        .order_by()
        .values("territory_id")
        # distinct: visible_to joins the project's participations (one row per territory).
        .annotate(n=Count("pk", distinct=True))
        .values_list("territory_id", "n")
    )
    published = dict(
        Finding.objects.published()
        .filter(project=project)
        .order_by()
        .values("territory_id")
        .annotate(n=Count("pk"))
        .values_list("territory_id", "n")
    )
    rows = []
    for territory in territories:
        territory.project = project
        rows.append(
            {
                "territory": territory,
                "findings": counts.get(territory.pk, 0),
                "published": published.get(territory.pk, 0),
                "links": _territory_links(user, territory),
            }
        )
    return rows


def _territory_links(user, territory):
    project, slug = territory.project, territory.organisation.slug
    links = []
    if user.has_perm("diagnostic.add_observation", territory):
        links.append((_("Notes d'observation"), reverse("observation:list", args=[project.slug, slug])))
    if user.has_perm("diagnostic.view_interviews", territory):
        links.append((_("Entretiens"), reverse("interviews:list", args=[project.slug, slug])))
    if user.has_perm("diagnostic.moderate_expressions", territory):
        links.append((_("Textes des habitants (modération)"), reverse("expression:queue", args=[project.slug, slug])))
    prompt = ExpressionPrompt.objects.filter(territory=territory).first()
    if prompt is not None and user.has_perm("diagnostic.read_expression_gallery", prompt):
        links.append((_("Paroles d'habitants publiées"), reverse("expression:gallery", args=[project.slug, slug])))
    return links


def _coding_links(user, project):
    """The qualitative coding of the project's interviews and texts (diagnostic/coding)."""
    if not user.has_perm("diagnostic.view_codebook", project):
        return []
    return [
        (_("Grille de codage"), reverse("coding:codebook", args=[project.slug])),
        (_("Codage : fréquences et cooccurrences"), reverse("coding:analysis", args=[project.slug])),
    ]


def project_synthesis(request, slug):
    return _synthesis_page(request, slug)


def territory_synthesis(request, slug, territory_slug):
    return _synthesis_page(request, slug, territory_slug)


def _finding_or_404(request, pk, permission="diagnostic.view_finding") -> Finding:
    finding = (
        Finding.objects.select_related(
            "synthesis__project", "synthesis__territory__organisation", "project", "territory__organisation"
        )
        .prefetch_related("project__participations__organisation")
        .filter(pk=pk)
        .first()
    )
    if finding is None:
        raise Http404
    finding.synthesis.project = finding.project
    if not request.user.has_perm(permission, finding):
        # A finding one may not read answers like one that does not exist: its id says nothing.
        if permission == "diagnostic.view_finding":
            if not request.user.is_authenticated:
                raise _LoginRequired
            raise Http404
        raise PermissionDenied
    return finding


class _LoginRequired(Exception):
    pass


def finding_detail(request, pk):
    try:
        finding = _finding_or_404(request, pk)
    except _LoginRequired:
        return redirect_to_login(request.get_full_path())
    finding.evidence_views = evidence_views([finding], request.user)[finding.pk]
    user = request.user
    return render(
        request,
        "diagnostic/synthesis/finding_detail.html",
        {
            "finding": finding,
            "project": finding.project,
            "synthesis": finding.synthesis,
            "can_change": user.has_perm("diagnostic.change_finding", finding),
            "can_validate": user.has_perm("diagnostic.validate_finding", finding),
            "can_publish": user.has_perm("diagnostic.publish_finding", finding),
            "evidence_kinds": list(EVIDENCE_KINDS.values()),
        },
    )


def _synthesis_or_404(request, slug, territory_slug=None) -> Synthesis:
    project = get_project_or_404(slug, request.user, with_progress=False)
    territory = get_participation_or_404(project, territory_slug) if territory_slug else None
    synthesis = services.synthesis_for(project=project, territory=territory)
    synthesis.project = project
    if territory is not None:
        synthesis.territory = territory
    return synthesis


@login_required
def finding_create(request, slug, territory_slug=None):
    synthesis = _synthesis_or_404(request, slug, territory_slug)
    require(request.user, "diagnostic.write_synthesis", synthesis)
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            messages.info(request, _("Ce constat a déjà été enregistré."))
            return redirect(done_url)
        try:
            with transaction.atomic():
                finding = services.finding_create(
                    synthesis=synthesis,
                    user=request.user,
                    statement=form.cleaned_data["statement"],
                    strength=form.cleaned_data["strength"],
                    analysis=form.cleaned_data["analysis"],
                )
                record_submission(key, finding.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Constat enregistré en brouillon. Ajoutez-lui ses preuves."))
            return redirect(finding)
    return render(
        request,
        "diagnostic/synthesis/finding_form.html",
        {"form": form, "synthesis": synthesis, "project": synthesis.project, "creating": True},
        status=400 if form.errors else 200,
    )


@login_required
def finding_edit(request, pk):
    finding = _finding_or_404(request, pk, "diagnostic.change_finding")
    initial = {"statement": finding.statement, "strength": finding.strength, "analysis": finding.analysis}
    form = FindingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.finding_update(
                finding=finding,
                user=request.user,
                statement=form.cleaned_data["statement"],
                strength=form.cleaned_data["strength"],
                analysis=form.cleaned_data["analysis"],
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            if finding.status != Finding.Status.DRAFT and updated.status == Finding.Status.DRAFT:
                messages.warning(
                    request, _("Le constat a changé : il revient en brouillon et doit être validé de nouveau.")
                )
            else:
                messages.success(request, _("Constat enregistré."))
            return redirect(updated)
    return render(
        request,
        "diagnostic/synthesis/finding_form.html",
        {"form": form, "finding": finding, "synthesis": finding.synthesis, "project": finding.project},
        status=400 if form.errors else 200,
    )


ACTIONS = {
    "validate": ("diagnostic.validate_finding", services.finding_validate, _("Constat validé.")),
    "publish": ("diagnostic.publish_finding", services.finding_publish, _("Constat publié.")),
    "withdraw": ("diagnostic.validate_finding", services.finding_withdraw, _("Constat renvoyé à l'étape précédente.")),
}


@login_required
@require_POST
def finding_status(request, pk):
    action = request.POST.get("action", "")
    if action == "delete":
        finding = _finding_or_404(request, pk, "diagnostic.change_finding")
        synthesis_url = finding.synthesis.get_absolute_url()
        try:
            services.finding_delete(finding=finding, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(finding)
        messages.success(request, _("Constat supprimé."))
        return redirect(synthesis_url)
    if action not in ACTIONS:
        messages.error(request, _("Action inconnue : rien n'a changé."))
        return redirect("synthesis:finding_detail", pk)
    permission, service, done = ACTIONS[action]
    finding = _finding_or_404(request, pk, permission)
    if action == "withdraw" and finding.status == Finding.Status.PUBLISHED:
        require(request.user, "diagnostic.publish_finding", finding)
    try:
        service(finding=finding, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, str(done))
    return redirect("synthesis:finding_detail", pk)


@login_required
def evidence_add(request, pk, kind):
    finding = _finding_or_404(request, pk, "diagnostic.change_finding")
    kind_class, form_class = evidence_kind(kind), EVIDENCE_FORMS.get(kind)
    if kind_class is None or form_class is None:
        raise Http404
    form = form_class(request.POST or None, finding=finding, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_add(
                finding=finding,
                user=request.user,
                kind=kind,
                reference=form.reference(),
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Preuve ajoutée au constat."))
            return redirect(finding)
    return render(
        request,
        "diagnostic/synthesis/evidence_form.html",
        {"form": form, "finding": finding, "kind": kind_class, "project": finding.project},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def evidence_remove(request, pk):
    evidence = get_object_or_404(Evidence.objects.select_related("finding"), pk=pk)
    finding = _finding_or_404(request, evidence.finding_id, "diagnostic.change_finding")
    services.evidence_remove(evidence=evidence, user=request.user)
    messages.success(request, _("Preuve retirée du constat."))
    return redirect(finding)


@login_required
def introduction_edit(request, pk):
    synthesis = get_object_or_404(Synthesis.objects.select_related("project", "territory__organisation"), pk=pk)
    if not request.user.has_perm("projects.view_project", synthesis.project):
        raise Http404
    require(request.user, "diagnostic.write_synthesis", synthesis)
    form = IntroductionForm(request.POST or None, initial={"introduction": synthesis.introduction})
    if request.method == "POST" and form.is_valid():
        try:
            services.synthesis_set_introduction(
                synthesis=synthesis, user=request.user, introduction=form.cleaned_data["introduction"]
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Introduction enregistrée."))
            return redirect(synthesis)
    return render(
        request,
        "diagnostic/synthesis/introduction_form.html",
        {"form": form, "synthesis": synthesis, "project": synthesis.project},
        status=400 if form.errors else 200,
    )


# --- PDF ------------------------------------------------------------------------------------------


@login_required
@require_POST
def pdf_request(request, pk):
    synthesis = get_object_or_404(Synthesis.objects.select_related("project", "territory__organisation"), pk=pk)
    if not request.user.has_perm("projects.view_project", synthesis.project):
        raise Http404
    require(request.user, "diagnostic.open_synthesis", synthesis)
    pdf = services.synthesis_pdf_request(synthesis=synthesis, user=request.user)
    return redirect("synthesis:pdf_status", pdf.pk)


def _own_pdf(request, pk) -> SynthesisPdf:
    pdf = SynthesisPdf.objects.select_related("synthesis__project", "synthesis__territory__organisation").filter(
        pk=pk, requested_by=request.user
    )
    pdf = pdf.first()
    if pdf is None:
        raise Http404
    return pdf


@login_required
def pdf_status(request, pk):
    pdf = _own_pdf(request, pk)
    return render(
        request,
        "diagnostic/synthesis/pdf_status.html",
        {"pdf": pdf, "synthesis": pdf.synthesis, "project": pdf.synthesis.project},
    )


@login_required
def pdf_download(request, pk):
    pdf = _own_pdf(request, pk)
    if pdf.status != SynthesisPdf.Status.DONE or not pdf.file:
        raise Http404
    synthesis = pdf.synthesis
    name = synthesis.territory.organisation.slug if synthesis.territory_id else "transversale"
    return stored_file_response(
        pdf.file,
        content_type="application/pdf",
        filename=f"synthese-{synthesis.project.slug}-{name}.pdf",
        headers={"Cache-Control": "private, no-store"},
    )
