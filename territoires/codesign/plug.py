"""What co-design shows outside its own pages: a block on the territory page, links behind the
"Co-construction" steps of the territory's timeline, and the receipt-code lookups. Registered once
in apps.register_project_module."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from territoires.codesign.models import Ballot, BallotVote, CodesignPlan, Idea
from territoires.core.registry import StepLink


def _plan_of(participation):
    if not participation.is_participant:
        return None
    return (
        CodesignPlan.objects.filter(territory=participation)
        .prefetch_related("families", "milestones")
        .annotate(
            workshop_count=Count("workshops", filter=~Q(workshops__status="draft"), distinct=True),
            idea_count=Count(
                "ideas", filter=Q(ideas__status="published", ideas__merged_into__isnull=True), distinct=True
            ),
            objective_count=Count("objectives", distinct=True),
        )
        .first()
    )


def territory_section(participation, user) -> dict | None:
    if not participation.is_participant:
        return None
    plan = _plan_of(participation)
    url = reverse("codesign:plan_detail", args=[participation.project.slug, participation.organisation.slug])
    return {"plan": plan, "url": url, "can_change": user.has_perm("codesign.change_plan", plan) if plan else False}


def step_contents(participation, user) -> dict[str, list[StepLink]]:
    """Links behind the co-design steps of the reference method (codes of projects/phases.py)."""
    plan = _plan_of(participation)
    if plan is None:
        return {}
    base = plan.get_absolute_url()
    links: dict[str, list[StepLink]] = {}
    if plan.methods or plan.families.all():
        links["method_choice"] = [
            StepLink(
                _("Plan de co-construction : %(methods)s")
                % {"methods": ", ".join(plan.method_labels()) or _("familles d'acteurs choisies")},
                base,
            )
        ]
    divergence = []
    if plan.workshop_count:
        divergence.append(
            StepLink(
                ngettext("%(n)d atelier", "%(n)d ateliers", plan.workshop_count) % {"n": plan.workshop_count},
                base + "#ateliers",
            )
        )
    if plan.idea_count:
        divergence.append(
            StepLink(
                ngettext("%(n)d idée", "%(n)d idées", plan.idea_count) % {"n": plan.idea_count},
                reverse("codesign:idea_wall", args=[plan.pk]),
            )
        )
    if divergence:
        links["divergence"] = divergence
    if plan.objective_count:
        links["objectives"] = [
            StepLink(
                ngettext("%(n)d objectif et ses critères", "%(n)d objectifs et leurs critères", plan.objective_count)
                % {"n": plan.objective_count},
                base + "#objectifs",
            )
        ]
    ballots = list(Ballot.objects.filter(plan=plan).exclude(status=Ballot.Status.DRAFT))
    if ballots:
        links["convergence"] = [
            StepLink(_("Scrutin : %(title)s") % {"title": ballot.title}, ballot.get_absolute_url())
            for ballot in ballots[:3]
        ]
    return links


def idea_receipt(code: str):
    return Idea.objects.select_related("plan__territory__organisation").filter(receipt_code=code).first()


def vote_receipt(code: str):
    return BallotVote.objects.select_related("ballot").filter(receipt_code=code).first()
