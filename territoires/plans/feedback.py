"""What became of residents' words: the team's list to fill, the public page, and the news a
receipt code gives.

A receipt code belongs to one contribution (core/receipts.py); RECEIPT_NEWS says, per receipt
source, which outcomes speak of that contribution. A survey answer's news are the outcomes of its
survey's questions in its territory's adopted plan. Nothing names another resident.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from territoires.plans.models import ActionPlan, ContributionOutcome
from territoires.plans.origins import ORIGIN_KINDS


@dataclass
class OutcomeRow:
    label: str
    kind_label: str
    key: str
    outcome: ContributionOutcome | None
    action_title: str = ""
    action_url: str = ""
    # Plain copies of the outcome's fields: what the public pages show, and what the cache keeps.
    status: str = ""
    status_label: str = ""
    explanation: str = ""


def _rows(plan, outcomes, targets_by_kind, viewer=None) -> list[OutcomeRow]:
    """`viewer`: whom the list is for; a contribution they may not read (a resident's text kept
    unpublished) is listed by its fate only, never by its words. None: the team, who read them all."""
    rows = []
    for kind_key, targets in targets_by_kind.items():
        kind = ORIGIN_KINDS[kind_key]
        for target in targets:
            outcome = outcomes.get((kind_key, target.pk))
            action = outcome.action if outcome is not None else None
            readable = viewer is None or kind.may_view(viewer, target)
            rows.append(
                OutcomeRow(
                    label=kind.name_of(target) if readable else str(_("Contribution non publiée")),
                    kind_label=str(kind.label),
                    key=f"{kind_key}:{target.pk}",
                    outcome=outcome,
                    action_title=action.title if action else "",
                    action_url=action.get_absolute_url() if action else "",
                    status=outcome.status if outcome else "",
                    status_label=str(outcome.get_status_display()) if outcome else "",
                    explanation=outcome.explanation if outcome else "",
                )
            )
    return rows


def _outcomes(plan):
    return {(o.kind, o.target_id): o for o in plan.outcomes.select_related("action")}


def contributions_with_outcomes(plan: ActionPlan, user) -> list[OutcomeRow]:
    """Every contribution of the plan's project that a resident made, with its fate if said."""
    targets = {key: list(kind.candidates(plan)) for key, kind in ORIGIN_KINDS.items() if kind.is_contribution}
    return _rows(plan, _outcomes(plan), targets)


def public_outcomes(plan: ActionPlan) -> list[OutcomeRow]:
    """The contributions whose fate the team has said, for the public page (read as a visitor)."""
    from django.contrib.auth.models import AnonymousUser

    outcomes = _outcomes(plan)
    by_kind = {}
    for kind_key, target_id in outcomes:
        by_kind.setdefault(kind_key, set()).add(target_id)
    targets = {
        key: list(ORIGIN_KINDS[key].resolve(ids).values()) for key, ids in by_kind.items() if key in ORIGIN_KINDS
    }
    return _rows(plan, outcomes, targets, viewer=AnonymousUser())


def _survey_news(response) -> list[OutcomeRow]:
    """The news of every answer to one survey in one territory are the same: kept in the cache under
    the content version (any write to a plan changes it), so a lookup costs the receipt's one query."""
    from django.core.cache import cache
    from django.utils import translation

    from territoires.core.cache import content_version

    key = (
        f"plans:news:survey:{content_version()}:{translation.get_language()}:"
        f"{response.deployment.participation_id}:{response.survey_id}"
    )
    news = cache.get(key)
    if news is None:
        news = _survey_news_uncached(response)
        for row in news:
            row.outcome = None  # the plain fields are what the page shows
        cache.set(key, news, timeout=3600)
    return news


def _survey_news_uncached(response) -> list[OutcomeRow]:
    plan = (
        ActionPlan.objects.filter(territory_id=response.deployment.participation_id, adopted_version__isnull=False)
        .select_related("adopted_version")
        .first()
    )
    if plan is None:
        return []
    question_ids = set(response.survey.questions.values_list("pk", flat=True))
    outcomes = {key: o for key, o in _outcomes(plan).items() if key[0] == "surveys.question" and key[1] in question_ids}
    targets = ORIGIN_KINDS["surveys.question"].resolve([target_id for _kind, target_id in outcomes])
    return _rows(plan, outcomes, {"surveys.question": list(targets.values())})


def _expression_news(expression) -> list[OutcomeRow]:
    """What became of a resident's own text (its author holds the code: they read their words)."""
    plan = ActionPlan.objects.filter(territory_id=expression.territory_id, adopted_version__isnull=False).first()
    if plan is None:
        return []
    outcomes = {key: o for key, o in _outcomes(plan).items() if key == ("diagnostic.expression", expression.pk)}
    return _rows(plan, outcomes, {"diagnostic.expression": [expression]} if outcomes else {})


def _idea_news(idea) -> list[OutcomeRow]:
    """What became of an idea (its author holds the code); an idea merged into another reads the
    fate of the one it joined."""
    while idea.merged_into_id is not None:
        idea = idea.merged_into
    plan = ActionPlan.objects.filter(territory_id=idea.plan.territory_id, adopted_version__isnull=False).first()
    if plan is None:
        return []
    outcomes = {key: o for key, o in _outcomes(plan).items() if key == ("codesign.idea", idea.pk)}
    return _rows(plan, outcomes, {"codesign.idea": [idea]} if outcomes else {})


def _vote_news(vote) -> list[OutcomeRow]:
    """A workshop vote: the fate of the ballot's options that were ideas of the plan's territory."""
    from territoires.codesign.models import Idea

    ballot = vote.ballot
    plan = ActionPlan.objects.filter(territory_id=ballot.plan.territory_id, adopted_version__isnull=False).first()
    if plan is None:
        return []
    idea_ids = set(Idea.objects.filter(ballot_options__ballot=ballot).values_list("pk", flat=True))
    outcomes = {key: o for key, o in _outcomes(plan).items() if key[0] == "codesign.idea" and key[1] in idea_ids}
    targets = ORIGIN_KINDS["codesign.idea"].resolve([target_id for _kind, target_id in outcomes])
    return _rows(plan, outcomes, {"codesign.idea": list(targets.values())})


def _news_key(source, contribution) -> str:
    """What a receipt's news depend on: for a survey answer, its survey and territory (every answer
    there reads the same news); for any other contribution, the contribution itself."""
    if source.key == "survey":
        return survey_news_key(contribution.deployment.participation_id, contribution.survey_id)
    return f"{source.key}:{contribution.pk}"


# Where the code goes in a receipt page rendered once for every code with the same news: capitals
# and digits, as a normalised code, so the same text stands in the input and in the language link.
RECEIPT_CODE_SLOT = "Q0RECEIPT0SLOT0Q"


def receipt_page_key(found, language: str) -> str:
    """The cache key of the visitor's receipt page for a lookup's result: the same for every unknown
    code and for every code of the same news, so that the page says nothing a code alone does not."""
    return receipt_page_key_for(_news_key(*found) if found else "none", language)


def receipt_page_key_for(news_key: str, language: str) -> str:
    from territoires.core.cache import code_release, content_version

    return f"plans:receipt-page:{code_release()}:{content_version()}:{language}:{news_key}"


def survey_news_key(participation_id: int, survey_id: int) -> str:
    return f"survey:{participation_id}:{survey_id}"


def survey_receipt_page_rendered(code: str, language: str) -> str | None:
    """A visitor's page for a survey answer's (normalised) code when the page of its scope is
    already rendered: one read of two columns, the answer itself not loaded (make bench
    ONLY=plans.receipt); None otherwise."""
    from django.core.cache import cache

    from territoires.surveys.collection import receipt_news_scope

    scope = receipt_news_scope(code)
    content = cache.get(receipt_page_key_for(survey_news_key(*scope), language)) if scope else None
    return content.replace(RECEIPT_CODE_SLOT, code) if content is not None else None


def receipt_page_cacheable(request) -> bool:
    """A visitor without a session asking for the code alone (the page then names no one)."""
    from territoires.core.cache import cacheable_request

    return cacheable_request(request) and set(request.GET) == {"code"}


RECEIPT_NEWS = {
    "survey": _survey_news,
    "expression": _expression_news,
    "codesign_idea": _idea_news,
    "codesign_vote": _vote_news,
}


def receipt_news(found) -> list[OutcomeRow]:
    source, contribution = found
    news = RECEIPT_NEWS.get(source.key)
    return news(contribution) if news else []


# Telling residents who left their address ---------------------------------------------------------

UNSUBSCRIBE_SALT = "plans.feedback.unsubscribe"


def contact_token(contact_request) -> str:
    from django.core import signing

    return signing.dumps(contact_request.pk, salt=UNSUBSCRIBE_SALT, compress=True)


def contact_from_token(token: str):
    from django.core import signing

    from territoires.surveys.models import ContactRequest

    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return ContactRequest.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def feedback_send(*, plan_id: int) -> int:
    """E-mail every resident of the plan's territory who left an address with their survey answers,
    once per plan and address; returns how many were sent now. Safe to run again (a retried task)."""
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives
    from django.db import IntegrityError, transaction
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    from territoires.core.links import absolute, site_url
    from territoires.plans.models import FeedbackDelivery
    from territoires.surveys.models import ContactRequest

    plan = ActionPlan.objects.select_related("territory__organisation", "project").filter(pk=plan_id).first()
    if plan is None or not plan.adopted_version_id or plan.feedback_published_at is None:
        return 0
    feedback_url = absolute(reverse("plans:feedback", args=[plan.project.slug, plan.territory.organisation.slug]))
    pending = ContactRequest.objects.filter(deployment__participation_id=plan.territory_id).exclude(
        feedback_deliveries__plan=plan
    )
    sent = 0
    for contact in pending.iterator():
        unsubscribe_url = absolute(reverse("plans:contact_unsubscribe", args=[contact_token(contact)]))
        context = {
            "plan": plan,
            "town": plan.territory.organisation.name,
            "feedback_url": feedback_url,
            "receipt_url": absolute(reverse("plans:receipt")),
            "unsubscribe_url": unsubscribe_url,
            "site_url": site_url(),
        }
        with translation.override(settings.LANGUAGE_CODE):
            subject = _subject(plan)
            body = render_to_string("plans/email/feedback.txt", context)
            html = render_to_string("plans/email/feedback.html", context)
        try:
            with transaction.atomic():
                # The row first: a second worker on the same address stops here, not after a second e-mail.
                FeedbackDelivery.objects.create(plan=plan, contact_request=contact)
                message = EmailMultiAlternatives(
                    subject=subject,
                    body=body,
                    to=[contact.email],
                    headers={
                        "List-Unsubscribe": f"<{unsubscribe_url}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                        "Auto-Submitted": "auto-generated",
                    },
                )
                message.attach_alternative(html, "text/html")
                message.send()
        except IntegrityError:
            continue
        sent += 1
    return sent


def _subject(plan) -> str:
    from django.utils.translation import gettext

    return gettext("%(town)s : ce que le plan d'action a fait de votre parole") % {
        "town": plan.territory.organisation.name
    }
