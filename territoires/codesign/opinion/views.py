"""Pages of the opinion map: the project's maps, a map (its statements and towns), a town's map
(scatter of participants by group, representative and consensus statements), the towns side by
side, the public voting page (no account: a signed cookie or a one-time code), the exports."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.codesign.opinion import flood, services
from territoires.codesign.opinion.exports import participant_votes_csv_rows, votes_csv_rows
from territoires.codesign.opinion.forms import (
    CodesForm,
    ConfigurationForm,
    OpinionMapForm,
    ParticipationCodeForm,
    StatementForm,
    StatementModerationForm,
)
from territoires.codesign.opinion.models import OpinionConversation, OpinionMap, OpinionResult, Statement
from territoires.codesign.views.common import check, login_page
from territoires.core.forms import form_errors_from
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.projects.views.common import get_project_or_404

COOKIE_SALT = "codesign.opinion"
COOKIE_MAX_AGE = 365 * 24 * 3600
SCATTER_SIZE = 400
SCATTER_MAX_POINTS = 3000
SHAPES = ("circle", "square", "triangle", "diamond", "cross")


def _map_or_404(request, pk, permission="codesign.view_opinion_map"):
    opinion_map = get_object_or_404(OpinionMap.objects.select_related("project"), pk=pk)
    if not request.user.has_perm("projects.view_project", opinion_map.project) and not request.user.has_perm(
        "codesign.change_opinion_map", opinion_map
    ):
        raise Http404
    check(request.user, permission, opinion_map)
    return opinion_map


def _conversation_or_404(request, pk, permission="codesign.view_conversation"):
    conversation = get_object_or_404(
        OpinionConversation.objects.select_related(
            "opinion_map__project", "territory__organisation", "territory__project"
        ),
        pk=pk,
    )
    if not request.user.has_perm("projects.view_project", conversation.opinion_map.project) and not (
        request.user.has_perm("codesign.manage_conversation", conversation)
    ):
        raise Http404
    check(request.user, permission, conversation)
    return conversation


def opinion_maps(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    maps = OpinionMap.objects.filter(project=project).prefetch_related("conversations__territory__organisation")
    return render(
        request,
        "codesign/opinion/map_list.html",
        {
            "project": project,
            "maps": maps,
            "can_add": request.user.has_perm("codesign.add_opinion_map", project),
        },
    )


@login_required
@login_page
def opinion_map_create(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    check(request.user, "codesign.add_opinion_map", project)
    form = OpinionMapForm(request.POST or None)
    if request.method == "POST":
        if replay := already_submitted(parse_submission_key(request)):
            return redirect(replay)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    opinion_map = services.opinion_map_create(
                        project=project, user=request.user, title=data["title"], description=data["description"],
                        residents_propose=data["residents_propose"], statements=form.statement_lines(),
                    )  # fmt: skip
                    record_submission(parse_submission_key(request), opinion_map.get_absolute_url())
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                messages.success(request, _("La carte des opinions est créée : une conversation par territoire."))
                return redirect(opinion_map.get_absolute_url())
    return render(
        request, "codesign/opinion/map_form.html", {"project": project, "form": form},
        status=400 if form.errors else 200,
    )  # fmt: skip


@login_page
def opinion_map_detail(request, pk):
    opinion_map = _map_or_404(request, pk)
    user = request.user
    can_change = user.has_perm("codesign.change_opinion_map", opinion_map)
    conversations = [
        {
            "conversation": conversation,
            "can_read": user.has_perm("codesign.view_conversation", conversation),
            "can_manage": user.has_perm("codesign.manage_conversation", conversation),
        }
        for conversation in opinion_map.conversations.select_related("territory__organisation", "territory__project")
    ]
    pending = [
        statement
        for statement in opinion_map.statements.filter(status=Statement.Status.PENDING).select_related(
            "proposed_in__territory__project", "proposed_in__territory__organisation"
        )
        if user.has_perm("codesign.moderate_statement", statement)
    ]
    page = Paginator(opinion_map.statements.published(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "codesign/opinion/map_detail.html",
        {
            "project": opinion_map.project,
            "opinion_map": opinion_map,
            "conversations": conversations,
            "page_obj": page,
            "pending": pending,
            "moderation_form": StatementModerationForm(),
            "can_change": can_change,
            "statement_form": StatementForm() if can_change else None,
        },
    )


@login_required
@login_page
@require_POST
def statement_add(request, pk):
    opinion_map = _map_or_404(request, pk, "codesign.change_opinion_map")
    if replay := already_submitted(parse_submission_key(request)):
        return redirect(replay)
    form = StatementForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.statement_add(opinion_map=opinion_map, user=request.user, text=form.cleaned_data["text"])
                record_submission(parse_submission_key(request), opinion_map.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
    if form.errors:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    else:
        messages.success(request, _("L'affirmation est ajoutée dans chaque territoire."))
    return redirect(opinion_map.get_absolute_url())


@login_required
@login_page
@require_POST
def statement_moderate(request, pk):
    statement = get_object_or_404(
        Statement.objects.select_related("opinion_map__project", "proposed_in__territory__project"), pk=pk
    )
    if not request.user.has_perm("projects.view_project", statement.opinion_map.project) and not (
        request.user.has_perm("codesign.moderate_statement", statement)
    ):
        raise Http404
    check(request.user, "codesign.moderate_statement", statement)
    form = StatementModerationForm(request.POST)
    if form.is_valid():
        services.statement_moderate(
            statement=statement,
            user=request.user,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Affirmation modérée."))
    else:
        messages.error(request, _("Choisissez de publier ou de refuser l'affirmation : rien n'a changé."))
    return redirect(statement.opinion_map.get_absolute_url())


# A town's map ------------------------------------------------------------------------------------


def _shape_path(shape: str, x: float, y: float, r: float = 4.0) -> str:
    if shape == "square":
        return f"M{x - r:.1f},{y - r:.1f}h{2 * r:.1f}v{2 * r:.1f}h{-2 * r:.1f}z"
    if shape == "triangle":
        return f"M{x:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}L{x - r:.1f},{y + r:.1f}z"
    if shape == "diamond":
        return f"M{x:.1f},{y - r:.1f}L{x + r:.1f},{y:.1f}L{x:.1f},{y + r:.1f}L{x - r:.1f},{y:.1f}z"
    if shape == "cross":
        h = r / 2.5
        return (
            f"M{x - h:.1f},{y - r:.1f}h{2 * h:.1f}v{r - h:.1f}h{r - h:.1f}v{2 * h:.1f}h{h - r:.1f}v{r - h:.1f}"
            f"h{-2 * h:.1f}v{h - r:.1f}h{h - r:.1f}v{-2 * h:.1f}h{r - h:.1f}z"
        )
    return f"M{x - r:.1f},{y:.1f}a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0"


def result_view_data(result: OpinionResult) -> dict:
    """What the template draws: groups with their shape, statements' texts, the scatter's paths."""
    data = result.data
    texts = dict(Statement.objects.filter(opinion_map_id=result.conversation.opinion_map_id).values_list("id", "text"))
    points = data.get("participants", [])
    shown = points[:SCATTER_MAX_POINTS]
    xs = [p[0] for p in points] or [0.0]
    ys = [p[1] for p in points] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    margin = 12

    def place(value, low):
        return margin + (value - low) / span * (SCATTER_SIZE - 2 * margin)

    groups = []
    for g, group in enumerate(data.get("groups", [])):
        members = [p for p in points if p[2] == g]
        shape = SHAPES[g % len(SHAPES)]
        path = "".join(_shape_path(shape, place(p[0], min(xs)), place(p[1], min(ys))) for p in shown if p[2] == g)
        groups.append({
            **group,
            "index": g,
            "shape": shape,
            "path": path,
            "share": round(100 * group["size"] / max(1, sum(1 for p in points if p[2] >= 0))),
            "centre": (
                round(sum(p[0] for p in members) / len(members), 2) if members else 0,
                round(sum(p[1] for p in members) / len(members), 2) if members else 0,
            ),
            "statements": [
                {**entry, "text": texts.get(entry["statement"], "")} for entry in group.get("repness", [])
            ],
        })  # fmt: skip
    ungrouped = "".join(
        _shape_path("circle", place(p[0], min(xs)), place(p[1], min(ys)), 2.5) for p in shown if p[2] < 0
    )
    consensus = {
        direction: [{**entry, "text": texts.get(entry["statement"], "")} for entry in entries]
        for direction, entries in data.get("consensus", {}).items()
    }
    return {
        "groups": groups,
        "ungrouped_path": ungrouped,
        "ungrouped_count": sum(1 for p in points if p[2] < 0),
        "consensus": consensus,
        "size": SCATTER_SIZE,
        "truncated": len(points) > SCATTER_MAX_POINTS,
        "shown": len(shown),
        "points_table": points if len(points) <= 300 else None,
        "config": data.get("config", {}),
    }


@login_page
def conversation_detail(request, pk):
    conversation = _conversation_or_404(request, pk)
    user = request.user
    can_manage = user.has_perm("codesign.manage_conversation", conversation)
    result = services.latest_result(conversation)
    pending_result = (
        conversation.results.filter(status__in=[OpinionResult.Status.QUEUED, OpinionResult.Status.RUNNING]).first()
        if can_manage
        else None
    )
    failed = conversation.results.order_by("-created_at", "-id").first() if can_manage else None
    if failed is not None and failed.status != OpinionResult.Status.FAILED:
        failed = None
    context = {
        "project": conversation.opinion_map.project,
        "conversation": conversation,
        "opinion_map": conversation.opinion_map,
        "result": result,
        "view": result_view_data(result) if result else None,
        "can_manage": can_manage,
        "pending_result": pending_result,
        "failed": failed,
        "participant_count": conversation.participants.count(),
        "vote_count": conversation.votes.count(),
        "configuration_form": ConfigurationForm(initial={"configuration": conversation.configuration})
        if can_manage
        else None,
        "codes_form": CodesForm() if can_manage else None,
        "public_url": request.build_absolute_uri(reverse("codesign:opinion_vote", args=[conversation.public_token]))
        if can_manage
        else "",
    }
    return render(request, "codesign/opinion/conversation_detail.html", context)


@login_required
@login_page
@require_POST
def conversation_change(request, pk):
    conversation = _conversation_or_404(request, pk, "codesign.manage_conversation")
    action = request.POST.get("action")
    try:
        if action in ("open", "closed"):
            services.conversation_change(conversation=conversation, user=request.user, status=action)
            messages.success(request, _("Le vote est ouvert.") if action == "open" else _("Le vote est clos."))
        elif action in ("publish", "unpublish"):
            services.conversation_change(
                conversation=conversation, user=request.user, results_public=action == "publish"
            )
            messages.success(
                request,
                _("La carte est publiée : toute personne qui peut ouvrir le projet la lit.")
                if action == "publish"
                else _("La carte n'est plus publiée."),
            )
        elif action == "configuration":
            form = ConfigurationForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Réglage de calcul inconnu."))
            services.conversation_change(
                conversation=conversation, user=request.user, configuration=form.cleaned_data["configuration"]
            )
            messages.success(request, _("Réglages enregistrés : ils servent au prochain calcul."))
        elif action == "compute":
            result = services.result_request(conversation=conversation, user=request.user)
            result.refresh_from_db()  # a task backend that runs at once has already finished it
            if result.status == OpinionResult.Status.DONE:
                messages.success(request, _("La carte est calculée."))
            elif result.status == OpinionResult.Status.FAILED:
                messages.error(request, result.error)
            else:
                messages.info(request, _("Le calcul est lancé ; rechargez la page dans quelques secondes."))
        else:
            messages.error(request, _("Action inconnue."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(conversation.get_absolute_url())


def _csv_response(rows, filename):
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@login_page
def conversation_votes_csv(request, pk):
    conversation = _conversation_or_404(request, pk, "codesign.manage_conversation")
    return _csv_response(votes_csv_rows(conversation), "votes.csv")


@login_required
@login_page
def conversation_participant_votes_csv(request, pk):
    conversation = _conversation_or_404(request, pk, "codesign.manage_conversation")
    return _csv_response(participant_votes_csv_rows(conversation), "participant-votes.csv")


@login_required
@login_page
def conversation_codes(request, pk):
    """Issue one-time participation codes (POST) or print the unused ones (GET)."""
    conversation = _conversation_or_404(request, pk, "codesign.manage_conversation")
    if request.method == "POST":
        form = CodesForm(request.POST)
        if form.is_valid():
            services.codes_issue(conversation=conversation, user=request.user, count=form.cleaned_data["count"])
            messages.success(request, _("%(count)d codes sont prêts à imprimer.") % form.cleaned_data)
            return redirect("codesign:opinion_codes", conversation.pk)
        messages.error(request, " ".join(form.errors.get("count", [])) or _("Nombre de codes invalide."))
        return redirect(conversation.get_absolute_url())
    return render(
        request,
        "codesign/opinion/codes.html",
        {
            "project": conversation.opinion_map.project,
            "conversation": conversation,
            "codes": conversation.codes.filter(participant__isnull=True),
            "vote_url": request.build_absolute_uri(reverse("codesign:opinion_vote", args=[conversation.public_token])),
        },
    )


@login_page
def opinion_compare(request, pk):
    """The towns side by side: for each statement, each town's agreement and its place in the
    town's map (representative of a group, consensus); only the maps the reader may read."""
    opinion_map = _map_or_404(request, pk)
    columns = []
    for conversation in opinion_map.conversations.select_related("territory__organisation", "territory__project"):
        if not request.user.has_perm("codesign.view_conversation", conversation):
            continue
        result = services.latest_result(conversation)
        columns.append({"conversation": conversation, "result": result, "data": result.data if result else {}})
    statements = list(opinion_map.statements.published())
    rows = []
    for statement in statements:
        cells = []
        key = str(statement.pk)
        for column in columns:
            data = column["data"]
            agrees = disagrees = votes = 0
            marks = []
            for group in data.get("groups", []):
                a, d, n = group["votes"].get(key, [0, 0, 0])
                agrees, disagrees, votes = agrees + a, disagrees + d, votes + n
                for entry in group["repness"]:
                    if entry["statement"] == statement.pk:
                        marks.append(
                            _("groupe %(label)s (%(direction)s)")
                            % {
                                "label": group["label"],
                                "direction": _("d'accord") if entry["direction"] == "agree" else _("pas d'accord"),
                            }
                        )
            for direction, entries in data.get("consensus", {}).items():
                if any(entry["statement"] == statement.pk for entry in entries):
                    marks.insert(
                        0, _("consensus (d'accord)") if direction == "agree" else _("consensus (pas d'accord)")
                    )
            cells.append({
                "votes": votes,
                "agree": round(100 * agrees / votes) if votes else None,
                "disagree": round(100 * disagrees / votes) if votes else None,
                "marks": marks,
            })  # fmt: skip
        rows.append({"statement": statement, "cells": cells})
    return render(
        request,
        "codesign/opinion/compare.html",
        {"project": opinion_map.project, "opinion_map": opinion_map, "columns": columns, "rows": rows},
    )


# The public voting page --------------------------------------------------------------------------


def _cookie_name(conversation) -> str:
    return f"opinion_{conversation.pk}"


def _participant_secret(request, conversation) -> str | None:
    return request.get_signed_cookie(_cookie_name(conversation), default=None, salt=COOKIE_SALT)


def opinion_vote(request, token):
    """Vote agree / disagree / pass on one statement at a time, without an account. The first
    vote sets a signed cookie with a random id (its keyed hash names the participant); a one-time
    code printed for a workshop does the same on a shared device."""
    conversation = get_object_or_404(
        OpinionConversation.objects.select_related("opinion_map__project", "territory__organisation"),
        public_token=token,
    )
    if conversation.status == OpinionConversation.Status.DRAFT:
        raise Http404
    secret = _participant_secret(request, conversation)
    participant = services.participant_for(conversation=conversation, secret=secret) if secret else None
    new_secret = None
    error = ""
    status = 200
    statement_form = StatementForm(prefix="proposer")
    code_form = ParticipationCodeForm(prefix="code")
    if request.method == "POST":
        action = request.POST.get("action")
        if replay := already_submitted(parse_submission_key(request)):
            return redirect(replay)
        here = request.path
        try:
            if action == "code":
                code_form = ParticipationCodeForm(request.POST, prefix="code")
                if not code_form.is_valid():
                    raise ValidationError(_("Saisissez le code inscrit sur votre papier."))
                participant = services.participant_by_code(
                    conversation=conversation, code=code_form.cleaned_data["code"]
                )
                new_secret = f"code:{participant.code.code}"
                messages.success(request, _("Code reconnu : vos avis sont comptés sous ce code."))
            elif action == "propose":
                statement_form = StatementForm(request.POST, prefix="proposer")
                if flood.flood_exceeded(request, "statement"):
                    raise ValidationError(
                        _("Trop de propositions depuis cette connexion : réessayez dans quelques minutes.")
                    )
                if not statement_form.is_valid():
                    raise ValidationError([str(message) for message in statement_form.errors.get("text", [])])
                if participant is None:
                    new_secret = secrets.token_urlsafe(16)
                    participant = services.participant_for(conversation=conversation, secret=new_secret)
                with transaction.atomic():
                    services.statement_propose(
                        conversation=conversation, participant=participant, text=statement_form.cleaned_data["text"]
                    )
                    record_submission(parse_submission_key(request), here)
                flood.flood_count(request, "statement")
                statement_form = StatementForm(prefix="proposer")
                messages.success(
                    request, _("Merci : votre affirmation sera soumise au vote une fois relue par l'équipe.")
                )
            elif action == "vote":
                if flood.flood_exceeded(request, "vote"):
                    raise ValidationError(_("Trop de votes depuis cette connexion : réessayez dans quelques minutes."))
                if participant is None:
                    new_secret = secrets.token_urlsafe(16)
                    participant = services.participant_for(conversation=conversation, secret=new_secret)
                with transaction.atomic():
                    services.vote_cast(
                        conversation=conversation, participant=participant,
                        statement_id=request.POST.get("statement"), value=request.POST.get("value"),
                    )  # fmt: skip
                    record_submission(parse_submission_key(request), here)
                flood.flood_count(request, "vote")
            else:
                raise ValidationError(_("Action inconnue."))
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
            status = 400
            if action == "propose" and not statement_form.errors:
                form_errors_from(refusal, statement_form)
        else:
            response = redirect(here)
            if new_secret:
                response.set_signed_cookie(
                    _cookie_name(conversation), new_secret, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE,
                    httponly=True, samesite="Lax", secure=request.is_secure(),
                )  # fmt: skip
            return response
    statement = services.next_statement(conversation=conversation, participant=participant)
    voted = participant.votes.count() if participant is not None else 0
    total = conversation.opinion_map.statements.published().count()
    response = render(
        request,
        "codesign/opinion/vote.html",
        {
            "conversation": conversation,
            "opinion_map": conversation.opinion_map,
            "statement": statement,
            "voted": voted,
            "total": total,
            "error": error,
            "statement_form": statement_form,
            "code_form": code_form,
            "has_code": participant is not None and participant.via_code,
            "vote_key": StatementForm().initial.get("submission_key"),
            "results_public": conversation.results_public,
        },
        status=status,
    )
    if new_secret:
        response.set_signed_cookie(
            _cookie_name(conversation), new_secret, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE,
            httponly=True, samesite="Lax", secure=request.is_secure(),
        )  # fmt: skip
    return response
