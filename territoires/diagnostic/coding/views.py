"""Pages of the qualitative coding. Thin: each checks its rule (coding/rules.py), then reads a
selector or calls a service (coding/services.py)."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from territoires.core.cache import member_page_cache
from territoires.core.forms import form_errors_from, id_from
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.diagnostic.coding import charts, services
from territoires.diagnostic.coding.agreement import coder_pairs, transcript_agreement
from territoires.diagnostic.coding.analysis import code_cooccurrence, code_frequencies
from territoires.diagnostic.coding.forms import CodeDeleteForm, CodeForm, CodingForm, tree_order
from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.coding.screen import code_choices_html, coding_items_html
from territoires.diagnostic.coding.selectors import excerpts_present, project_territories, visible_codings
from territoires.diagnostic.coding.text import coded_text_html
from territoires.diagnostic.expression.models import Expression
from territoires.diagnostic.interviews.models import InterviewParticipant, Transcript
from territoires.projects.selectors import project_page
from territoires.projects.views.common import get_project_or_404

PER_PAGE = 20


class _LoginRequired(Exception):
    pass


def _refuse(request, *, hide: bool):
    """A visitor is sent to sign in; a signed-in person gets 404 where the object's existence is
    itself not theirs to know (a transcript), else 403."""
    if not request.user.is_authenticated:
        raise _LoginRequired
    raise Http404 if hide else PermissionDenied


def _login_redirects(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _LoginRequired:
            return redirect_to_login(request.get_full_path())

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _project(request, slug, permission: str):
    project = get_project_or_404(slug, request.user, with_progress=False)
    if not request.user.has_perm(permission, project):
        _refuse(request, hide=False)
    return project


def _with_project(territory_id: int, project_id: int):
    """The project as the pages load it (cached, with its participations) and this territory in it."""
    from territoires.projects.models import SharedProject

    slug = SharedProject.objects.filter(pk=project_id).values_list("slug", flat=True).first()
    project = project_page(slug, with_progress=False) if slug else None
    if project is None:
        raise Http404
    territory = next((t for t in project_territories(project) if t.pk == territory_id), None)
    if territory is None:
        raise Http404
    return project, territory


# --- the codebook ------------------------------------------------------------------------------


def _codes(project):
    return list(Code.objects.filter(project=project).select_related("parent"))


@_login_redirects
def codebook(request, slug):
    project = _project(request, slug, "diagnostic.view_codebook")
    may_edit = request.user.has_perm("diagnostic.change_codebook", project)
    codes = list(Code.objects.filter(project=project).annotate(uses=Count("codings")))
    form = CodeForm(request.POST or None, codes=codes) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                code = services.code_create(project=project, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                messages.success(request, _("Code « %(name)s » ajouté à la grille.") % {"name": code.name})
                return redirect(reverse("coding:codebook", args=[slug]) + f"#code-{code.pk}")
    return render(
        request,
        "diagnostic/coding/codebook.html",
        {"project": project, "tree": tree_order(codes), "form": form, "may_edit": may_edit,
         "total_uses": sum(c.uses for c in codes)},
    )  # fmt: skip


def _code_for_edit(request, pk):
    code = get_object_or_404(Code.objects.select_related("project"), pk=pk)
    project = get_project_or_404(code.project.slug, request.user, with_progress=False)
    if not request.user.has_perm("diagnostic.change_codebook", project):
        _refuse(request, hide=False)
    return code, project


@_login_redirects
def code_edit(request, pk):
    code, project = _code_for_edit(request, pk)
    codes = _codes(project)
    initial = {"name": code.name, "parent": code.parent_id or "", "definition": code.definition,
               "example": code.example, "colour": code.colour}  # fmt: skip
    form = CodeForm(request.POST or None, codes=codes, code=code, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.code_update(code=code, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Code « %(name)s » enregistré.") % {"name": form.cleaned_data["name"]})
            return redirect(reverse("coding:codebook", args=[project.slug]) + f"#code-{code.pk}")
    return render(request, "diagnostic/coding/code_form.html", {"project": project, "code": code, "form": form})


@_login_redirects
def code_delete(request, pk):
    code, project = _code_for_edit(request, pk)
    codes = _codes(project)
    uses = Coding.objects.filter(code=code).count()
    form = CodeDeleteForm(request.POST or None, codes=codes, code=code)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            if target is not None:
                moved = services.code_merge(source=code, target=target, user=request.user)
                messages.success(
                    request,
                    ngettext(
                        "« %(source)s » est fusionné dans « %(target)s » : %(n)s passage codé a été déplacé.",
                        "« %(source)s » est fusionné dans « %(target)s » : %(n)s passages codés ont été déplacés.",
                        moved,
                    )
                    % {"source": code.name, "target": target.name, "n": moved},
                )
            else:
                children = services.code_delete(code=code, user=request.user)
                message = _("Le code « %(name)s » est supprimé.") % {"name": code.name}
                if children:
                    message += " " + ngettext(
                        "Son sous-code remonte d'un niveau.", "Ses %(n)s sous-codes remontent d'un niveau.", children
                    ) % {"n": children}
                messages.success(request, message)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            return redirect("coding:codebook", project.slug)
    return render(
        request, "diagnostic/coding/code_delete.html", {"project": project, "code": code, "form": form, "uses": uses}
    )


# --- the coding screen -------------------------------------------------------------------------


def _transcript_or_404(request, pk):
    transcript = Transcript.objects.select_related("interview").filter(pk=id_from(pk) or 0).first()
    if transcript is None:
        raise Http404
    project, territory = _with_project(transcript.interview.territory_id, transcript.interview.project_id)
    transcript.interview.territory = territory
    if not request.user.has_perm("diagnostic.view_transcript", transcript):
        _refuse(request, hide=True)
    return transcript, project, territory


def _expression_or_404(request, pk):
    expression = Expression.objects.select_related("prompt").filter(pk=id_from(pk) or 0).first()
    if expression is None:
        raise Http404
    project, territory = _with_project(expression.territory_id, expression.project_id)
    expression.territory, expression.project = territory, project
    if not request.user.has_perm("diagnostic.view_expression", expression):
        _refuse(request, hide=True)
    if not request.user.has_perm("diagnostic.code_expression", expression):
        if expression.status not in ("published", "kept") and request.user.has_perm(
            "diagnostic.moderate_expressions", territory
        ):
            messages.info(request, _("Un texte se code une fois modéré et retenu (publié ou non)."))
        _refuse(request, hide=True)
    return expression, project, territory


@_login_redirects
@member_page_cache(query_params=("codeur",))
def transcript_coding(request, pk):
    transcript, project, territory = _transcript_or_404(request, pk)
    participants = list(InterviewParticipant.objects.filter(interview_id=transcript.interview_id))
    return _coding_screen(
        request, source=transcript, project=project, territory=territory, participants=participants,
        may_code=request.user.has_perm("diagnostic.code_transcript", transcript),
        title=transcript.interview.title, version=transcript.version,
    )  # fmt: skip


@_login_redirects
def expression_coding(request, pk):
    expression, project, territory = _expression_or_404(request, pk)
    return _coding_screen(
        request, source=expression, project=project, territory=territory, participants=[], may_code=True,
        title=_("Texte d'habitant n° %(id)s") % {"id": expression.pk}, version=None,
    )  # fmt: skip


def _coding_screen(request, *, source, project, territory, participants, may_code, title, version):
    is_transcript = isinstance(source, Transcript)
    codes = list(Code.objects.filter(project=project))
    code_by_id = {code.pk: code for code in codes}
    form = CodingForm(request.POST or None, codes=codes, participants=participants, initial={"version": version})
    if request.method == "POST":
        if not may_code:
            raise PermissionDenied
        if form.is_valid():
            key = parse_submission_key(request)
            if done_url := already_submitted(key):
                messages.info(request, _("Ce codage a déjà été enregistré."))
                return redirect(done_url)
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    created = services.coding_create(
                        source=source, codes=data["codes"], start=data["start"], end=data["end"],
                        user=request.user, memo=data["memo"], participant=data.get("participant"),
                        version=data.get("version") if is_transcript else None,
                    )  # fmt: skip
                    url = request.path + (f"#codage-{created[0].pk}" if created else "")
                    record_submission(key, url)
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                if created:
                    messages.success(
                        request,
                        ngettext("Passage codé avec %(codes)s.", "Passage codé avec %(codes)s.", len(created))
                        % {"codes": ", ".join(f"« {c.code.name} »" for c in created)},
                    )
                else:
                    messages.info(request, _("Vous aviez déjà appliqué ces codes à ce passage."))
                return redirect(url)
    codings = _screen_rows(source, code_by_id, participants)
    coders = {}
    for coding in codings:
        if coding.coder_id is not None:
            coders.setdefault(coding.coder_id, [coding.coder_label, 0])[1] += 1
    shown_coder = id_from(request.GET.get("codeur"))
    if shown_coder not in coders:
        shown_coder = None
    current = [c for c in codings if not c.is_stale and (shown_coder is None or c.coder_id == shown_coder)]
    stale = [c for c in codings if c.is_stale]
    numbers = {coding.pk: index for index, coding in enumerate(current, start=1)}
    for coding in current:
        coding.number = numbers[coding.pk]
    for coding in stale:
        coding.deletable = coding.coder_id == request.user.pk and may_code
    tree = tree_order(codes)
    agreements = []
    fresh = [c for c in codings if not c.is_stale]
    for first, second in coder_pairs(fresh):
        agreement = transcript_agreement(len(source.text), fresh, first, second)
        agreements.append(
            {
                "first": coders[first][0],
                "second": coders[second][0],
                "mean": agreement.mean_kappa,
                "rows": [(code_by_id.get(row.code_id), row) for row in agreement.codes],
            }
        )
    return render(
        request,
        "diagnostic/coding/screen.html",
        {
            "project": project, "territory": territory, "source": source, "is_transcript": is_transcript,
            "title": title, "form": form, "may_code": may_code, "codings": current, "stale": stale,
            "text_html": coded_text_html(source.text, current, numbers), "text_length": len(source.text),
            "coders": [(pk, label, n) for pk, (label, n) in coders.items()], "shown_coder": shown_coder,
            "agreements": agreements, "tree": tree, "version": version,
            "coding_items": coding_items_html(current, user_id=request.user.pk, may_code=may_code),
            "code_choices": code_choices_html(tree, set(form["codes"].value() or []) if form.is_bound else set()),
        },
    )  # fmt: skip


@dataclass
class _Row:
    """A coding as the screen shows it (lighter than a model instance: 200 on a busy page)."""

    pk: int
    code_id: int
    code: Code
    coder_id: int | None
    coder_label: str
    participant_id: int | None
    participant: str
    start: int
    end: int
    quote: str
    memo: str
    is_stale: bool
    transcript_version: int
    number: int = 0
    deletable: bool = False


def _screen_rows(source, code_by_id, participants) -> list[_Row]:
    from territoires.accounts.models import User

    rows = list(
        source.codings.order_by("start", "end", "id").values_list(
            "pk", "code_id", "coder_id", "participant_id", "start", "end", "quote", "memo", "is_stale",
            "transcript_version",
        )
    )  # fmt: skip
    coder_ids = {row[2] for row in rows if row[2] is not None}
    coders = {user.pk: user.get_full_name() or user.email for user in User.objects.filter(pk__in=coder_ids)}
    speakers = {participant.pk: str(participant) for participant in participants}
    deleted = _("codeur supprimé")  # translated once, not once per row
    return [
        _Row(
            pk,
            code_id,
            code_by_id[code_id],
            coder_id,
            coders.get(coder_id, deleted),
            participant_id,
            speakers.get(participant_id, ""),
            start,
            end,
            quote,
            memo,
            is_stale,
            version,
        )  # fmt: skip
        for pk, code_id, coder_id, participant_id, start, end, quote, memo, is_stale, version in rows
    ]


@require_POST
@_login_redirects
def coding_delete(request):
    """One form for the page's delete buttons: the button pressed names the coding."""
    coding = get_object_or_404(Coding, pk=id_from(request.POST.get("coding")) or 0)
    project, territory = _with_project(coding.territory_id, coding.project_id)
    coding.territory = territory
    if not request.user.has_perm("diagnostic.delete_coding", coding):
        _refuse(request, hide=False)
    if coding.transcript_id:
        back = reverse("coding:transcript", args=[coding.transcript_id])
    else:
        back = reverse("coding:expression", args=[coding.expression_id])
    services.coding_delete(coding=coding, user=request.user)
    messages.success(request, _("Votre codage du passage « %(quote)s » est supprimé.") % {"quote": coding.quote[:80]})
    return redirect(back)


# --- retrieval and analysis --------------------------------------------------------------------


def _descendants(code, links) -> list[int]:
    """The code and its sub-codes at any depth; `links`: (id, parent id) of the project's codes."""
    children: dict = {}
    for pk, parent_id in links:
        children.setdefault(parent_id, []).append(pk)
    found, queue = [], [code.pk]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(pk for pk in children.get(current, []) if pk not in found)
    return found


@_login_redirects
@member_page_cache(query_params=("territory", "profile", "sous_codes", "page"))
def excerpts(request, pk):
    code = get_object_or_404(Code.objects.select_related("project"), pk=id_from(pk) or 0)
    project = _project(request, code.project.slug, "diagnostic.view_code_excerpts")
    territories = {t.pk: t for t in project_territories(project)}
    # Only the tree's links, not 120 Code objects with their parents: this page shows one code.
    links = list(Code.objects.filter(project=project).values_list("pk", "parent_id"))
    with_children = request.GET.get("sous_codes") == "1"
    code_ids = _descendants(code, links) if with_children else [code.pk]
    selected = visible_codings(request.user, project).filter(code_id__in=code_ids)
    errors = []
    territory_id = None
    if request.GET.get("territory"):
        territory_id = id_from(request.GET["territory"])
        if territory_id not in territories:
            errors.append(_("Ce territoire ne participe pas au projet : le filtre n'est pas appliqué."))
            territory_id = None
        else:
            selected = selected.filter(territory_id=territory_id)
    profile = request.GET.get("profile", "")
    profiles = dict(InterviewParticipant.Profile.choices)
    if profile:
        if profile not in profiles:
            errors.append(_("Ce profil n'existe pas : le filtre n'est pas appliqué."))
            profile = ""
        else:
            selected = selected.filter(profile=profile)
    # The excerpts quote their own words: the transcripts' texts (tens of kilobytes each) stay in the database.
    selected = (
        selected.select_related("transcript__interview", "expression", "participant", "coder")
        .defer("transcript__text", "expression__text")
        .order_by("territory_id", "transcript_id", "expression_id", "start", "id")
    )
    page = Paginator(selected, PER_PAGE).get_page(request.GET.get("page"))
    code_names = Code.objects.in_bulk(code_ids) if with_children else {code.pk: code}
    rows = excerpts_present(request.user, list(page.object_list), territories)
    for row in rows:
        row.coding.code = code_names.get(row.coding.code_id, code)
    return render(
        request,
        "diagnostic/coding/excerpts.html",
        {
            "project": project, "code": code, "page_obj": page, "rows": rows, "errors": errors,
            "territories": list(territories.values()), "profiles": list(profiles.items()),
            "current": {"territory": territory_id, "profile": profile, "sous_codes": with_children},
            "has_children": len(code_ids) > 1 or any(parent_id == code.pk for _pk, parent_id in links),
        },
    )  # fmt: skip


@_login_redirects
def analysis(request, slug):
    project = _project(request, slug, "diagnostic.view_coding_analysis")
    territories = project_territories(project)
    names = {t.pk: t.organisation.name for t in territories}
    territory_ids = None
    errors = []
    chosen = request.GET.getlist("territoire")[:10]
    if chosen:
        territory_ids = [id_from(value) for value in chosen]
        if any(pk not in names for pk in territory_ids):
            errors.append(_("Un des territoires choisis ne participe pas au projet : le filtre n'est pas appliqué."))
            territory_ids = None
    codes = tree_order(list(Code.objects.filter(project=project)))
    by_territory = code_frequencies(project, by="territory", territory_ids=territory_ids)
    by_profile = code_frequencies(project, by="profile", territory_ids=territory_ids)
    cooccurrence = code_cooccurrence(project, territory_ids=territory_ids)
    profiles = dict(InterviewParticipant.Profile.choices)
    profile_columns = [(value, profiles.get(value, _("Non précisé"))) for value in by_profile.columns]
    territory_columns = [(pk, names.get(pk, "?")) for pk in by_territory.columns]
    return render(
        request,
        "diagnostic/coding/analysis.html",
        {
            "project": project, "territories": territories, "errors": errors,
            "chosen": set(territory_ids or []),
            "territory_table": charts.frequency_table(codes, by_territory, territory_columns),
            "profile_table": charts.frequency_table(codes, by_profile, profile_columns),
            "cooccurrence": charts.cooccurrence_table(codes, cooccurrence),
        },
    )  # fmt: skip
