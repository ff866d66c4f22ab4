"""Divergence: the idea wall, the team's entry form, the residents' idea box (no account, receipt
code), an idea's page (origin, trail of merges, comments, moderation), and the receipt lookup."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.codesign import selectors, services
from territoires.codesign.forms import CommentForm, IdeaForm, MergeForm, ModerationForm, ReceiptForm, ResidentIdeaForm
from territoires.codesign.models import CodesignPlan, Idea, Workshop
from territoires.codesign.views.common import check, login_page, plan_by_id
from territoires.core.cache import public_page_cache
from territoires.core.forms import form_errors_from
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.storage import image_content_type, stored_file_response

PER_PAGE = 30


# A visitor's wall is the same for every visitor: served from the public page cache, dropped on
# every write to co-design (make bench ONLY=codesign.idea_wall).
@public_page_cache(query_params=("origine", "etiquette", "statut", "q", "page"))
def idea_wall(request, plan_id):
    plan = plan_by_id(request, plan_id)
    team = request.user.has_perm("codesign.moderate_ideas", plan)
    visible = selectors.visible_ideas(plan, request.user)
    filters = selectors.clean_idea_filters(request.GET, plan=plan, team=team)
    ideas = selectors.for_wall(selectors.apply_idea_filters(visible, filters))
    page = Paginator(ideas, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "codesign/idea_wall.html",
        {
            "project": plan.project,
            "plan": plan,
            "page_obj": page,
            "filters": filters,
            "query_without_page": query.urlencode(),
            "sources": Idea.Source.choices,
            "statuses": Idea.Status.choices,
            "tags": plan.tags.all(),
            "team": team,
            "finding_url": selectors.finding_url,
        },
    )


@login_required
@login_page
def idea_create(request, plan_id):
    plan = plan_by_id(request, plan_id, "codesign.add_idea")
    form = IdeaForm(
        request.POST or None,
        request.FILES or None,
        workshops=Workshop.objects.filter(plan=plan),
        findings=selectors.findings_for(plan, request.user),
        topics=selectors.survey_topics_for(plan),
        initial={"source": request.GET.get("origine", Idea.Source.WORKSHOP), "workshop": request.GET.get("atelier")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        topics, topic_label = form.topic()
        try:
            idea = services.idea_create(
                plan=plan,
                user=request.user,
                title=data["title"],
                body=data["body"],
                source=data["source"],
                workshop=data["workshop"],
                finding=data["finding"],
                survey_topics=topics,
                survey_topic_label=topic_label,
                photo=data["photo"],
                tags=data["tags"],
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("L'idée est ajoutée au mur."))
            if request.POST.get("action") == "another":
                return redirect(request.get_full_path())
            return redirect(idea.get_absolute_url())
    return render(
        request,
        "codesign/idea_form.html",
        {"project": plan.project, "plan": plan, "form": form},
        status=400 if form.errors else 200,
    )


def idea_box(request, token):
    """The residents' idea box: no account; the idea waits for moderation; a receipt code follows it."""
    plan = get_object_or_404(
        CodesignPlan.objects.select_related("territory__organisation", "project"), ideas_token=token
    )
    form = ResidentIdeaForm(request.POST or None)
    if request.method == "POST":
        if replay := already_submitted(parse_submission_key(request)):
            return redirect(replay)
        if form.is_valid():
            try:
                with transaction.atomic():
                    idea = services.idea_submit(
                        plan=plan, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
                    )
                    url = reverse("codesign:receipt") + f"?code={idea.receipt_code}&nouveau=1"
                    record_submission(parse_submission_key(request), url)
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                return redirect(url)
    return render(
        request,
        "codesign/idea_box.html",
        {"plan": plan, "project": plan.project, "form": form},
        status=400 if form.errors else 200,
    )


def receipt(request):
    """What became of a resident's idea (or that their vote was counted), from its receipt code."""
    form = ReceiptForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        idea = services.idea_by_receipt(code)
        if idea is not None:
            kept = idea.merged_into if idea.merged_into_id else idea
            found = {"idea": idea, "kept": kept, "objectives": list(kept.objectives.all()) if kept.is_published else []}
        else:
            from territoires.codesign.plug import vote_receipt
            from territoires.core.receipts import receipt_code_normalise

            normalised = receipt_code_normalise(code)
            vote = vote_receipt(normalised) if normalised else None
            if vote is not None:
                found = {"vote": vote}
        if found is None:
            form.add_error("code", _("Aucune contribution ne porte ce code. Vérifiez-le, sans espaces ni tirets."))
    return render(
        request,
        "codesign/receipt.html",
        {"form": form, "found": found, "new": request.GET.get("nouveau") == "1" and found is not None},
        status=404 if form.errors else 200,
    )


def _idea_or_404(request, pk, permission="codesign.view_idea"):
    idea = get_object_or_404(
        Idea.objects.select_related(
            "plan__territory__organisation", "plan__territory__project", "plan__project", "workshop", "finding",
            "merged_into",
        ),
        pk=pk,
    )  # fmt: skip
    check(request.user, permission, idea)
    return idea


@login_page
def idea_detail(request, pk):
    idea = get_object_or_404(Idea.objects.select_related("merged_into"), pk=pk)
    if idea.merged_into_id is not None and request.user.has_perm("codesign.view_idea", idea.merged_into):
        messages.info(request, _("Cette idée a été fusionnée avec celle-ci, qui en garde la trace."))
        return redirect(idea.merged_into.get_absolute_url())
    idea = _idea_or_404(request, pk)
    user = request.user
    plan = idea.plan
    can_merge = user.has_perm("codesign.merge_idea", idea)
    return render(
        request,
        "codesign/idea_detail.html",
        {
            "project": plan.project,
            "plan": plan,
            "idea": idea,
            "trail": services.merged_trail(idea),
            "comments": idea.comments.select_related("author"),
            "objectives": idea.objectives.all(),
            "comment_form": CommentForm() if user.has_perm("codesign.comment_idea", idea) else None,
            "moderation_form": ModerationForm(initial={"decision": "published"})
            if user.has_perm("codesign.moderate_idea", idea)
            else None,
            "merge_form": MergeForm(ideas=plan.ideas.current().exclude(pk=idea.pk)) if can_merge else None,
            "finding_url": selectors.finding_url(idea.finding) if idea.finding_id else "",
            "sees_finding": idea.finding_id is not None
            and selectors.findings_for(plan, user).filter(pk=idea.finding_id).exists(),
            "team": user.has_perm("codesign.moderate_ideas", plan),
        },
    )


@login_required
@login_page
def idea_photo(request, pk):
    idea = _idea_or_404(request, pk)
    if not idea.photo:
        raise Http404
    # The type comes from the file's first bytes (the upload form checked it is an image), never
    # from the name it was sent with: a photo named "x.html" must not be served as a page.
    try:
        with idea.photo.open("rb") as handle:
            content_type = image_content_type(handle.read(16))
    except FileNotFoundError:
        raise Http404 from None
    if content_type is None:
        raise Http404
    extension = content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
    return stored_file_response(
        idea.photo,
        filename=f"photo-idee-{idea.pk}.{extension}",
        content_type=content_type,
        as_attachment=False,
        headers={
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        },
    )


@login_required
@login_page
@require_POST
def idea_moderate(request, pk):
    idea = _idea_or_404(request, pk, "codesign.moderate_idea")
    form = ModerationForm(request.POST)
    if form.is_valid():
        try:
            services.idea_moderate(idea=idea, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("La décision de modération est enregistrée."))
    else:
        messages.error(request, _("Choisissez une décision."))
    return redirect(idea.get_absolute_url())


@login_required
@login_page
@require_POST
def idea_merge(request, pk):
    idea = _idea_or_404(request, pk, "codesign.merge_idea")
    duplicate_id = request.POST.get("duplicate", "")
    duplicate = (
        Idea.objects.filter(pk=int(duplicate_id)).first() if duplicate_id.isdigit() and len(duplicate_id) < 12 else None
    )
    if duplicate is None:
        messages.error(request, _("Choisissez l'idée en double."))
        return redirect(idea.get_absolute_url())
    try:
        services.idea_merge(kept=idea, duplicate=duplicate, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("« %(title)s » est fusionnée dans cette idée.") % {"title": duplicate.title})
    return redirect(idea.get_absolute_url())


@login_required
@login_page
@require_POST
def idea_comment(request, pk):
    idea = _idea_or_404(request, pk, "codesign.comment_idea")
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.idea_comment(idea=idea, user=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Votre commentaire est publié."))
    else:
        messages.error(request, " ".join(form.errors.get("body", [_("Le commentaire est vide.")])))
    return redirect(idea.get_absolute_url() + "#commentaires")


@login_required
@login_page
@require_POST
def idea_tags(request, pk):
    """The team retags an idea (comma-separated names; new names become tags of the plan)."""
    idea = _idea_or_404(request, pk, "codesign.moderate_idea")
    names = [name.strip() for name in request.POST.get("tags", "")[:300].split(",") if name.strip()][:10]
    services.idea_tags_set(idea=idea, names=names)
    messages.success(request, _("Les étiquettes sont enregistrées."))
    return redirect(idea.get_absolute_url())
