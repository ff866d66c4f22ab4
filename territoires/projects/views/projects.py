from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.accounts.access import memberships_of
from territoires.core.cache import code_release, content_version, public_page_cache
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.models import AuditEvent
from territoires.core.registry import project_counts
from territoires.projects import selectors
from territoires.projects.forms import (
    AddParticipantForm,
    MethodForm,
    OrganisationChoiceForm,
    ProjectCreateForm,
    ProjectForm,
)
from territoires.projects.methods import method_update
from territoires.projects.models import (
    MAX_PARTICIPANTS,
    MIN_PARTICIPANTS,
    Participation,
    SharedProject,
    StepCompletion,
    method_of,
)
from territoires.projects.rules import AUTHORITY_ROLES
from territoires.projects.services import (
    charter_current,
    observer_decide,
    observer_request,
    participation_add,
    participation_remove,
    project_create,
    project_launch,
    project_set_publication,
)
from territoires.projects.views.common import form_errors_from, get_project_or_404, id_from, require


@public_page_cache(query_params=("q", "statut", "page"))
def project_list(request):
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("statut", "")
    projects = selectors.project_list(user=request.user, status=status, query=query)
    page = Paginator(projects, 12).get_page(request.GET.get("page"))
    for project in page.object_list:
        project.progress = selectors.progress_of(project)
    return render(
        request,
        "projects/project_list.html",
        {
            "page_obj": page,
            "query": query,
            "status": status,
            "statuses": SharedProject.Status.choices,
            "can_create": request.user.has_perm("projects.create_project"),
        },
    )


@public_page_cache
def project_detail(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    user = request.user
    context = {
        "project": project,
        "body": project_body(request, project),
        "can_manage": user.has_perm("projects.manage_participants", project),
    }
    if user.is_authenticated and not context["can_manage"]:
        _participants, _observers, requests = selectors.split_participations(project)
        involved = {p.organisation_id for p in project.participations.all()}
        member_of = memberships_of(user).keys()
        # Only authorities not yet involved may ask to observe; most members have none, so no query.
        candidates = [
            org_id
            for org_id, role in memberships_of(user).items()
            if role in AUTHORITY_ROLES and org_id not in involved
        ]
        context["observable_authorities"] = (
            list(selectors.user_authorities(user).filter(pk__in=candidates)) if candidates else []
        )
        context["my_requests"] = [p for p in requests if p.organisation_id in member_of]
    return render(request, "projects/project_detail.html", context)


def project_body(request, project) -> str:
    """The part of the project page that is the same for everyone who may see it (presentation,
    progress, territories), rendered once per content change and shared by every signed-in user.
    Anonymous visitors get the whole page from the public page cache."""
    key = f"project-body:{code_release()}:{content_version()}:{request.LANGUAGE_CODE}:{project.pk}"
    body = cache.get(key)
    if body is None:
        selectors.prefetch_progress(project)
        participants, observers, _requests = selectors.split_participations(project)
        charter = charter_current(project)
        body = render_to_string(
            "projects/_project_body.html",
            {
                "project": project,
                "participants": participants,
                "observers": observers,
                "progress": selectors.project_progress(participants),
                "charter": charter,
                "signature_count": charter.signatures.count() if charter else 0,
                "party_count": len(selectors.charter_parties_loaded(project)),
                "counts": project_counts(project.pk),
            },
        )
        cache.set(key, body, settings.PUBLIC_PAGE_CACHE_SECONDS)
    return mark_safe(body)  # noqa: S308 — rendered by our own template, autoescaped


@login_required
def project_create_view(request):
    require(request.user, "projects.create_project")
    facilitator_organisation = selectors.user_facilitator_organisations(request.user).first()
    if facilitator_organisation is None:
        raise PermissionDenied
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            return redirect(done_url)
        data = form.cleaned_data
        with transaction.atomic():
            project = project_create(
                user=request.user,
                title=data["title"],
                facilitator_organisation=facilitator_organisation,
                summary=data["summary"],
                description=data["description"],
                consultancy=data["consultancy"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                method_template=data["method_template"],
            )
            record_submission(key, project.get_absolute_url())
        messages.success(request, _("Le projet est créé en préparation. Ajoutez ses collectivités participantes."))
        return redirect("projects:project_participants", project.slug)
    return render(
        request, "projects/project_form.html", {"form": form, "creating": True}, status=400 if form.errors else 200
    )


@login_required
def project_edit(request, slug):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.change_project", project)
    was_public = project.is_public
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            project = form.save(commit=False)
            project.is_public = was_public
            project.save()
            project_set_publication(project=project, is_public=form.cleaned_data["is_public"], user=request.user)
        messages.success(request, _("Le projet est enregistré."))
        return redirect(project)
    return render(
        request, "projects/project_form.html", {"form": form, "project": project}, status=400 if form.errors else 200
    )


@login_required
def project_method(request, slug):
    """The facilitator adapts the project's own copy of its method (the template stays as it is)."""
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.edit_method", project)
    method = method_of(project)
    if method is None:
        raise Http404
    done_codes = set(
        StepCompletion.objects.filter(participation__project=project).values_list("step", flat=True).distinct()
    )
    form = MethodForm(request.POST or None, method=method, done_codes=done_codes)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        done_url = reverse("projects:project_method", args=[project.slug])
        if already_submitted(key):  # a resent form: its steps are not added twice
            return redirect(done_url)
        try:
            with transaction.atomic():
                method_update(method=method, user=request.user, **form.changes())
                record_submission(key, done_url)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("La méthode du projet est enregistrée."))
            return redirect(done_url)
    return render(
        request,
        "projects/method_form.html",
        {"project": project, "method": method, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def project_participants(request, slug):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.manage_participants", project)
    # Back from inviting someone into a new authority (accounts invitations): that authority is pre-selected.
    form = AddParticipantForm(
        request.POST or None, project=project, initial={"organisation": id_from(request.GET.get("collectivite"))}
    )
    if request.method == "POST":
        action = request.POST.get("action", "add")
        try:
            if action == "launch":
                project_launch(project=project, user=request.user)
                messages.success(request, _("Le projet est lancé."))
                return redirect(project)
            if action == "publish":
                project_set_publication(
                    project=project, is_public=request.POST.get("is_public") == "1", user=request.user
                )
                messages.success(request, _("La publication du projet est mise à jour."))
                return redirect("projects:project_participants", project.slug)
            if action == "remove":
                participation = Participation.objects.filter(
                    pk=id_from(request.POST.get("participation")), project=project
                ).first()
                if participation is None:
                    messages.error(request, _("Cette collectivité n'est pas associée à ce projet."))
                    return redirect("projects:project_participants", project.slug)
                participation_remove(participation=participation, user=request.user)
                messages.success(request, _("%(org)s est retirée du projet.") % {"org": participation.organisation})
                return redirect("projects:project_participants", project.slug)
            if action in ("accept", "refuse"):
                participation = Participation.objects.filter(
                    pk=id_from(request.POST.get("participation")), project=project
                ).first()
                if participation is None:
                    messages.error(request, _("Cette demande n'existe pas ou ne concerne pas ce projet."))
                    return redirect("projects:project_participants", project.slug)
                observer_decide(participation=participation, accept=action == "accept", user=request.user)
                messages.success(request, _("La demande de %(org)s est traitée.") % {"org": participation.organisation})
                return redirect("projects:project_participants", project.slug)
            if form.is_valid():
                participation = participation_add(
                    project=project,
                    organisation=form.cleaned_data["organisation"],
                    role=form.cleaned_data["role"],
                    user=request.user,
                )
                messages.success(request, _("%(org)s est ajoutée au projet.") % {"org": participation.organisation})
                return redirect("projects:project_participants", project.slug)
        except ValidationError as error:
            if action == "add":
                form_errors_from(error, form)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect("projects:project_participants", project.slug)
    participants, observers, requests = selectors.split_participations(project)
    return render(
        request,
        "projects/project_participants.html",
        {
            "project": project,
            "form": form,
            "participants": participants,
            "observers": observers,
            "requests": requests,
            "min_participants": MIN_PARTICIPANTS,
            "max_participants": MAX_PARTICIPANTS,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def project_observe(request, slug):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.request_observation", project)
    form = OrganisationChoiceForm(request.POST, organisations=selectors.user_authorities(request.user))
    if not form.is_valid():
        messages.error(request, _("Choisissez une collectivité à laquelle vous appartenez."))
        return redirect(project)
    try:
        observer_request(project=project, organisation=form.cleaned_data["organisation"], user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Votre demande d'observation est transmise à l'animation du projet."))
    return redirect(project)


@login_required
def project_audit_log(request, slug):
    project = get_object_or_404(SharedProject, slug=slug)
    if not request.user.has_perm("projects.view_project", project):
        raise Http404  # a private project is hidden, not refused (see get_project_or_404)
    require(request.user, "projects.view_audit_log", project)
    events = AuditEvent.objects.filter(project_id=project.pk).select_related("actor")
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    suffix = f" — {project.title}"
    for event in page.object_list:
        event.readable = event.readable_details()
        # Inside the project's own log, "Niort — <project>" reads better as "Niort".
        event.short_object = event.object_repr.removesuffix(suffix) or event.object_repr
    return render(
        request,
        "projects/audit_log.html",
        {"project": project, "page_obj": page, "actions": AuditEvent.Action.choices, "action": action},
    )
