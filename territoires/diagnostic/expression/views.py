"""Pages of the residents' expression: the public page, its thanks with the receipt code, the
receipt page, the public gallery; and for the territory's team the moderation queue and the
question. Thin: each checks its rule (rules.py), then reads or calls a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from territoires.core.forms import form_errors_from
from territoires.core.idempotency import parse_submission_key
from territoires.diagnostic.expression import services
from territoires.diagnostic.expression.flood import flood_count, flood_exceeded
from territoires.diagnostic.expression.forms import ExpressionForm, ModerationForm, PromptForm
from territoires.diagnostic.expression.models import Expression, ExpressionPrompt
from territoires.projects.models import Participation
from territoires.projects.views.common import get_participation_or_404, get_project_or_404, require

PER_PAGE = 20


def _prompt_or_404(slug, territory_slug) -> ExpressionPrompt:
    prompt = (
        ExpressionPrompt.objects.select_related("territory__organisation", "territory__project", "project")
        .filter(project__slug=slug, territory__organisation__slug=territory_slug, territory__role="participant")
        .first()
    )
    if prompt is None:
        raise Http404
    return prompt


@never_cache
def write(request, slug, territory_slug):
    """The public page: no account. A closed call answers with its gallery's address, a 404 for an
    unknown one."""
    prompt = _prompt_or_404(slug, territory_slug)
    if not prompt.is_open:
        return render(request, "diagnostic/expression/closed.html", {"prompt": prompt}, status=410)
    form = ExpressionForm(request.POST or None, prompt=prompt)
    if request.method == "POST":
        key = parse_submission_key(request)
        if key is not None and (existing := Expression.objects.filter(submission_key=key).first()) is not None:
            return _thanks(request, existing)
        if flood_exceeded(request):
            return render(
                request,
                "diagnostic/expression/write.html",
                {"prompt": prompt, "form": form, "flood": True},
                status=429,
            )
        if form.is_valid():
            try:
                expression, created = services.expression_submit(
                    prompt=prompt,
                    text=form.cleaned_data["text"],
                    neighbourhood=form.cleaned_data.get("neighbourhood", ""),
                    age_band=form.cleaned_data.get("age_band", ""),
                    consent_to_publish=form.cleaned_data.get("consent_to_publish", False),
                    submission_key=key,
                )
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                if created:
                    flood_count(request)
                return _thanks(request, expression)
    return render(
        request,
        "diagnostic/expression/write.html",
        {"prompt": prompt, "form": form},
        status=400 if form.errors else 200,
    )


def _thanks(request, expression):
    # Shown in answer to the POST, not on a page whose address carries the code: a resend of the
    # same form (same key) shows the same code again, and no history or log keeps it.
    return render(
        request,
        "diagnostic/expression/thanks.html",
        {"expression": expression, "prompt": expression.prompt},
    )


@never_cache
def receipt(request, code=None):
    """What became of a text, from its receipt code: its moderation, and the published findings
    of the diagnostic that cite it."""
    from territoires.diagnostic.synthesis.models import Finding

    typed = code or request.GET.get("code", "")
    expression = services.receipt_lookup(typed) if typed else None
    if expression is None and typed and flood_exceeded(request):
        # Guessing codes: the flood guard's allowance is shared with the submissions.
        return render(request, "diagnostic/expression/receipt.html", {"typed": typed[:20], "flood": True}, status=429)
    if expression is None and typed:
        flood_count(request)
    if expression is not None and code is None:
        return redirect("expression:receipt_code", code=expression.receipt_code)
    findings = []
    if expression is not None:
        findings = list(
            Finding.objects.published()
            .filter(evidence__kind="expression", evidence__reference__expression=expression.pk)
            .select_related("territory__organisation")
            .distinct()
        )
    return render(
        request,
        "diagnostic/expression/receipt.html",
        {
            "typed": typed[:20],
            "expression": expression,
            "findings": findings,
            "not_found": bool(typed) and not expression,
        },
        status=404 if typed and expression is None else 200,
    )


def gallery(request, slug, territory_slug):
    prompt = _prompt_or_404(slug, territory_slug)
    if not request.user.has_perm("diagnostic.read_expression_gallery", prompt):
        raise Http404
    texts = Expression.objects.published().filter(prompt=prompt).order_by("-submitted_at", "-pk")
    neighbourhood = request.GET.get("quartier", "").strip()[:120]
    if neighbourhood:
        texts = texts.filter(neighbourhood=neighbourhood)
    page = Paginator(texts, PER_PAGE).get_page(request.GET.get("page"))
    neighbourhoods = (
        Expression.objects.published().filter(prompt=prompt).exclude(neighbourhood="")
        .values_list("neighbourhood", flat=True).distinct().order_by("neighbourhood")
    )  # fmt: skip
    return render(
        request,
        "diagnostic/expression/gallery.html",
        {
            "prompt": prompt,
            "project": prompt.project,
            "territory": prompt.territory,
            "page_obj": page,
            "total": page.paginator.count,
            "neighbourhood": neighbourhood,
            "neighbourhoods": list(neighbourhoods),
            "query_without_page": f"quartier={neighbourhood}" if neighbourhood else "",
            "can_moderate": request.user.has_perm("diagnostic.moderate_expressions", prompt.territory),
        },
    )


def detail(request, pk):
    expression = get_object_or_404(
        Expression.objects.select_related("territory__organisation", "territory__project", "project", "prompt"), pk=pk
    )
    if not request.user.has_perm("diagnostic.view_expression", expression):
        # An unpublished text is not confirmed to exist.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404
    can_moderate = request.user.has_perm("diagnostic.moderate_expressions", expression.territory)
    return render(
        request,
        "diagnostic/expression/detail.html",
        {
            "expression": expression,
            "project": expression.project,
            "territory": expression.territory,
            "can_moderate": can_moderate,
            # Coded with the project's codebook once moderated and kept (diagnostic/coding).
            "can_code": request.user.has_perm("diagnostic.code_expression", expression),
            "form": ModerationForm(initial={"status": expression.status, "reason": expression.reason})
            if can_moderate
            else None,
        },
    )


def _territory(request, slug, territory_slug) -> Participation:
    project = get_project_or_404(slug, request.user, with_progress=False)
    territory = get_participation_or_404(project, territory_slug)
    territory.project = project
    return territory


QUEUE_FILTERS = ("pending", "published", "kept", "rejected")


@login_required
def queue(request, slug, territory_slug):
    territory = _territory(request, slug, territory_slug)
    require(request.user, "diagnostic.moderate_expressions", territory)
    status = request.GET.get("statut", "pending")
    if status not in QUEUE_FILTERS:
        status = "pending"
    texts = Expression.objects.filter(territory=territory, status=status).order_by("submitted_at", "pk")
    page = Paginator(texts, PER_PAGE).get_page(request.GET.get("page"))
    counts = dict.fromkeys(QUEUE_FILTERS, 0)
    for row in Expression.objects.filter(territory=territory).values_list("status", flat=True):
        counts[row] = counts.get(row, 0) + 1
    prompt = ExpressionPrompt.objects.filter(territory=territory).first()
    return render(
        request,
        "diagnostic/expression/queue.html",
        {
            "project": territory.project,
            "territory": territory,
            "prompt": prompt,
            "page_obj": page,
            "status": status,
            "tabs": [(value, label, counts[value]) for value, label in Expression.Status.choices],
            "query_without_page": f"statut={status}",
            "can_set_prompt": request.user.has_perm("diagnostic.set_expression_prompt", territory),
            "form": ModerationForm(),
        },
    )


@login_required
@require_POST
def moderate(request, pk):
    expression = get_object_or_404(
        Expression.objects.select_related("territory__project", "territory__organisation"), pk=pk
    )
    if not request.user.has_perm("diagnostic.moderate_expressions", expression.territory):
        raise Http404 if not request.user.has_perm("diagnostic.view_expression", expression) else PermissionDenied
    form = ModerationForm(request.POST)
    if form.is_valid():
        try:
            services.expression_moderate(
                expression=expression,
                user=request.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Décision enregistrée : %(status)s.") % {
                "status": dict(Expression.Status.choices)[form.cleaned_data["status"]]})  # fmt: skip
    else:
        messages.error(request, _("Choisissez une décision : rien n'a changé."))
    back = request.POST.get("next", "")
    if back == "queue":
        territory = expression.territory
        return redirect(reverse("expression:queue", args=[territory.project.slug, territory.organisation.slug]))
    return redirect(expression)


@login_required
def prompt_edit(request, slug, territory_slug):
    territory = _territory(request, slug, territory_slug)
    require(request.user, "diagnostic.set_expression_prompt", territory)
    prompt = ExpressionPrompt.objects.filter(territory=territory).first()
    initial = {}
    if prompt is not None:
        initial = {
            "question": prompt.question,
            "introduction": prompt.introduction,
            "neighbourhoods": prompt.neighbourhoods,
            "is_open": prompt.is_open,
        }
    form = PromptForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.prompt_set(territory=territory, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Appel à expression enregistré."))
            return redirect("expression:queue", territory.project.slug, territory.organisation.slug)
    return render(
        request,
        "diagnostic/expression/prompt_form.html",
        {"form": form, "project": territory.project, "territory": territory, "prompt": prompt},
        status=400 if form.errors else 200,
    )
