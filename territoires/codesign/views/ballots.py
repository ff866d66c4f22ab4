"""Convergence: ballots, online votes (an account votes once), the kiosk of a workshop (one-time
codes on a shared tablet), results in each method's own presentation."""

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.codesign import services
from territoires.codesign.forms import BallotForm, VoterCodeForm, VoterCodesForm
from territoires.codesign.models import Ballot, BallotVote, Idea, VoterCode, Workshop
from territoires.codesign.views.common import check, login_page, plan_by_id
from territoires.core.forms import form_errors_from
from territoires.core.process_caches import register_process_cache
from territoires.core.receipts import receipt_code_normalise


def _rows(options, submitted) -> list[tuple]:
    """(option, the value sent for it) so that a refused ballot comes back as the voter filled it."""
    return [(option, str(submitted.get(f"option-{option.pk}", ""))) for option in options]


def _ballot_or_404(request, pk, permission="codesign.view_ballot"):
    ballot = get_object_or_404(
        Ballot.objects.select_related("plan__territory__organisation", "plan__territory__project", "plan__project"),
        pk=pk,
    )
    check(request.user, permission, ballot)
    return ballot


@login_required
@login_page
def ballot_create(request, plan_id):
    plan = plan_by_id(request, plan_id, "codesign.add_ballot")
    ideas = Idea.objects.filter(plan=plan).published()
    form = BallotForm(
        request.POST or None,
        ideas=ideas,
        workshops=Workshop.objects.filter(plan=plan),
        initial={"method": "majority_judgment"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ballot = services.ballot_create(
                plan=plan,
                user=request.user,
                title=data["title"],
                description=data["description"],
                method=data["method"],
                points=data["points"] or 5,
                workshop=data["workshop"],
                options=form.options(),
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Le scrutin est prêt : relisez-le puis ouvrez-le au vote."))
            return redirect(ballot.get_absolute_url())
    return render(
        request,
        "codesign/ballot_form.html",
        {"project": plan.project, "plan": plan, "form": form},
        status=400 if form.errors else 200,
    )


def _voter_has_voted(ballot, user) -> bool:
    if not user.is_authenticated:
        return False
    return BallotVote.objects.filter(
        ballot=ballot, voter_key=services.voter_key_for_user(ballot=ballot, user=user)
    ).exists()


@login_page
def ballot_detail(request, pk):
    ballot = _ballot_or_404(request, pk)
    user = request.user
    options = list(ballot.options.select_related("idea"))
    can_vote = user.has_perm("codesign.vote_online", ballot)
    has_voted = _voter_has_voted(ballot, user)
    error = ""
    submitted = {}
    status = 200
    if request.method == "POST":
        if not can_vote:
            check(user, "codesign.vote_online", ballot)
        submitted = request.POST
        try:
            vote = services.vote_cast(ballot=ballot, data=request.POST, user=user, options=options)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
            status = 400
        else:
            messages.success(
                request,
                _("Votre vote est enregistré. Code de suivi : %(code)s (il prouve que votre bulletin est compté).")
                % {"code": vote.receipt_code},
            )
            return redirect(ballot.get_absolute_url())
    can_manage = user.has_perm("codesign.manage_ballot", ballot)
    result = services.ballot_result(ballot) if user.has_perm("codesign.view_results", ballot) else None
    plan = ballot.plan
    return render(
        request,
        "codesign/ballot_detail.html",
        {
            "project": plan.project,
            "plan": plan,
            "ballot": ballot,
            "options": options,
            "method": ballot.voting,
            "can_vote": can_vote and not has_voted,
            "has_voted": has_voted,
            "error": error,
            "rows": _rows(options, submitted),
            "result": result,
            "can_manage": can_manage,
            "vote_count": ballot.votes.count(),
            "codes_unused": ballot.voter_codes.filter(used_at__isnull=True).count() if can_manage else 0,
            "codes_used": ballot.voter_codes.filter(used_at__isnull=False).count() if can_manage else 0,
            "codes_form": VoterCodesForm() if can_manage and ballot.status != Ballot.Status.CLOSED else None,
            "kiosk_url": request.build_absolute_uri(reverse("codesign:kiosk", args=[ballot.kiosk_token]))
            if can_manage
            else "",
        },
        status=status,
    )


@login_required
@login_page
@require_POST
def ballot_state(request, pk):
    ballot = _ballot_or_404(request, pk, "codesign.manage_ballot")
    action = request.POST.get("action")
    try:
        if action == "open":
            services.ballot_open(ballot=ballot, user=request.user)
            messages.success(request, _("Le scrutin est ouvert au vote."))
        elif action == "close":
            services.ballot_close(ballot=ballot, user=request.user)
            messages.success(request, _("Le scrutin est clos : les résultats sont publiés."))
        else:
            messages.error(request, _("Action inconnue."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(ballot.get_absolute_url())


@login_required
@login_page
def ballot_codes(request, pk):
    """Issue one-time codes (POST), or print the unused ones (GET: a page to print and cut)."""
    ballot = _ballot_or_404(request, pk, "codesign.manage_ballot")
    if request.method == "POST":
        form = VoterCodesForm(request.POST)
        if form.is_valid():
            try:
                services.voter_codes_issue(ballot=ballot, user=request.user, count=form.cleaned_data["count"])
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("%(count)d codes de vote sont prêts à imprimer.") % form.cleaned_data)
                return redirect("codesign:ballot_codes", ballot.pk)
        else:
            messages.error(request, " ".join(form.errors.get("count", [])))
        return redirect(ballot.get_absolute_url())
    return render(
        request,
        "codesign/ballot_codes.html",
        {
            "project": ballot.plan.project,
            "plan": ballot.plan,
            "ballot": ballot,
            "codes": ballot.voter_codes.filter(used_at__isnull=True),
        },
    )


KIOSK_MEMO_SECONDS = 10
_kiosk_memo: dict[str, tuple] = register_process_cache(
    {},
    name="codesign.kiosk_memo",
    bench="codesign.vote",
    reason="a ballot and its options per kiosk link, remembered KIOSK_MEMO_SECONDS for votes (two queries less a vote)",
)


def _remembered(memo: dict, key, build):
    """What `build()` gave for `key` in this process within the last KIOSK_MEMO_SECONDS."""
    now = time.monotonic()
    entry = memo.get(key)
    if entry is not None and entry[1] > now:
        return entry[0]
    value = build()
    if len(memo) > 1000:
        memo.clear()
    memo[key] = (value, now + KIOSK_MEMO_SECONDS)
    return value


def _kiosk_ballot(token: str, *, for_vote: bool) -> tuple[Ballot, list]:
    """The ballot of a kiosk link and its options. A vote may use a copy read up to
    KIOSK_MEMO_SECONDS ago by this process: the vote's own UPDATE checks in the database that the
    ballot is still open, so a ballot closed meanwhile refuses the vote all the same."""

    def load():
        ballot = get_object_or_404(Ballot.objects.select_related("plan__territory__organisation"), kiosk_token=token)
        return ballot, list(ballot.options.all())

    return _remembered(_kiosk_memo, token, load) if for_vote else load()


def kiosk(request, token):
    """The shared tablet of a workshop: type a one-time code, vote, hand the tablet to the next
    person. No account; the code is spent with the vote, in one transaction."""
    for_vote = request.method == "POST" and request.POST.get("stage") == "vote"
    ballot, options = _kiosk_ballot(token, for_vote=for_vote)
    if ballot.status == Ballot.Status.DRAFT:
        raise Http404
    context = {"ballot": ballot, "plan": ballot.plan, "method": ballot.voting, "rows": _rows(options, {})}
    if ballot.status == Ballot.Status.CLOSED:
        return render(request, "codesign/kiosk.html", {**context, "stage": "closed"})
    if request.method != "POST":
        return render(request, "codesign/kiosk.html", {**context, "stage": "code", "form": VoterCodeForm()})
    code = receipt_code_normalise(request.POST.get("code", "")) or ""
    if request.POST.get("stage") == "code":
        form = VoterCodeForm(request.POST)
        voter_code = VoterCode.objects.filter(ballot=ballot, code=code).first() if code else None
        if form.is_valid() and voter_code is not None and voter_code.used_at is None:
            return render(request, "codesign/kiosk.html", {**context, "stage": "vote", "code": code})
        if form.is_valid():
            form.add_error(
                "code",
                _("Ce code a déjà servi : chaque code ne permet qu'un vote.")
                if voter_code is not None
                else _("Ce code de vote n'est pas valable pour ce scrutin. Vérifiez-le sur votre feuille."),
            )
        return render(request, "codesign/kiosk.html", {**context, "stage": "code", "form": form}, status=400)
    try:
        vote = services.vote_cast(ballot=ballot, data=request.POST, code=code, options=options)
    except ValidationError as refusal:
        _kiosk_memo.pop(token, None)  # the next request reads the ballot afresh (closed, perhaps)
        spent_or_unknown = not VoterCode.objects.filter(ballot=ballot, code=code, used_at__isnull=True).exists()
        if spent_or_unknown:
            form = VoterCodeForm(initial={})
            form.is_bound = False
            return render(
                request,
                "codesign/kiosk.html",
                {**context, "stage": "code", "form": form, "error": " ".join(refusal.messages)},
                status=400,
            )
        return render(
            request,
            "codesign/kiosk.html",
            {
                **context,
                "stage": "vote",
                "code": code,
                "error": " ".join(refusal.messages),
                "rows": _rows(options, request.POST),
            },
            status=400,
        )
    return HttpResponse(_done_page(request, token, context).replace(RECEIPT_SLOT, vote.receipt_code))


# Where the vote's receipt code goes in the thank-you page, rendered once per kiosk and language.
RECEIPT_SLOT = "Q0VOTE0RECEIPT0Q"
_done_pages: dict[tuple, tuple] = register_process_cache(
    {},
    name="codesign.kiosk_done_pages",
    bench="codesign.vote",
    reason="the kiosk's thank-you page per link and language, KIOSK_MEMO_SECONDS (a template less a vote)",
)


def _done_page(request, token: str, context: dict) -> str:
    """The thank-you page after a vote, the same for every voter at a kiosk but for the receipt code:
    rendered with a slot once per KIOSK_MEMO_SECONDS and served with the code put in. It holds no
    form and no token, nothing of one voter."""

    def render_page():
        page = {**context, "stage": "done", "vote": {"receipt_code": RECEIPT_SLOT}}
        return render(request, "codesign/kiosk.html", page).content.decode()

    return _remembered(_done_pages, (token, request.LANGUAGE_CODE), render_page)
