"""Pages of the panels drawn by lot: the team's pages (panel, quotas, pool, draw), the public
volunteer form, and the public record of each draw."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from territoires.codesign.panels import services
from territoires.codesign.panels.flood import flood_count, flood_exceeded
from territoires.codesign.panels.forms import PanelForm, QuotasForm, VolunteerForm, VolunteerImportForm
from territoires.codesign.panels.models import Draw, Panel, Volunteer
from territoires.codesign.panels.quotas import EXPLANATION, FEATURE_LABELS, quota_rows
from territoires.codesign.views.common import check, login_page, plan_by_id
from territoires.core.forms import form_errors_from
from territoires.core.idempotency import parse_submission_key
from territoires.core.receipts import receipt_code_normalise

PAGE_SIZE = 50


def _panel(request, pk, permission="codesign.view_panel") -> Panel:
    panel = get_object_or_404(
        Panel.objects.select_related("plan__territory__organisation", "plan__territory__project", "plan__project"),
        pk=pk,
    )
    if not request.user.has_perm("codesign.view_panel", panel):
        if not request.user.is_authenticated:
            check(request.user, "codesign.view_panel", panel)
        raise Http404
    check(request.user, permission, panel)
    return panel


def _context(panel, request, **extra):
    user = request.user
    return {
        "panel": panel,
        "plan": panel.plan,
        "project": panel.plan.project,
        "can_change": user.has_perm("codesign.change_panel", panel),
        "can_see_volunteers": user.has_perm("codesign.view_volunteers", panel),
        "can_draw": user.has_perm("codesign.draw_panel", panel),
        **extra,
    }


@login_page
def panel_list(request, plan_id):
    plan = plan_by_id(request, plan_id)
    team = request.user.has_perm("codesign.add_panel", plan)
    panels = [p for p in plan.panels.all() if team or p.status != Panel.Status.DRAFT]
    return render(
        request,
        "codesign/panels/panel_list.html",
        {"plan": plan, "project": plan.project, "panels": panels, "can_add": team},
    )


@login_page
def panel_create(request, plan_id):
    plan = plan_by_id(request, plan_id, "codesign.add_panel")
    form = PanelForm(request.POST or None, instance=Panel(plan=plan))
    if request.method == "POST" and form.is_valid():
        try:
            panel = services.panel_save(
                panel=form.save(commit=False), user=request.user,
                neighbourhoods_text=form.cleaned_data["neighbourhoods_text"] or None,
            )  # fmt: skip
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Panel créé ; ses quotas sont tirés des marges du recensement."))
            return redirect(panel)
    return render(
        request,
        "codesign/panels/panel_form.html",
        {"plan": plan, "project": plan.project, "form": form},
        status=400 if form.errors else 200,
    )


@login_page
def panel_edit(request, pk):
    panel = _panel(request, pk, "codesign.change_panel")
    form = PanelForm(request.POST or None, instance=panel)
    if request.method == "POST" and form.is_valid():
        try:
            panel = services.panel_save(
                panel=form.save(commit=False), user=request.user,
                neighbourhoods_text=form.cleaned_data["neighbourhoods_text"],
            )  # fmt: skip
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Panel enregistré."))
            return redirect(panel)
    return render(
        request,
        "codesign/panels/panel_form.html",
        _context(panel, request, form=form),
        status=400 if form.errors else 200,
    )


@login_page
def panel_detail(request, pk):
    panel = _panel(request, pk)
    counts = {}
    for volunteer in (
        Volunteer.objects.filter(panel=panel).in_pool().values("age_band", "sex", "neighbourhood", "non_audience")
    ):
        for feature, value in volunteer.items():
            counts.setdefault(feature, {}).setdefault(value, 0)
            counts[feature][value] += 1
    draws = list(panel.draws.order_by("-requested_at", "-id"))
    return render(
        request,
        "codesign/panels/panel_detail.html",
        _context(
            panel, request,
            rows=quota_rows(panel, counts=counts),
            pool_size=Volunteer.objects.filter(panel=panel).in_pool().count(),
            draws=draws,
            done=any(d.status == Draw.Status.DONE and d.kind == Draw.Kind.PANEL for d in draws),
            running=any(d.status in (Draw.Status.QUEUED, Draw.Status.RUNNING) for d in draws),
            public_url=request.build_absolute_uri(panel.get_public_url()),
        ),
    )  # fmt: skip


@login_page
@require_POST
def panel_status(request, pk):
    panel = _panel(request, pk, "codesign.change_panel")
    try:
        services.panel_set_status(panel=panel, status=request.POST.get("status", ""), user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("État du panel : %(status)s.") % {"status": panel.get_status_display()})
    return redirect(panel)


@login_page
def panel_quotas(request, pk):
    panel = _panel(request, pk, "codesign.change_panel")
    if request.method == "POST" and request.POST.get("action") == "derive":
        services.panel_quotas_derive(panel=panel, user=request.user)
        messages.success(request, _("Quotas recalculés à partir des marges du recensement."))
        return redirect("codesign:panel_quotas", pk=panel.pk)
    form = QuotasForm(request.POST or None, panel=panel)
    if request.method == "POST" and form.is_valid():
        try:
            services.panel_quotas_save(panel=panel, quotas=form.quotas(), user=request.user)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Quotas enregistrés."))
            return redirect(panel)
    return render(
        request,
        "codesign/panels/panel_quotas.html",
        _context(panel, request, form=form, explanation=EXPLANATION),
        status=400 if form.errors else 200,
    )


@login_page
def panel_volunteers(request, pk):
    panel = _panel(request, pk, "codesign.view_volunteers")
    members = {member.pk for member in services.panel_members(panel)}
    page = Paginator(Volunteer.objects.filter(panel=panel).order_by("pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(panel.neighbourhood_choices())  # the list's names, not their codes
    for volunteer in page.object_list:
        volunteer.neighbourhood_label = labels.get(volunteer.neighbourhood, volunteer.neighbourhood)
    return render(
        request,
        "codesign/panels/panel_volunteers.html",
        _context(panel, request, page=page, members=members, member_count=len(members)),
    )


@login_page
def panel_import(request, pk):
    panel = _panel(request, pk, "codesign.import_volunteers")
    form = VolunteerImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_CSV_BYTES:
            form.add_error("file", _("Le fichier dépasse 2 Mo."))
        else:
            try:
                count = services.volunteers_import_csv(panel=panel, data=upload.read(), user=request.user)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("%(n)s volontaires importés.") % {"n": count})
                return redirect("codesign:panel_volunteers", pk=panel.pk)
    return render(
        request,
        "codesign/panels/panel_import.html",
        _context(panel, request, form=form),
        status=400 if form.errors else 200,
    )


@login_page
@require_POST
def volunteer_withdraw(request, pk):
    volunteer = get_object_or_404(Volunteer.objects.select_related("panel"), pk=pk)
    panel = _panel(request, volunteer.panel_id, "codesign.draw_panel")
    try:
        draw = services.volunteer_withdraw(volunteer=volunteer, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if draw is not None:
            messages.success(request, _("Désistement enregistré ; un remplacement est tiré au sort de la même façon."))
        else:
            messages.success(request, _("Désistement enregistré."))
    return redirect("codesign:panel_volunteers", pk=panel.pk)


@login_page
@require_POST
def panel_draw(request, pk):
    panel = _panel(request, pk, "codesign.draw_panel")
    try:
        services.draw_request(panel=panel, user=request.user)
    except ValidationError as error:
        messages.error(request, _("Tirage refusé avant de tirer : %(reasons)s") % {"reasons": " ".join(error.messages)})
    else:
        messages.success(request, _("Tirage lancé ; la page se met à jour quand il est fait."))
    return redirect(panel)


def _record(panel) -> list[Draw]:
    return list(panel.draws.filter(status=Draw.Status.DONE).order_by("requested_at", "id"))


def panel_record(request, pk):
    """The published record: public, never a name."""
    panel = get_object_or_404(Panel.objects.select_related("plan__territory__organisation", "plan__project"), pk=pk)
    if panel.status == Panel.Status.DRAFT:
        raise Http404
    draws = _record(panel)
    entries = [
        {
            "draw": draw,
            "rows": quota_rows(
                panel,
                quotas=draw.quotas,
                counts=draw.pool_counts,
                probabilities=draw.probabilities,
                selected_counts=draw.selected_counts,
            ),
        }  # fmt: skip
        for draw in draws
    ]
    return render(
        request,
        "codesign/panels/panel_record.html",
        {"panel": panel, "plan": panel.plan, "entries": entries, "feature_labels": FEATURE_LABELS},
    )


def draw_record_json(request, pk):
    """One draw's record as data, enough to replay it with the package: the pool as categories in
    the order drawn (no id, no name), the quotas, the algorithm, the seed, and the positions drawn."""
    draw = get_object_or_404(Draw.objects.select_related("panel"), pk=pk, status=Draw.Status.DONE)
    if draw.panel.status == Panel.Status.DRAFT:
        raise Http404
    positions = {row[0]: index for index, row in enumerate(draw.pool)}
    data = {
        "panel": draw.panel.title,
        "kind": draw.kind,
        "algorithm": draw.algorithm,
        "seed": draw.seed,
        "seats": draw.seats,
        "quotas": draw.quotas,
        "features": ["age_band", "sex", "neighbourhood", "non_audience"],
        "pool": [row[1:] for row in draw.pool],
        "selected_positions": sorted(positions[pk] for pk in draw.selected if pk in positions),
        "pool_counts": draw.pool_counts,
        "selected_counts": draw.selected_counts,
        "probabilities": draw.probabilities,
        "probabilities_exact": draw.probabilities_exact,
        "package": "sortition-algorithms",
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="tirage-{draw.pk}.json"'
    return response


@never_cache
def panel_volunteer(request, token):
    """The public form: no account."""
    panel = get_object_or_404(
        Panel.objects.select_related("plan__territory__organisation", "plan__project"), public_token=token
    )
    if panel.status == Panel.Status.DRAFT:
        raise Http404
    form = VolunteerForm(request.POST or None, panel=panel)
    status = 200
    flood = False
    if request.method == "POST":
        key = parse_submission_key(request)
        existing = Volunteer.objects.filter(submission_key=str(key)).first() if key else None
        if existing is not None and existing.panel_id == panel.pk:
            return redirect(reverse("codesign:panel_thanks", args=[token]) + f"?code={existing.receipt_code}")
        if not panel.is_recruiting:
            form.add_error(None, _("L'appel à volontaires de ce panel est clos."))
        elif flood_exceeded(request):
            flood, status = True, 429
        elif form.is_valid():
            try:
                volunteer, created = services.volunteer_submit(panel=panel, data=form.cleaned_data, submission_key=key)
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                if created:
                    flood_count(request)
                return redirect(reverse("codesign:panel_thanks", args=[token]) + f"?code={volunteer.receipt_code}")
        if form.errors and status == 200:
            status = 400
    return render(
        request, "codesign/panels/volunteer_form.html", {"panel": panel, "form": form, "flood": flood}, status=status
    )


def panel_thanks(request, token):
    panel = get_object_or_404(Panel.objects.select_related("plan__territory__organisation"), public_token=token)
    if panel.status == Panel.Status.DRAFT:
        raise Http404
    typed = bool((request.GET.get("code") or "").strip())  # a malformed code is a code typed too
    code = receipt_code_normalise(request.GET.get("code"))
    volunteer = Volunteer.objects.filter(panel=panel, receipt_code=code).first() if code else None
    state = None
    if volunteer is not None:
        if volunteer.withdrawn_at:
            state = "withdrawn"
        elif volunteer.pk in {m.pk for m in services.panel_members(panel)}:
            state = "member"
        elif panel.status == Panel.Status.DRAWN:
            state = "not_drawn"
        else:
            state = "pool"
    return render(
        request,
        "codesign/panels/volunteer_thanks.html",
        {"panel": panel, "code": volunteer.receipt_code if volunteer else "", "state": state, "typed": typed},
        status=200 if volunteer or not typed else 404,
    )
