"""Pages of the interview guide, the interviews, their transcripts and the pseudonymisation list.
Thin: each checks its rule (rules.py), then reads a selector or calls a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from territoires.core.forms import form_errors_from, id_from
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.storage import stored_file_response
from territoires.diagnostic.interviews import selectors, services
from territoires.diagnostic.interviews.extraction import transcript_text_from_upload
from territoires.diagnostic.interviews.forms import (
    GuideForm,
    InterviewForm,
    ParticipantFormSet,
    PseudonymForm,
    QuestionForm,
    ThemeForm,
    TranscriptForm,
    participant_rows,
)
from territoires.diagnostic.interviews.models import (
    GuideQuestion,
    GuideTheme,
    Interview,
    InterviewGuide,
    InterviewParticipant,
    Pseudonym,
    Transcript,
)
from territoires.projects.views.common import get_participation_or_404, get_project_or_404, require

PER_PAGE = 20


def _territory(request, slug, territory_slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    territory = get_participation_or_404(project, territory_slug)
    territory.project = project
    return project, territory


# The guide ---------------------------------------------------------------------------------------


@login_required
def guide(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "diagnostic.view_interview_guide", project)
    versions = list(InterviewGuide.objects.filter(project=project).order_by("-version"))
    asked = request.GET.get("version", "").strip()
    wanted = id_from(asked)
    shown = next((g for g in versions if g.version == wanted), None)
    # A stale or mistyped link (`?version=7` of a guide that has 3) says so, instead of passing the
    # current version off as the one asked for.
    missing_version = asked[:20] if asked and shown is None and versions else ""
    shown = shown or next((g for g in versions if g.is_current), versions[0] if versions else None)
    can_write = request.user.has_perm("diagnostic.change_interview_guide", project)
    form = GuideForm(request.POST or None) if can_write and not versions else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.guide_create(
                    project=project, user=request.user, title=form.cleaned_data["title"],
                    introduction=form.cleaned_data["introduction"],
                )  # fmt: skip
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                messages.success(request, _("Guide créé. Ajoutez-y des thèmes et des questions."))
                return redirect("interviews:guide", project.slug)
    themes = list(shown.themes.prefetch_related("questions")) if shown else []
    frozen = shown is not None and services.guide_is_frozen(shown)
    return render(
        request,
        "diagnostic/interviews/guide.html",
        {
            "project": project,
            "guide": shown,
            "versions": versions,
            "missing_version": missing_version,
            "themes": themes,
            "can_write": can_write,
            "editable": can_write and shown is not None and not frozen,
            "used_by": shown.interviews.count() if shown else 0,
            "form": form,
            "theme_form": ThemeForm(prefix="theme") if can_write else None,
            "territories": [p for p in project.participations.all() if p.is_participant],
        },
        status=400 if form is not None and form.errors else 200,
    )


def _guide_or_404(request, pk) -> InterviewGuide:
    guide = InterviewGuide.objects.select_related("project").filter(pk=pk).first()
    if guide is None or not request.user.has_perm("projects.view_project", guide.project):
        raise Http404
    require(request.user, "diagnostic.change_interview_guide", guide.project)
    return guide


def _guide_redirect(guide):
    from django.urls import reverse

    return redirect(f"{reverse('interviews:guide', args=[guide.project.slug])}?version={guide.version}")


def _guide_form_page(request, guide, form, title):
    return render(
        request,
        "diagnostic/interviews/guide_form.html",
        {"form": form, "guide": guide, "project": guide.project, "form_title": title},
        status=400 if form.errors else 200,
    )


@login_required
def guide_edit(request, pk):
    guide = _guide_or_404(request, pk)
    form = GuideForm(request.POST or None, initial={"title": guide.title, "introduction": guide.introduction})
    if request.method == "POST" and form.is_valid():
        try:
            services.guide_update(guide=guide, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Guide enregistré."))
            return _guide_redirect(guide)
    return _guide_form_page(request, guide, form, _("Modifier le guide d'entretien"))


@login_required
@require_POST
def guide_new_version(request, pk):
    guide = _guide_or_404(request, pk)
    copy = services.guide_new_version(guide=guide, user=request.user)
    messages.success(
        request,
        _("Version %(new)d créée, copie de la version %(old)d : c'est désormais la version en cours.")
        % {"new": copy.version, "old": guide.version},
    )
    return _guide_redirect(copy)


@login_required
def theme_add(request, pk):
    guide = _guide_or_404(request, pk)
    form = ThemeForm(request.POST or None, prefix="theme")
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_save(guide=guide, user=request.user, title=form.cleaned_data["title"])
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Thème ajouté."))
            return _guide_redirect(guide)
    return _guide_form_page(request, guide, form, _("Ajouter un thème"))


def _theme_or_404(request, pk) -> GuideTheme:
    theme = GuideTheme.objects.select_related("guide__project").filter(pk=pk).first()
    if theme is None:
        raise Http404
    _guide_or_404(request, theme.guide_id)
    return theme


@login_required
def theme_edit(request, pk):
    theme = _theme_or_404(request, pk)
    form = ThemeForm(request.POST or None, initial={"title": theme.title})
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_save(guide=theme.guide, user=request.user, title=form.cleaned_data["title"], theme=theme)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Thème enregistré."))
            return _guide_redirect(theme.guide)
    return _guide_form_page(request, theme.guide, form, _("Modifier le thème"))


@login_required
@require_POST
def theme_delete(request, pk):
    theme = _theme_or_404(request, pk)
    _guide_action(request, lambda: services.theme_delete(theme=theme, user=request.user), _("Thème supprimé."))
    return _guide_redirect(theme.guide)


@login_required
@require_POST
def theme_move(request, pk):
    theme = _theme_or_404(request, pk)
    step = 1 if request.POST.get("sens") == "bas" else -1
    _guide_action(request, lambda: services.theme_move(theme=theme, user=request.user, step=step), None)
    return _guide_redirect(theme.guide)


def _guide_action(request, action, success):
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if success:
            messages.success(request, success)


@login_required
def question_add(request, pk):
    theme = _theme_or_404(request, pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_save(theme=theme, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Question ajoutée."))
            return _guide_redirect(theme.guide)
    return _guide_form_page(
        request, theme.guide, form, _("Ajouter une question au thème « %(theme)s »") % {"theme": theme.title}
    )


def _question_or_404(request, pk) -> GuideQuestion:
    question = GuideQuestion.objects.select_related("theme__guide__project").filter(pk=pk).first()
    if question is None:
        raise Http404
    _guide_or_404(request, question.theme.guide_id)
    return question


@login_required
def question_edit(request, pk):
    question = _question_or_404(request, pk)
    form = QuestionForm(request.POST or None, initial={"text": question.text, "prompts": question.prompts})
    if request.method == "POST" and form.is_valid():
        try:
            services.question_save(theme=question.theme, user=request.user, question=question, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Question enregistrée."))
            return _guide_redirect(question.theme.guide)
    return _guide_form_page(request, question.theme.guide, form, _("Modifier la question"))


@login_required
@require_POST
def question_delete(request, pk):
    question = _question_or_404(request, pk)
    _guide_action(
        request, lambda: services.question_delete(question=question, user=request.user), _("Question supprimée.")
    )
    return _guide_redirect(question.theme.guide)


@login_required
@require_POST
def question_move(request, pk):
    question = _question_or_404(request, pk)
    step = 1 if request.POST.get("sens") == "bas" else -1
    _guide_action(request, lambda: services.question_move(question=question, user=request.user, step=step), None)
    return _guide_redirect(question.theme.guide)


# Interviews --------------------------------------------------------------------------------------


@login_required
def interview_list(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "diagnostic.view_interviews", territory)
    interviews = selectors.filter_interviews(selectors.territory_interviews(territory), request.GET)
    page = Paginator(interviews, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "diagnostic/interviews/list.html",
        {
            "project": project,
            "territory": territory,
            "page_obj": page,
            "total": page.paginator.count,
            "kinds": Interview.Kind.choices,
            "profiles": InterviewParticipant.Profile.choices,
            "current": {key: request.GET.get(key, "")[:100] for key in ("type", "profil", "transcription", "q")},
            "query_without_page": query.urlencode(),
            "can_add": request.user.has_perm("diagnostic.add_interview", territory),
            "can_pseudonymise": request.user.has_perm("diagnostic.manage_pseudonyms", territory),
            "can_read_guide": request.user.has_perm("diagnostic.view_interview_guide", project),
        },
    )


def _interview_form(request, territory, interview=None):
    initial = {}
    participants_initial = []
    if interview is not None:
        initial = {name: getattr(interview, name) for name in services.FIELDS}
        participants_initial = [
            {"id": p.pk, "label": p.label, "profile": p.profile, "family": p.family_id}
            for p in interview.participants.all()
        ]
    else:
        current = InterviewGuide.objects.filter(project_id=territory.project_id, is_current=True).first()
        initial = {"guide": current, "interviewer": request.user, "kind": Interview.Kind.SEMI_DIRECTIVE}
    data = request.POST if request.method == "POST" else None
    form = InterviewForm(
        data, request.FILES if data is not None else None, initial=initial, territory=territory,
        interviewers=services.interviewer_choices(territory),
        has_file=interview is not None and bool(interview.consent_file),
    )  # fmt: skip
    formset = ParticipantFormSet(
        data, initial=participants_initial, prefix="participants", form_kwargs={"project_id": territory.project_id}
    )
    return form, formset


def _form_page(request, form, formset, territory, interview=None, status=None):
    return render(
        request,
        "diagnostic/interviews/form.html",
        {
            "form": form,
            "formset": formset,
            "project": territory.project,
            "territory": territory,
            "interview": interview,
            "creating": interview is None,
        },
        status=status or (400 if form.errors or formset.total_error_count() else 200),
    )


@login_required
def interview_create(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "diagnostic.add_interview", territory)
    form, formset = _interview_form(request, territory)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            messages.info(request, _("Cet entretien a déjà été enregistré."))
            return redirect(done_url)
        try:
            with transaction.atomic():
                interview = services.interview_create(
                    territory=territory, user=request.user, data=form.interview_data(),
                    participants=participant_rows(formset), consent_file=form.cleaned_data.get("consent_file"),
                )  # fmt: skip
                record_submission(key, interview.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request, _("Entretien enregistré. Vous pouvez maintenant saisir ou déposer sa transcription.")
            )
            return redirect(interview)
    return _form_page(request, form, formset, territory)


def _interview_or_404(request, pk, permission="diagnostic.view_interview") -> Interview:
    interview = (
        Interview.objects.select_related(
            "territory__organisation", "territory__project", "place", "interviewer", "guide"
        )
        .filter(pk=pk)
        .first()
    )
    if interview is None or not request.user.has_perm("projects.view_project", interview.territory.project):
        raise Http404
    if not request.user.has_perm("diagnostic.view_interview", interview):
        raise PermissionDenied
    if permission != "diagnostic.view_interview" and not request.user.has_perm(permission, interview):
        raise PermissionDenied
    return interview


@login_required
def interview_detail(request, pk):
    interview = _interview_or_404(request, pk)
    reads_transcript = request.user.has_perm("diagnostic.view_transcript", interview)
    transcript = Transcript.objects.filter(interview=interview).first() if reads_transcript else None
    stale = transcript.codings.filter(is_stale=True).count() if transcript is not None else 0
    return render(
        request,
        "diagnostic/interviews/detail.html",
        {
            "interview": interview,
            "project": interview.territory.project,
            "territory": interview.territory,
            "participants": interview.participants.select_related("family"),
            "reads_transcript": reads_transcript,
            "transcript": transcript,
            "has_transcript": transcript is not None or Transcript.objects.filter(interview=interview).exists(),
            "stale_codings": stale,
            "can_change": request.user.has_perm("diagnostic.change_interview", interview),
        },
    )


@login_required
def interview_edit(request, pk):
    interview = _interview_or_404(request, pk, "diagnostic.change_interview")
    territory = interview.territory
    form, formset = _interview_form(request, territory, interview)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            interview = services.interview_update(
                interview=interview, user=request.user, data=form.interview_data(),
                participants=participant_rows(formset), consent_file=form.cleaned_data.get("consent_file"),
                remove_consent_file=form.cleaned_data.get("remove_consent_file", False),
            )  # fmt: skip
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Entretien enregistré."))
            return redirect(interview)
    return _form_page(request, form, formset, territory, interview)


@login_required
@require_POST
def interview_delete(request, pk):
    interview = _interview_or_404(request, pk, "diagnostic.change_interview")
    territory = interview.territory
    if request.POST.get("confirmer") != "oui":
        messages.error(request, _("Cochez la case de confirmation pour supprimer l'entretien et sa transcription."))
        return redirect(interview)
    services.interview_delete(interview=interview, user=request.user)
    messages.success(request, _("Entretien supprimé, avec sa transcription et ses passages codés."))
    return redirect("interviews:list", territory.project.slug, territory.organisation.slug)


@login_required
def consent_file(request, pk):
    interview = _interview_or_404(request, pk, "diagnostic.view_consent")
    if not interview.consent_file:
        raise Http404
    return stored_file_response(
        interview.consent_file,
        content_type="application/pdf",
        filename=f"consentement-{interview.pk}.pdf",
        headers={"Cache-Control": "private, no-store", "Content-Security-Policy": "default-src 'none'; sandbox"},
    )


@login_required
def transcript_edit(request, pk):
    interview = _interview_or_404(request, pk, "diagnostic.change_transcript")
    transcript = Transcript.objects.filter(interview=interview).first()
    initial = {"text": transcript.text, "version": transcript.version} if transcript else {"version": 0}
    form = TranscriptForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("upload")
        try:
            if upload is not None:
                text, source = transcript_text_from_upload(upload)
            else:
                text, source = form.cleaned_data["text"], Transcript.Source.TYPED
            transcript, result = services.transcript_save(
                interview=interview, user=request.user, text=text, source=source,
                expected_version=form.cleaned_data.get("version"),
            )  # fmt: skip
        except ValidationError as error:
            if upload is not None and not hasattr(error, "error_dict"):
                form.add_error("upload", error.messages)
            else:
                form_errors_from(error, form)
        else:
            messages.success(request, _transcript_message(transcript, result))
            return redirect(interview)
    return render(
        request,
        "diagnostic/interviews/transcript_form.html",
        {
            "form": form,
            "interview": interview,
            "transcript": transcript,
            "project": interview.territory.project,
            "territory": interview.territory,
        },
        status=400 if form.errors else 200,
    )


def _transcript_message(transcript, result) -> str:
    message = _("Transcription enregistrée (version %(v)d).") % {"v": transcript.version}
    if result is not None and result.total:
        message += " " + ngettext(
            "%(n)d passage codé suivi dans le nouveau texte.",
            "%(n)d passages codés suivis dans le nouveau texte.",
            result.kept + result.moved,
        ) % {"n": result.kept + result.moved}
        if result.stale:
            message += " " + ngettext(
                "%(n)d passage codé n'a pas été retrouvé : il est signalé « à revoir ».",
                "%(n)d passages codés n'ont pas été retrouvés : ils sont signalés « à revoir ».",
                result.stale,
            ) % {"n": result.stale}
    return message


# Pseudonymisation list ---------------------------------------------------------------------------


@login_required
def pseudonyms(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "diagnostic.manage_pseudonyms", territory)
    form = PseudonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pseudonym_save(territory=territory, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Nom ajouté à la liste de pseudonymisation."))
            return redirect("interviews:pseudonyms", project.slug, territory.organisation.slug)
    page = Paginator(Pseudonym.objects.filter(territory=territory).order_by("name"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "diagnostic/interviews/pseudonyms.html",
        {"project": project, "territory": territory, "form": form, "page_obj": page, "total": page.paginator.count},
        status=400 if form.errors else 200,
    )


def _pseudonym_or_404(request, pk) -> Pseudonym:
    pseudonym = Pseudonym.objects.select_related("territory__project", "territory__organisation").filter(pk=pk).first()
    if pseudonym is None or not request.user.has_perm("diagnostic.manage_pseudonyms", pseudonym):
        raise Http404
    return pseudonym


@login_required
def pseudonym_edit(request, pk):
    pseudonym = _pseudonym_or_404(request, pk)
    territory = pseudonym.territory
    form = PseudonymForm(request.POST or None, initial={"name": pseudonym.name, "replacement": pseudonym.replacement})
    if request.method == "POST" and form.is_valid():
        try:
            services.pseudonym_save(territory=territory, user=request.user, pseudonym=pseudonym, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Pseudonyme enregistré."))
            return redirect("interviews:pseudonyms", territory.project.slug, territory.organisation.slug)
    return render(
        request,
        "diagnostic/interviews/pseudonym_form.html",
        {"form": form, "pseudonym": pseudonym, "project": territory.project, "territory": territory},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def pseudonym_delete(request, pk):
    pseudonym = _pseudonym_or_404(request, pk)
    territory = pseudonym.territory
    # Removing a name shows it in clear outside the circle: asked to confirm, never on one click.
    if request.POST.get("confirm") != "1":
        messages.error(
            request, _("Cochez « Je confirme » pour retirer ce nom : il apparaîtrait de nouveau dans les citations.")
        )
        return redirect("interviews:pseudonyms", territory.project.slug, territory.organisation.slug)
    services.pseudonym_delete(pseudonym=pseudonym, user=request.user)
    messages.success(request, _("Nom retiré de la liste."))
    return redirect("interviews:pseudonyms", territory.project.slug, territory.organisation.slug)
