from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from territoires.accounts.models import Organisation
from territoires.core.cache import code_release, content_version, public_page_cache
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.storage import stored_file_response
from territoires.projects import selectors
from territoires.projects.forms import CharterArticleFormSet, CharterVersionForm, SignatureForm
from territoires.projects.models import Charter, Signature
from territoires.projects.rules import CharterParty
from territoires.projects.services import charter_parties, charter_publish_version, charter_sign
from territoires.projects.views.common import form_errors_from, get_project_or_404, require


def _charter_context(request, project):
    charter = selectors.current_charter_with_signatures(project)
    if charter is None:
        raise Http404
    signatures = {signature.organisation_id: signature for signature in charter.signatures.all()}
    parties = []
    for organisation in selectors.charter_parties_loaded(project):
        party = CharterParty(project, organisation)
        parties.append(
            {
                "organisation": organisation,
                "is_agency": organisation.pk == project.facilitator_organisation_id,
                "signature": signatures.get(organisation.pk),
                "can_sign": request.user.is_authenticated and request.user.has_perm("projects.sign_charter", party),
            }
        )
    return {
        "project": project,
        "charter": charter,
        "parties": parties,
        "signed_count": sum(1 for party in parties if party["signature"]),
        "former_signatures": [
            s for org_id, s in signatures.items() if org_id not in {p["organisation"].pk for p in parties}
        ],
        "versions": list(project.charters.values("version", "created_at", "in_force_on")),
    }


@public_page_cache
def charter_detail(request, slug):
    project = get_project_or_404(slug, request.user)
    context = _charter_context(request, project)
    context["can_edit"] = (
        request.user.has_perm("projects.edit_charter", project)
        and not context["charter"].is_in_force
        and not context["signed_count"]
    )
    return render(request, "projects/charter_detail.html", context)


def charter_pdf(request, slug):
    project = get_project_or_404(slug, request.user)
    context = _charter_context(request, project)
    charter = context["charter"]
    # Rendering a PDF takes a few hundred milliseconds: keep it until anything changes.
    key = f"charter-pdf:{code_release()}:{charter.pk}:{content_version()}"
    pdf = cache.get(key)
    if pdf is None:
        from weasyprint import HTML

        # The charter is a legal document signed in French: its PDF is French whatever the page language.
        with translation.override("fr"):
            html = render_to_string("projects/charter_pdf.html", context, request=request)
        # PDF/UA: tagged (headings, paragraphs, lists) for screen readers, with the document's
        # language and title from the template's <html lang> and <title>.
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(pdf_variant="pdf/ua-1")
        cache.set(key, pdf, 3600)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="charte-{project.slug}-v{charter.version}.pdf"'
    return response


@login_required
def charter_sign_view(request, slug, organisation_slug):
    project = get_project_or_404(slug, request.user)
    organisation = get_object_or_404(Organisation, slug=organisation_slug)
    require(request.user, "projects.sign_charter", CharterParty(project, organisation))
    charter = selectors.current_charter_with_signatures(project)
    if charter is None:
        raise Http404
    if organisation not in selectors.charter_parties_loaded(project):
        messages.error(request, _("%(org)s n'est pas partie à cette charte.") % {"org": organisation})
        return redirect("projects:charter_detail", project.slug)
    existing = next((s for s in charter.signatures.all() if s.organisation_id == organisation.pk), None)
    if existing is not None:
        messages.info(request, _("%(org)s a déjà signé cette charte.") % {"org": organisation})
        return redirect("projects:charter_detail", project.slug)
    with_deliberation = organisation.pk != project.facilitator_organisation_id
    form = SignatureForm(request.POST or None, request.FILES or None, with_deliberation=with_deliberation)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            return redirect(done_url)
        data = form.cleaned_data
        try:
            with transaction.atomic():
                charter_sign(
                    charter=charter,
                    organisation=organisation,
                    user=request.user,
                    signatory_name=data["signatory_name"],
                    signatory_title=data["signatory_title"],
                    signed_on=data["signed_on"],
                    deliberation=form.deliberation_values() if with_deliberation else None,
                    deliberation_document=data.get("deliberation_document") or None,
                )
                record_submission(key, reverse("projects:charter_detail", args=[project.slug]))
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            charter.refresh_from_db()
            if charter.is_in_force:
                messages.success(
                    request, _("Signature enregistrée. Toutes les parties ont signé : la charte est en vigueur.")
                )
            else:
                messages.success(request, _("La signature de %(org)s est enregistrée.") % {"org": organisation})
            return redirect("projects:charter_detail", project.slug)
    return render(
        request,
        "projects/charter_sign.html",
        {"project": project, "charter": charter, "organisation": organisation, "form": form},
        status=400 if form.errors else 200,
    )


def signature_document(request, slug, signature_id):
    project = get_project_or_404(slug, request.user)
    signature = get_object_or_404(Signature, pk=signature_id, charter__project=project)
    if not signature.deliberation_document:
        raise Http404
    # A download, never shown inline: the file was uploaded by a person and the browser's PDF viewer
    # is not ours to expose.
    return stored_file_response(
        signature.deliberation_document,
        content_type="application/pdf",
        filename=f"deliberation-{signature.organisation.slug}.pdf",
        headers={"Content-Security-Policy": "default-src 'none'; sandbox"},
    )


@login_required
def charter_edit(request, slug):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.edit_charter", project)
    current: Charter | None = project.charters.order_by("-version").prefetch_related("articles").first()
    if current is not None and (current.is_in_force or current.signatures.exists()):
        # Said before the facilitator rewrites anything, not after.
        messages.info(request, _("La charte a déjà été signée : son texte ne peut plus être modifié."))
        return redirect("projects:charter_detail", project.slug)
    initial_articles = [
        {"kind": a.kind, "title": a.title, "body": a.body} for a in (current.articles.all() if current else [])
    ]
    form = CharterVersionForm(
        request.POST or None,
        initial={"title": current.title if current else "", "preamble": current.preamble if current else ""},
    )
    formset = CharterArticleFormSet(request.POST or None, initial=initial_articles, prefix="articles")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            return redirect(done_url)
        articles = [
            {"kind": f.cleaned_data["kind"], "title": f.cleaned_data["title"], "body": f.cleaned_data["body"]}
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            with transaction.atomic():
                charter = charter_publish_version(
                    project=project,
                    user=request.user,
                    title=form.cleaned_data["title"],
                    preamble=form.cleaned_data["preamble"],
                    articles=articles,
                )
                record_submission(key, reverse("projects:charter_detail", args=[project.slug]))
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("La version %(v)d de la charte est publiée.") % {"v": charter.version})
            return redirect("projects:charter_detail", project.slug)
    return render(
        request,
        "projects/charter_edit.html",
        {"project": project, "form": form, "formset": formset, "current": current, "parties": charter_parties(project)},
        status=400 if form.errors or formset.errors and request.method == "POST" else 200,
    )
