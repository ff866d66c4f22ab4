"""A council deliberation as a legal record: its references, who sat, and how they voted.

Shared by every decision that a local authority's assembly takes on the platform: the charter
signature today, the adoption of an action plan tomorrow (`plans` subclasses DeliberationRecord and
calls `deliberation_errors`, so the fields and their checks stay one).

The figures follow the minutes of a municipal council (Code général des collectivités
territoriales):
- members in office ("en exercice") = present + absent;
- an absent member may give a written proxy ("pouvoir") to a present colleague (art. L2121-20);
  each proxy stands for one absent member, so represented ≤ absent; a present member holds one
  proxy (two under the sanitary state of emergency of 2020-2022, law 2020-1379), so represented
  ≤ 2 × present whatever the period;
- the votes of the members present and represented are for, against, abstention or not taking part
  ("ne prend pas part au vote"): they add up to present + represented (the "votants");
- a deliberation is adopted by the absolute majority of the votes cast (for + against; L2121-20);
  on a tie the chair's vote prevails, so a tie may be adopted, fewer votes for than against may not.
Quorum is not checked: a second convocation deliberates without it (L2121-17), and the 2020-2022
rules counted proxies in it.

Deliberations recorded before presence was asked for have blank presence figures: every check runs
only on the figures given.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A PositiveSmallIntegerField on every database: forms bound the counts so PostgreSQL never overflows.
MAX_COUNT = 32767

PRESENCE_FIELDS = ("members_present", "members_represented", "members_absent")
VOTE_FIELDS = ("votes_for", "votes_against", "abstentions", "not_taking_part")
COUNT_FIELDS = ("members_in_office", *PRESENCE_FIELDS, *VOTE_FIELDS)
REFERENCE_FIELDS = ("deliberation_number", "deliberation_date", "deliberative_body")
DELIBERATION_FIELDS = (*REFERENCE_FIELDS, *COUNT_FIELDS)


class DeliberativeBody(models.TextChoices):
    MUNICIPAL_COUNCIL = "municipal_council", _("Conseil municipal")
    COMMUNITY_COUNCIL = "community_council", _("Conseil communautaire")
    DEPARTMENTAL_COUNCIL = "departmental_council", _("Conseil départemental")
    REGIONAL_COUNCIL = "regional_council", _("Conseil régional")
    STANDING_COMMITTEE = "standing_committee", _("Commission permanente")
    BOARD = "board", _("Conseil d'administration")


class DeliberationRecord(models.Model):
    """The deliberation fields; a subclass calls `deliberation_errors` where it records one."""

    DeliberativeBody = DeliberativeBody

    deliberation_number = models.CharField(_("numéro de la délibération"), max_length=60, blank=True)
    deliberation_date = models.DateField(_("date de la délibération"), null=True, blank=True)
    deliberative_body = models.CharField(
        _("instance délibérante"), max_length=30, choices=DeliberativeBody.choices, blank=True
    )
    members_in_office = models.PositiveSmallIntegerField(_("membres en exercice"), null=True, blank=True)
    members_present = models.PositiveSmallIntegerField(_("présents"), null=True, blank=True)
    members_represented = models.PositiveSmallIntegerField(
        _("représentés (pouvoirs)"), null=True, blank=True, help_text=_("Membres absents ayant donné pouvoir.")
    )
    members_absent = models.PositiveSmallIntegerField(
        _("absents"), null=True, blank=True, help_text=_("Tous les absents, qu'ils aient donné pouvoir ou non.")
    )
    votes_for = models.PositiveSmallIntegerField(_("pour"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("contre"), null=True, blank=True)
    abstentions = models.PositiveSmallIntegerField(_("abstentions"), null=True, blank=True)
    not_taking_part = models.PositiveSmallIntegerField(_("ne prenant pas part au vote"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def has_deliberation(self) -> bool:
        return bool(self.deliberation_number)

    @property
    def has_presence(self) -> bool:
        return all(getattr(self, name) is not None for name in PRESENCE_FIELDS)

    @property
    def voters(self) -> int | None:
        """The "votants": members present and represented (read off the votes for older records)."""
        if self.members_present is not None and self.members_represented is not None:
            return self.members_present + self.members_represented
        if self.votes_for is None:
            return None
        return sum(getattr(self, name) or 0 for name in VOTE_FIELDS)

    def deliberation_values(self) -> dict:
        return {name: getattr(self, name) for name in DELIBERATION_FIELDS}

    def clean(self):
        super().clean()
        if self.has_deliberation:
            errors = deliberation_errors(self.deliberation_values(), require_presence=False)
            if errors:
                raise ValidationError(errors)


def deliberation_errors(values: dict, *, require_presence: bool = True) -> dict[str, str]:
    """{field: French message} for each rule the figures break; empty when the record holds.

    `require_presence=False` accepts a record whose presence figures are unknown (recorded before
    they were asked for); the checks between figures apply to those given.
    """

    def get(name):
        value = values.get(name)
        return None if value in (None, "") else value

    errors: dict[str, str] = {}

    def add(field, message):
        errors.setdefault(field, message)

    required = {
        "deliberation_number": gettext("Indiquez le numéro de la délibération."),
        "deliberation_date": gettext("Indiquez la date de la délibération."),
        "deliberative_body": gettext("Indiquez l'instance qui a délibéré."),
        "members_in_office": gettext("Indiquez le nombre de membres en exercice."),
        "votes_for": gettext("Indiquez le nombre de voix pour."),
    }
    if require_presence:
        required.update(
            {
                "members_present": gettext("Indiquez le nombre de membres présents."),
                "members_represented": gettext(
                    "Indiquez le nombre de membres représentés (pouvoirs), 0 s'il n'y en a pas."
                ),
                "members_absent": gettext("Indiquez le nombre de membres absents, 0 s'il n'y en a pas."),
            }
        )
    for field, message in required.items():
        if get(field) is None:
            add(field, message)

    date = get("deliberation_date")
    if date and date > timezone.localdate():
        add("deliberation_date", gettext("La date de la délibération ne peut pas être dans le futur."))

    in_office = get("members_in_office")
    present, represented, absent = (get(name) for name in PRESENCE_FIELDS)
    if in_office is not None and in_office == 0:
        add("members_in_office", gettext("Une assemblée compte au moins un membre en exercice."))
    if in_office is not None and present is not None and absent is not None and present + absent != in_office:
        add(
            "members_absent",
            gettext(
                "Présents et absents doivent faire le nombre de membres en exercice : "
                "%(present)d présents et %(absent)d absents font %(total)d, pour %(in_office)d membres en exercice."
            )
            % {"present": present, "absent": absent, "total": present + absent, "in_office": in_office},
        )
    for name, label in (("members_present", gettext("présents")), ("members_absent", gettext("absents"))):
        value = get(name)
        if in_office is not None and value is not None and value > in_office:
            add(
                name,
                gettext("Il ne peut y avoir plus de %(label)s (%(value)d) que de membres en exercice (%(in_office)d).")
                % {"label": label, "value": value, "in_office": in_office},
            )
    if represented is not None and absent is not None and represented > absent:
        add(
            "members_represented",
            gettext(
                "Chaque pouvoir est donné par un membre absent : %(represented)d représentés pour "
                "%(absent)d absents, c'est impossible."
            )
            % {"represented": represented, "absent": absent},
        )
    if represented is not None and present is not None and represented > 2 * present:
        add(
            "members_represented",
            gettext(
                "Un membre présent détient un pouvoir (deux au plus pendant l'état d'urgence sanitaire) : "
                "%(represented)d pouvoirs pour %(present)d présents, c'est trop."
            )
            % {"represented": represented, "present": present},
        )

    votes_for = get("votes_for")
    if votes_for is not None:
        votes = {name: get(name) or 0 for name in VOTE_FIELDS}
        cast = sum(votes.values())
        figures = {
            "for": votes["votes_for"],
            "against": votes["votes_against"],
            "abstentions": votes["abstentions"],
            "not_taking_part": votes["not_taking_part"],
            "cast": cast,
        }
        if present is not None and represented is not None:
            if cast != present + represented:
                add(
                    "votes_for",
                    gettext(
                        "Les voix ne tombent pas juste : pour (%(for)d), contre (%(against)d), abstentions "
                        "(%(abstentions)d) et ne prenant pas part au vote (%(not_taking_part)d) font %(cast)d, "
                        "or présents et représentés font %(voters)d votants."
                    )
                    % {**figures, "voters": present + represented},
                )
        elif in_office is not None and cast > in_office:
            add(
                "votes_for",
                gettext(
                    "Les voix ne tombent pas juste : pour, contre, abstentions et ne prenant pas part au vote "
                    "font %(cast)d, plus que les %(in_office)d membres en exercice."
                )
                % {**figures, "in_office": in_office},
            )
        if "votes_for" not in errors and votes["votes_for"] < votes["votes_against"]:
            add(
                "votes_for",
                gettext("La délibération n'a pas été adoptée : il y a plus de voix contre (%(against)d) que pour.")
                % figures,
            )
    return errors
