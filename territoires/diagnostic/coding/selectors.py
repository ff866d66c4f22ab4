"""Reads of the coding: the excerpts one reader may see, and how each is shown to them."""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

from territoires.diagnostic.coding.models import Coding
from territoires.diagnostic.coding.rules import reads_full_quotes, reads_unpublished_expressions
from territoires.diagnostic.interviews.models import InterviewParticipant
from territoires.diagnostic.interviews.pseudonyms import quote_pseudonymise


def project_territories(project) -> list:
    """The project's participating territories, each sharing the project object (rules read it)."""
    territories = [p for p in project.participations.all() if p.is_participant]
    for territory in territories:
        territory.project = project
    return territories


def visible_codings(user, project):
    """The codings whose words this reader may see (through the pseudonymisation list where they
    are outside the circle): every transcript's (the project's staff compare territories), the
    published residents' texts', and the other kept texts of the territories whose team they are."""
    team = [t.pk for t in project_territories(project) if reads_unpublished_expressions(user, t)]
    return Coding.objects.filter(project=project).filter(
        Q(transcript__isnull=False)
        | Q(expression__status="published", expression__consent_to_publish=True)
        | Q(expression__isnull=False, territory_id__in=team)
    )


@dataclass(frozen=True)
class Excerpt:
    coding: Coding
    quote: str
    territory_name: str
    source_label: str
    url: str  # the coding screen, only for a reader who may open it; else ""
    pseudonymised: bool
    profile_label: str = ""


def excerpts_present(user, codings, territories) -> list[Excerpt]:
    """The page's codings as this reader reads them. `territories`: {id: Participation} sharing the
    project (their pseudonymisation lists are read once per territory)."""
    full = {pk: reads_full_quotes(user, territory) for pk, territory in territories.items()}
    profiles = dict(InterviewParticipant.Profile.choices)
    rows = []
    for coding in codings:
        territory = territories[coding.territory_id]
        if full[coding.territory_id]:
            quote, url = coding.quote, _source_url(coding)
        else:
            quote, url = quote_pseudonymise(coding.quote, territory), ""
            if coding.expression_id and coding.expression.status == "published":
                url = reverse("expression:detail", args=[coding.expression_id])
        rows.append(
            Excerpt(
                coding=coding,
                quote=quote,
                territory_name=territory.organisation.name,
                source_label=_source_label(coding)
                if full[coding.territory_id]
                else quote_pseudonymise(_source_label(coding), territory),
                url=url,
                pseudonymised=not full[coding.territory_id],
                profile_label=str(profiles.get(coding.profile, coding.profile)),
            )
        )
    return rows


def _source_url(coding) -> str:
    if coding.transcript_id:
        return reverse("coding:transcript", args=[coding.transcript_id]) + f"#codage-{coding.pk}"
    return reverse("coding:expression", args=[coding.expression_id]) + f"#codage-{coding.pk}"


def _source_label(coding) -> str:
    from django.utils.translation import gettext as _

    if coding.transcript_id:
        return coding.transcript.interview.title
    return _("Texte d'habitant n° %(id)s") % {"id": coding.expression_id}
