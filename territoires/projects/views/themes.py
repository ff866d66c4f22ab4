from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from territoires.accounts.access import memberships_of
from territoires.accounts.models import Membership, Organisation
from territoires.core.cache import public_page_cache
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.projects.forms import ThemeConvertForm, ThemeProposeForm
from territoires.projects.models import Participation, Theme
from territoires.projects.selectors import (
    theme_interested_authorities,
    user_authorities,
    user_facilitator_organisations,
)
from territoires.projects.services import (
    theme_convert_to_project,
    theme_interest_express,
    theme_interest_withdraw,
    theme_propose,
)
from territoires.projects.views.common import form_errors_from, id_from

# What a refused person reads (core 403 page), by action and by what they are on the platform: the
# facilitator is never told to "contact the facilitation", a person without an organisation is told
# how to get one.
REFUSALS = {
    "projects.propose_theme": {
        "no_organisation": gettext_lazy(
            "Les thèmes sont proposés au nom d'une collectivité ou de l'Agence. Votre compte n'est rattaché à "
            "aucune organisation : demandez une invitation au ou à la référent·e de votre collectivité."
        ),
        "consultant": gettext_lazy(
            "Les thèmes sont proposés par les collectivités et par l'animation ANCT ; proposez votre idée à "
            "l'animation du projet que vous accompagnez."
        ),
        "other": gettext_lazy("Les thèmes sont proposés au nom d'une collectivité ou de l'Agence."),
    },
    "projects.express_interest": {
        "facilitator": gettext_lazy(
            "Les marques d'intérêt viennent des collectivités. L'animation ANCT les voit sur la page du thème "
            "et peut faire du thème un projet partagé."
        ),
        "no_organisation": gettext_lazy(
            "Seule une collectivité marque son intérêt pour un thème. Votre compte n'est rattaché à aucune : "
            "demandez une invitation au ou à la référent·e de votre collectivité."
        ),
        "other": gettext_lazy("Seule une collectivité marque son intérêt pour un thème."),
    },
    "projects.convert_theme": {
        "authority": gettext_lazy(
            "C'est l'animation ANCT qui fait d'un thème un projet partagé. L'intérêt de votre collectivité est "
            "compté : elle vous proposera d'y participer."
        ),
        "other": gettext_lazy("C'est l'animation ANCT qui fait d'un thème un projet partagé."),
    },
}


def _standing(user) -> str:
    """What the user is on the platform, for the wording of a refusal."""
    roles = set(memberships_of(user).values())
    if user.is_superuser or Membership.Role.FACILITATOR in roles or Membership.Role.PLATFORM_ADMIN in roles:
        return "facilitator"
    if roles & {Membership.Role.REFERENT, Membership.Role.AGENT, Membership.Role.ELECTED}:
        return "authority"
    if Membership.Role.CONSULTANT in roles:
        return "consultant"
    return "no_organisation"


def require_for_themes(user, permission: str, obj=None) -> None:
    if not user.has_perm(permission, obj):
        messages_for_action = REFUSALS[permission]
        raise PermissionDenied(messages_for_action.get(_standing(user), messages_for_action["other"]))


@public_page_cache(query_params=("statut", "page"))
def theme_list(request):
    status = request.GET.get("statut", Theme.Status.PROPOSED)
    if status not in Theme.Status.values:
        status = Theme.Status.PROPOSED
    themes = Theme.objects.filter(status=status).by_popularity().select_related("proposed_by_organisation")
    page = Paginator(themes, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/theme_list.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": Theme.Status.choices,
            "can_propose": request.user.has_perm("projects.propose_theme"),
        },
    )


@public_page_cache
def theme_detail(request, slug):
    theme = get_object_or_404(Theme.objects.with_interest_count().select_related("proposed_by_organisation"), slug=slug)
    interests = list(theme.interests.select_related("organisation").order_by("created_at"))
    context = {"theme": theme, "interests": interests, "projects": list(theme.projects.public())}
    if request.user.is_authenticated:
        authorities = list(user_authorities(request.user))
        interested_ids = {interest.organisation_id for interest in interests}
        context["my_authorities"] = [(org, org.pk in interested_ids) for org in authorities]
        context["can_convert"] = request.user.has_perm("projects.convert_theme")
    return render(request, "projects/theme_detail.html", context)


def proposing_organisations(user):
    """On whose behalf the user may propose: their authorities, and the agency they facilitate for."""
    ids = [
        *user_authorities(user).values_list("pk", flat=True),
        *user_facilitator_organisations(user).values_list("pk", flat=True),
    ]
    return Organisation.objects.filter(pk__in=ids).order_by("name")


@login_required
def theme_propose_view(request):
    require_for_themes(request.user, "projects.propose_theme")
    organisations = proposing_organisations(request.user)
    form = ThemeProposeForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            messages.info(request, _("Ce thème a déjà été proposé."))
            return redirect(done_url)
        try:
            with transaction.atomic():
                theme = theme_propose(
                    organisation=form.cleaned_data["organisation"],
                    user=request.user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                )
                record_submission(key, theme.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request, _("Votre thème est proposé ; les autres collectivités peuvent marquer leur intérêt.")
            )
            return redirect(theme)
    return render(request, "projects/theme_propose.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def theme_interest(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    require_for_themes(request.user, "projects.express_interest", theme)
    organisation_id = id_from(request.POST.get("organisation"))
    organisation = user_authorities(request.user).filter(pk=organisation_id).first() if organisation_id else None
    if organisation is None:
        messages.error(request, _("Choisissez une collectivité à laquelle vous appartenez."))
        return redirect(theme)
    try:
        if request.POST.get("action") == "withdraw":
            theme_interest_withdraw(theme=theme, organisation=organisation)
            messages.success(request, _("L'intérêt de %(org)s est retiré.") % {"org": organisation})
        else:
            theme_interest_express(theme=theme, organisation=organisation, user=request.user)
            messages.success(request, _("L'intérêt de %(org)s est enregistré.") % {"org": organisation})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(theme)


@login_required
def theme_convert(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    require_for_themes(request.user, "projects.convert_theme", theme)
    interested = theme_interested_authorities(theme)
    form = ThemeConvertForm(
        request.POST or None,
        organisations=user_facilitator_organisations(request.user),
        interested=interested,
        initial={"title": theme.title},
    )
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            return redirect(done_url)
        try:
            with transaction.atomic():
                project = theme_convert_to_project(
                    theme=theme,
                    user=request.user,
                    facilitator_organisation=form.cleaned_data["facilitator_organisation"],
                    title=form.cleaned_data["title"],
                    participants=form.chosen(Participation.Role.PARTICIPANT),
                    observers=form.chosen(Participation.Role.OBSERVER),
                    method_template=form.cleaned_data.get("method_template"),
                )
                participants_url = reverse("projects:project_participants", args=[project.slug])
                record_submission(key, participants_url)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request,
                _(
                    "Le projet partagé est créé en préparation. Vérifiez ses collectivités (de trois à cinq "
                    "participantes) avant de le lancer."
                ),
            )
            return redirect(participants_url)
    return render(
        request,
        "projects/theme_convert.html",
        {"theme": theme, "form": form, "interested": interested},
        status=400 if form.errors else 200,
    )
