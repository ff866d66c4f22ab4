"""Writes of the co-design module: keyword-only, atomic, audited where a person of the project acts.

Permissions are checked by the views (rules.py) before calling; the services check the business
rules (dates, seats, one registration per address, one vote per person, moderation, merges) and
raise ValidationError with a French message that the views show; nothing is written then.
"""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoires.codesign.models import (
    Ballot,
    BallotOption,
    BallotVote,
    CodesignPlan,
    Idea,
    IdeaComment,
    IdeaTag,
    Method,
    Milestone,
    Objective,
    SuccessCriterion,
    VoterCode,
    Workshop,
    WorkshopRegistration,
)
from territoires.codesign.voting import METHODS
from territoires.core import seats
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.core.receipts import new_receipt_code, receipt_code_normalise

Action = AuditEvent.Action
MAX_CAPACITY = 1000
MAX_OPTIONS = 40
MAX_CODES = 500
LATEST_YEAR = 2100


# Plan ---------------------------------------------------------------------------------------------


def _step_reached(*, plan: CodesignPlan, step: str, user, note: str) -> None:
    """Mark the territory's step done when co-design reached it (the steps the method says this
    module fills: "objectives", "convergence"). Left to people when the method has no such step or
    its earlier steps are still to do: the timeline's order is the referent's to keep."""
    from territoires.projects.services import step_complete

    try:
        with transaction.atomic():
            step_complete(participation=plan.territory, step=step, user=user, note=note)
    except ValidationError:
        pass


def plan_for(*, territory) -> CodesignPlan:
    """The territory's plan, created empty on first use."""
    if not territory.is_participant:
        raise ValidationError(_("Seul un territoire participant au projet a un plan de co-construction."))
    plan, _created = CodesignPlan.objects.get_or_create(
        territory=territory, defaults={"project_id": territory.project_id}
    )
    return plan


@transaction.atomic
def plan_update(
    *, plan: CodesignPlan, user, summary: str, families, methods: list[str], ideas_open: bool
) -> CodesignPlan:
    unknown = [code for code in methods if code not in Method.values]
    if unknown:
        raise ValidationError({"methods": _("Méthode inconnue : %(codes)s.") % {"codes": ", ".join(unknown)}})
    foreign = [family for family in families if family.project_id != plan.project_id]
    if foreign:
        raise ValidationError({"families": _("Choisissez des familles d'acteurs de l'annuaire de ce projet.")})
    plan.summary = summary.strip()
    plan.methods = list(dict.fromkeys(methods))
    plan.ideas_open = ideas_open
    plan.save()
    plan.families.set(families)
    audit_log(actor=user, action=Action.CODESIGN_PLAN_CHANGED, target=plan, project_id=plan.project_id)
    return plan


@transaction.atomic
def milestone_add(*, plan: CodesignPlan, user, date: datetime.date, label: str, step: str = "") -> Milestone:
    label = label.strip()
    if not label:
        raise ValidationError({"label": _("Donnez un intitulé à l'échéance.")})
    if not 2000 <= date.year <= LATEST_YEAR:
        raise ValidationError({"date": _("Choisissez une date entre 2000 et %(year)d.") % {"year": LATEST_YEAR}})
    method = getattr(plan.territory, "method", None)
    if step and method is not None and step not in method.step_codes():
        raise ValidationError({"step": _("Cette étape n'existe pas dans la méthode du projet.")})
    milestone = Milestone.objects.create(plan=plan, date=date, label=label, step=step)
    audit_log(
        actor=user, action=Action.CODESIGN_PLAN_CHANGED, target=plan, project_id=plan.project_id, milestone_added=label
    )
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, user) -> None:
    plan = milestone.plan
    audit_log(
        actor=user,
        action=Action.CODESIGN_PLAN_CHANGED,
        target=plan,
        project_id=plan.project_id,
        milestone_removed=milestone.label,
    )
    milestone.delete()


# Workshops ----------------------------------------------------------------------------------------


def _moved(before, after) -> bool:
    if before is None or after is None:
        return before is not after
    return abs((after - before).total_seconds()) >= 60


def _check_workshop(workshop: Workshop, *, previous: Workshop | None) -> None:
    errors = {}
    now = timezone.now()
    if workshop.starts_at:
        if (previous is None or _moved(previous.starts_at, workshop.starts_at)) and workshop.starts_at < now:
            errors["starts_at"] = _("La date de début est passée : choisissez une date à venir.")
        elif workshop.starts_at.year > LATEST_YEAR:
            errors["starts_at"] = _("Choisissez une date avant %(year)d.") % {"year": LATEST_YEAR}
        if workshop.ends_at and workshop.ends_at < workshop.starts_at:
            errors["ends_at"] = _("La fin doit suivre le début.")
        elif workshop.ends_at and workshop.ends_at - workshop.starts_at > datetime.timedelta(days=3):
            errors["ends_at"] = _("Un atelier dure au plus trois jours.")
        if workshop.registration_closes_at and workshop.registration_closes_at > workshop.starts_at:
            errors["registration_closes_at"] = _("Les inscriptions se closent au plus tard au début de l'atelier.")
    if workshop.method and workshop.method not in Method.values:
        errors["method"] = _("Méthode inconnue.")
    if workshop.place_id and (
        workshop.place.kind != "place"
        or workshop.place.territory_id != workshop.plan.territory_id
        or workshop.place.merged_into_id is not None
    ):
        errors["place"] = _("Choisissez un lieu de l'annuaire de ce territoire.")
    if workshop.family_id and workshop.family.project_id != workshop.plan.project_id:
        errors["family"] = _("Choisissez une famille d'acteurs de ce projet.")
    if not workshop.place_id and not workshop.place_details.strip():
        errors["place_details"] = _("Indiquez le lieu : choisissez-le dans l'annuaire ou décrivez-le.")
    if not 1 <= (workshop.capacity or 0) <= MAX_CAPACITY:
        errors["capacity"] = _("Entre 1 et %(max)d places.") % {"max": MAX_CAPACITY}
    elif previous is not None:
        confirmed = previous.registrations.filter(status=seats.CONFIRMED).count()
        if workshop.capacity < confirmed:
            errors["capacity"] = _(
                "%(count)d personnes sont déjà inscrites : l'atelier ne peut pas compter moins de places."
            ) % {"count": confirmed}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def workshop_save(*, workshop: Workshop, user, publish: bool) -> Workshop:
    """Create or change a workshop, as a draft or published; more seats go to the waiting list."""
    is_new = workshop.pk is None
    previous = None if is_new else Workshop.objects.select_for_update().get(pk=workshop.pk)
    _check_workshop(workshop, previous=previous)
    if (
        previous is not None
        and previous.status == Workshop.Status.PUBLISHED
        and not publish
        and previous.registrations.exists()
    ):
        raise ValidationError(_("Des personnes sont inscrites : l'atelier ne peut pas redevenir un brouillon."))
    workshop.status = Workshop.Status.PUBLISHED if publish else Workshop.Status.DRAFT
    workshop.save()
    if previous is not None and workshop.capacity > previous.capacity:
        _promote(workshop)
    audit_log(
        actor=user,
        action=Action.WORKSHOP_SAVED,
        target=workshop,
        project_id=workshop.plan.project_id,
        status=workshop.status,
    )
    return workshop


@transaction.atomic
def workshop_cancel(*, workshop: Workshop, user, reason: str) -> Workshop:
    """Cancel a workshop that has not taken place; everyone registered or waiting is told by e-mail."""
    workshop = _lock_workshop(workshop)
    if workshop.status == Workshop.Status.CANCELLED:
        raise ValidationError(_("Cet atelier est déjà annulé."))
    if workshop.starts_at < timezone.now():
        raise ValidationError(_("Cet atelier a déjà eu lieu : il ne peut plus être annulé."))
    # A multipart form's fields are not cleaned of NUL by the middleware (its body is read by the view): PostgreSQL refuses them.
    reason = reason.replace("\x00", "").strip()
    if not reason:
        raise ValidationError({"reason": _("Dites en une phrase pourquoi : les personnes inscrites le liront.")})
    workshop.status = Workshop.Status.CANCELLED
    workshop.notes = reason[:2000]
    workshop.save(update_fields=["status", "notes", "updated_at"])
    for registration in workshop.registrations.all():
        _send(registration, "cancelled")
    audit_log(
        actor=user,
        action=Action.WORKSHOP_SAVED,
        target=workshop,
        project_id=workshop.plan.project_id,
        status="cancelled",
    )
    return workshop


def _lock_workshop(workshop: Workshop) -> Workshop:
    return Workshop.objects.select_related("plan").select_for_update().get(pk=workshop.pk)


def _send(registration: WorkshopRegistration, kind: str) -> None:
    from territoires.codesign.tasks import send_registration_email

    transaction.on_commit(lambda: send_registration_email.enqueue(registration.pk, kind))


def _promote(workshop: Workshop) -> list[WorkshopRegistration]:
    promoted = seats.seats_fill(workshop.registrations.all(), capacity=workshop.capacity)
    for registration in promoted:
        _send(registration, "promoted")
    return promoted


@transaction.atomic
def workshop_register(
    *, workshop: Workshop, name: str, email: str, needs: list[str] | None = None, needs_details: str = ""
) -> WorkshopRegistration:
    """A seat if one is free, else the end of the waiting list (core/seats.py, as for peer events);
    refused when closed or when the address is already registered."""
    workshop = _lock_workshop(workshop)
    if not workshop.registration_open:
        raise ValidationError(_("Les inscriptions à cet atelier sont closes."))
    name, email = name.strip(), email.strip()
    if not name:
        raise ValidationError({"name": _("Indiquez votre nom.")})
    needs = [code for code in (needs or []) if code in WorkshopRegistration.Need.values]
    email_key = email.lower()
    if WorkshopRegistration.objects.filter(workshop=workshop, email_key=email_key).exists():
        raise ValidationError(
            _(
                "Cette adresse est déjà inscrite à cet atelier : le courriel de confirmation permet de gérer l'inscription."
            )
        )
    status = seats.seat_status(workshop.registrations.all(), capacity=workshop.capacity)
    try:
        with transaction.atomic():
            registration = WorkshopRegistration.objects.create(
                workshop=workshop,
                name=name,
                email=email,
                email_key=email_key,
                needs=needs,
                needs_details=needs_details.strip(),
                status=status,
            )
    except IntegrityError as error:  # the same address raced itself (two tabs, a resent form)
        raise ValidationError(_("Cette adresse est déjà inscrite à cet atelier.")) from error
    _send(registration, registration.status)
    return registration


@transaction.atomic
def registration_cancel(*, registration: WorkshopRegistration) -> list[WorkshopRegistration]:
    """The person cancels (from the link of their e-mail); the freed seat goes to the first waiting."""
    workshop = _lock_workshop(registration.workshop)
    deleted, _details = WorkshopRegistration.objects.filter(pk=registration.pk).delete()
    if not deleted:
        raise ValidationError(_("Cette inscription est déjà annulée."))
    if workshop.starts_at < timezone.now():
        return []
    return _promote(workshop)


REMINDER_AHEAD = datetime.timedelta(hours=48)


def workshop_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind the people with a seat of a published workshop starting within 48 hours, once each
    (run daily or more often: `manage.py send_workshop_reminders`); returns how many were sent."""
    now = now or timezone.now()
    due = WorkshopRegistration.objects.filter(
        status=seats.CONFIRMED,
        reminded_at__isnull=True,
        workshop__status=Workshop.Status.PUBLISHED,
        workshop__starts_at__gt=now,
        workshop__starts_at__lte=now + REMINDER_AHEAD,
    )
    sent = 0
    with transaction.atomic():
        for registration in due.select_for_update():
            # Marked in the same transaction as the e-mail is queued: a second run sends nothing again.
            WorkshopRegistration.objects.filter(pk=registration.pk).update(reminded_at=now)
            _send(registration, "reminder")
            sent += 1
    return sent


def waiting_position(registration: WorkshopRegistration) -> int:
    return seats.waiting_position(registration.workshop.registrations.all(), registration)


@transaction.atomic
def attendance_record(*, workshop: Workshop, user, present_ids) -> int:
    """Tick who came (from the signed sheet); returns how many are present."""
    workshop = _lock_workshop(workshop)
    registrations = workshop.registrations.filter(status=seats.CONFIRMED)
    present = {int(pk) for pk in present_ids}
    registrations.filter(pk__in=present).update(attended=True)
    registrations.exclude(pk__in=present).update(attended=False)
    count = registrations.filter(attended=True).count()
    audit_log(
        actor=user,
        action=Action.WORKSHOP_ATTENDANCE,
        target=workshop,
        project_id=workshop.plan.project_id,
        present=count,
    )
    return count


# Ideas --------------------------------------------------------------------------------------------


def _check_idea_links(*, plan, source, workshop, finding, survey_topics) -> None:
    if source == Idea.Source.WORKSHOP and (workshop is None or workshop.plan_id != plan.pk):
        raise ValidationError({"workshop": _("Choisissez l'atelier de ce territoire d'où vient l'idée.")})
    if source == Idea.Source.FINDING and finding is None:
        raise ValidationError({"finding": _("Choisissez le constat du diagnostic qui a suscité l'idée.")})
    if finding is not None and (
        finding.project_id != plan.project_id or finding.territory_id not in (None, plan.territory_id)
    ):
        raise ValidationError({"finding": _("Choisissez un constat du diagnostic de ce territoire ou du projet.")})
    if source == Idea.Source.SURVEY and survey_topics is None:
        raise ValidationError({"survey_topic": _("Choisissez le thème des réponses libres de l'enquête.")})
    if survey_topics is not None and survey_topics.survey.project_id != plan.project_id:
        raise ValidationError({"survey_topic": _("Choisissez un thème de l'enquête de ce projet.")})


def _tags_for(plan, names) -> list[IdeaTag]:
    tags = []
    for name in names:
        # Control characters (a NUL reaches PostgreSQL as an error) are not part of a tag's name.
        name = " ".join("".join(ch for ch in str(name) if ch.isprintable() or ch.isspace()).split())[:60]
        if name:
            tag, _created = IdeaTag.objects.get_or_create(plan=plan, name=name)
            tags.append(tag)
    return tags


@transaction.atomic
def idea_create(
    *,
    plan: CodesignPlan,
    user,
    title: str,
    body: str = "",
    source: str,
    workshop: Workshop | None = None,
    finding=None,
    survey_topics=None,
    survey_topic_label: str = "",
    photo=None,
    tags=(),
) -> Idea:
    """An idea entered by the territory's team (from a workshop, a finding, a survey topic): published."""
    if source not in Idea.Source.values or source == Idea.Source.ONLINE:
        raise ValidationError({"source": _("Origine inconnue.")})
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Écrivez l'idée.")})
    _check_idea_links(plan=plan, source=source, workshop=workshop, finding=finding, survey_topics=survey_topics)
    idea = Idea(
        plan=plan,
        title=title,
        body=body.strip(),
        source=source,
        workshop=workshop if source == Idea.Source.WORKSHOP else None,
        finding=finding,
        survey_topics=survey_topics if source == Idea.Source.SURVEY else None,
        survey_topic_label=survey_topic_label[:200] if source == Idea.Source.SURVEY else "",
        status=Idea.Status.PUBLISHED,
        created_by=user,
    )
    if photo:
        idea.photo = photo
    idea.save()
    idea.tags.set(_tags_for(plan, tags))
    return idea


@transaction.atomic
def idea_submit(*, plan: CodesignPlan, title: str, body: str = "") -> Idea:
    """A resident's idea, without an account: kept for moderation, with a receipt code to follow it."""
    plan = CodesignPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.ideas_open:
        raise ValidationError(_("La boîte à idées de ce territoire est fermée."))
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Écrivez votre idée.")})
    return Idea.objects.create(
        plan=plan,
        title=title,
        body=body.strip(),
        source=Idea.Source.ONLINE,
        status=Idea.Status.PENDING,
        receipt_code=new_receipt_code(),
    )


def idea_by_receipt(code: str) -> Idea | None:
    code = receipt_code_normalise(code)
    if code is None:
        return None
    return Idea.objects.select_related("plan__territory__organisation", "merged_into").filter(receipt_code=code).first()


@transaction.atomic
def idea_moderate(*, idea: Idea, user, decision: str, note: str = "") -> Idea:
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    if idea.merged_into_id is not None:
        raise ValidationError(_("Cette idée a été fusionnée dans une autre : modérez celle-ci."))
    if decision not in (Idea.Status.PUBLISHED, Idea.Status.REJECTED):
        raise ValidationError(_("Décision inconnue."))
    if decision == Idea.Status.REJECTED and not note.strip():
        raise ValidationError(
            {"note": _("Dites en une phrase pourquoi l'idée n'est pas publiée : son auteur·rice le lira.")}
        )
    idea.status = decision
    idea.moderation_note = note.strip()[:300]
    idea.save(update_fields=["status", "moderation_note", "updated_at"])
    audit_log(actor=user, action=Action.IDEA_MODERATED, target=idea, project_id=idea.plan.project_id, status=decision)
    return idea


@transaction.atomic
def idea_merge(*, kept: Idea, duplicate: Idea, user) -> Idea:
    """The duplicate points to the kept idea (its trail stays: its page says where it went, its
    receipt code leads there); its tags, objectives and origin links are carried over."""
    if kept.pk == duplicate.pk:
        raise ValidationError(_("Une idée ne peut pas être fusionnée avec elle-même."))
    kept, duplicate = (
        Idea.objects.select_for_update().get(pk=kept.pk),
        Idea.objects.select_for_update().get(pk=duplicate.pk),
    )
    if kept.plan_id != duplicate.plan_id:
        raise ValidationError(_("Seules les idées d'un même territoire se fusionnent."))
    if kept.merged_into_id is not None or duplicate.merged_into_id is not None:
        raise ValidationError(_("L'une des deux idées a déjà été fusionnée."))
    duplicate.merged_into = kept
    duplicate.save(update_fields=["merged_into", "updated_at"])
    Idea.objects.filter(merged_into=duplicate).update(merged_into=kept)
    kept.tags.add(*duplicate.tags.all())
    for objective in duplicate.objectives.all():
        objective.ideas.add(kept)
    if kept.finding_id is None and duplicate.finding_id is not None:
        kept.finding_id = duplicate.finding_id
        kept.save(update_fields=["finding", "updated_at"])
    if kept.status != Idea.Status.PUBLISHED and duplicate.status == Idea.Status.PUBLISHED:
        kept.status = Idea.Status.PUBLISHED
        kept.save(update_fields=["status", "updated_at"])
    audit_log(
        actor=user, action=Action.IDEAS_MERGED, target=kept, project_id=kept.plan.project_id, merged=duplicate.title
    )
    audit_log(
        actor=user, action=Action.IDEAS_MERGED, target=duplicate, project_id=kept.plan.project_id, kept=kept.title
    )
    return kept


def merged_trail(idea: Idea) -> list[Idea]:
    """The ideas merged into this one, directly or through another merge."""
    trail, frontier = [], [idea.pk]
    while frontier:
        found = list(Idea.objects.filter(merged_into_id__in=frontier))
        trail.extend(found)
        frontier = [item.pk for item in found]
    return trail


@transaction.atomic
def idea_comment(*, idea: Idea, user, body: str) -> IdeaComment:
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Le commentaire est vide.")})
    if len(body) > 3000:
        raise ValidationError({"body": _("3 000 caractères au plus.")})
    return IdeaComment.objects.create(idea=idea, author=user, body=body)


@transaction.atomic
def idea_tags_set(*, idea: Idea, names) -> None:
    idea.tags.set(_tags_for(idea.plan, names))


# Objectives ---------------------------------------------------------------------------------------


@transaction.atomic
def objective_save(*, objective: Objective, user, ideas=(), findings=()) -> Objective:
    plan = objective.plan
    if any(idea.plan_id != plan.pk for idea in ideas):
        raise ValidationError({"ideas": _("Choisissez des idées de ce territoire.")})
    if any(f.project_id != plan.project_id or f.territory_id not in (None, plan.territory_id) for f in findings):
        raise ValidationError({"findings": _("Choisissez des constats du diagnostic de ce territoire ou du projet.")})
    is_new = objective.pk is None
    if is_new:
        objective.created_by = user
    objective.save()
    objective.ideas.set(ideas)
    objective.findings.set(findings)
    audit_log(
        actor=user,
        action=Action.OBJECTIVE_SAVED,
        target=objective,
        project_id=plan.project_id,
        status="created" if is_new else "changed",
    )
    return objective


@transaction.atomic
def criterion_add(*, objective: Objective, user, indicator, unit, baseline, target, source, target_date=None):
    if baseline == target:
        raise ValidationError({"target": _("La cible doit différer de la valeur de départ.")})
    criterion = SuccessCriterion.objects.create(
        objective=objective,
        indicator=indicator.strip(),
        unit=unit.strip(),
        baseline=baseline,
        target=target,
        source=source.strip(),
        target_date=target_date,
    )
    audit_log(
        actor=user,
        action=Action.OBJECTIVE_SAVED,
        target=objective,
        project_id=objective.plan.project_id,
        criterion=criterion.indicator,
    )
    _step_reached(
        plan=objective.plan,
        step="objectives",
        user=user,
        note=_("Premier objectif avec un critère de réussite mesurable : « %(title)s ».") % {"title": objective.title},
    )
    return criterion


# Ballots ------------------------------------------------------------------------------------------


@transaction.atomic
def ballot_create(
    *,
    plan: CodesignPlan,
    user,
    title: str,
    method: str,
    options: list[tuple[str, Idea | None]],
    description: str = "",
    points: int = 5,
    workshop: Workshop | None = None,
) -> Ballot:
    """A ballot in preparation with its options (labels, each from an idea or written)."""
    if method not in METHODS:
        raise ValidationError({"method": _("Mode de scrutin inconnu.")})
    labels = [(label.strip()[:250], idea) for label, idea in options if label.strip()]
    if len(labels) < 2:
        raise ValidationError(_("Soumettez au moins deux propositions au vote."))
    if len(labels) > MAX_OPTIONS:
        raise ValidationError(_("%(max)d propositions au plus.") % {"max": MAX_OPTIONS})
    if any(idea is not None and idea.plan_id != plan.pk for _label, idea in labels):
        raise ValidationError(_("Choisissez des idées de ce territoire."))
    if workshop is not None and workshop.plan_id != plan.pk:
        raise ValidationError({"workshop": _("Choisissez un atelier de ce territoire.")})
    if method == "dots" and not 1 <= points <= 50:
        raise ValidationError({"points": _("Entre 1 et 50 gommettes par personne.")})
    ballot = Ballot.objects.create(
        plan=plan,
        title=title.strip(),
        description=description.strip(),
        method=method,
        points=points,
        workshop=workshop,
        created_by=user,
    )
    BallotOption.objects.bulk_create(
        BallotOption(ballot=ballot, label=label, idea=idea, position=index)
        for index, (label, idea) in enumerate(labels)
    )
    return ballot


@transaction.atomic
def ballot_open(*, ballot: Ballot, user) -> Ballot:
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != Ballot.Status.DRAFT:
        raise ValidationError(_("Ce scrutin est déjà ouvert ou clos."))
    ballot.status, ballot.opened_at = Ballot.Status.OPEN, timezone.now()
    ballot.save(update_fields=["status", "opened_at", "updated_at"])
    audit_log(actor=user, action=Action.BALLOT_OPENED, target=ballot, project_id=ballot.plan.project_id)
    return ballot


@transaction.atomic
def ballot_close(*, ballot: Ballot, user) -> Ballot:
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != Ballot.Status.OPEN:
        raise ValidationError(_("Seul un scrutin ouvert peut être clos."))
    ballot.status, ballot.closed_at = Ballot.Status.CLOSED, timezone.now()
    ballot.save(update_fields=["status", "closed_at", "updated_at"])
    audit_log(
        actor=user,
        action=Action.BALLOT_CLOSED,
        target=ballot,
        project_id=ballot.plan.project_id,
        votes=ballot.votes.count(),
    )
    _step_reached(
        plan=ballot.plan, step="convergence", user=user, note=_("Vote clos : « %(title)s ».") % {"title": ballot.title}
    )
    return ballot


@transaction.atomic
def voter_codes_issue(*, ballot: Ballot, user, count: int) -> list[VoterCode]:
    if ballot.status == Ballot.Status.CLOSED:
        raise ValidationError(_("Ce scrutin est clos : plus aucun code n'est émis."))
    if not 1 <= count <= MAX_CODES:
        raise ValidationError({"count": _("Entre 1 et %(max)d codes à la fois.") % {"max": MAX_CODES}})
    codes = VoterCode.objects.bulk_create(
        VoterCode(ballot=ballot, code=new_receipt_code()[:8]) for _index in range(count)
    )
    audit_log(
        actor=user, action=Action.VOTER_CODES_ISSUED, target=ballot, project_id=ballot.plan.project_id, count=count
    )
    return codes


def voter_key_for_user(*, ballot: Ballot, user) -> str:
    """Who voted, without the account in clear: a keyed hash of (ballot, account)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"ballot:{ballot.pk}:user:{user.pk}".encode(), hashlib.sha256)
    return "u:" + digest.hexdigest()[:60]


ALREADY_VOTED = gettext_lazy("Vous avez déjà voté à ce scrutin : un seul bulletin par personne.")


def vote_cast(*, ballot: Ballot, data, user=None, code: str = "", options=None) -> BallotVote:
    """Store one vote, once: by an account (online) or with a one-time code (kiosk or online).

    A code is spent by one conditional UPDATE (unused, of this ballot, ballot open) in the same
    transaction as the vote is stored; the (ballot, voter) pair is unique in the database, so a
    replayed request, a second tab or a concurrent submit is refused and stores nothing.
    """
    if ballot.status != Ballot.Status.OPEN:
        raise ValidationError(CLOSED)
    options = list(ballot.options.all()) if options is None else options
    choices = ballot.voting.parse(data, options=options, ballot=ballot)
    normalised = (receipt_code_normalise(code) or "") if code else ""
    if not code and not (user is not None and user.is_authenticated):
        raise ValidationError(_("Connectez-vous ou saisissez votre code de vote."))
    try:
        with transaction.atomic():
            if code:
                spent = _voter_code_spend(ballot=ballot, code=normalised)
                if not spent:
                    raise ValidationError(_code_refusal(ballot, normalised))
                voter_key, channel = f"c:{normalised}", BallotVote.Channel.KIOSK
            else:
                # The status again, inside the transaction: a close that landed meanwhile wins.
                if not Ballot.objects.filter(pk=ballot.pk, status=Ballot.Status.OPEN).exists():
                    raise ValidationError(CLOSED)
                voter_key, channel = voter_key_for_user(ballot=ballot, user=user), BallotVote.Channel.ONLINE
            return BallotVote.objects.create(
                ballot=ballot, voter_key=voter_key, channel=channel, choices=choices, receipt_code=new_receipt_code()
            )
    except IntegrityError as error:  # the same account raced itself: the transaction rolled back whole
        raise ValidationError(ALREADY_VOTED) from error


CLOSED = gettext_lazy("Ce scrutin est clos : le vote n'est plus possible.")


def _voter_code_spend(*, ballot: Ballot, code: str) -> int:
    """Spend a one-time code: unused, of this ballot, the ballot open — checked by the database in
    one statement, so two tablets sending the same code, or a close landing meanwhile, cannot both
    win. Written as SQL because the ORM's compilation of this UPDATE cost a sixth of a kiosk vote
    (make bench ONLY=codesign.vote); identifiers come from the models, values go as parameters."""
    from django.db import connection

    quote = connection.ops.quote_name
    codes, ballots = VoterCode._meta, Ballot._meta
    used_at = codes.get_field("used_at")
    sql = (
        f"UPDATE {quote(codes.db_table)} SET {quote(used_at.column)} = %s "  # noqa: S608
        f"WHERE {quote('ballot_id')} = %s AND {quote('code')} = %s AND {quote(used_at.column)} IS NULL "
        f"AND EXISTS (SELECT 1 FROM {quote(ballots.db_table)} WHERE {quote('id')} = %s AND {quote('status')} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [used_at.get_db_prep_save(timezone.now(), connection), ballot.pk, code, ballot.pk, Ballot.Status.OPEN],
        )
        return cursor.rowcount


def _code_refusal(ballot: Ballot, code: str) -> str:
    """Why a code was not spent (read only then: the accepted path costs one UPDATE)."""
    row = VoterCode.objects.filter(ballot=ballot, code=code).values("used_at").first() if code else None
    if row is None:
        return _("Ce code de vote n'est pas valable pour ce scrutin. Vérifiez-le sur votre feuille.")
    if not Ballot.objects.filter(pk=ballot.pk, status=Ballot.Status.OPEN).exists():
        return str(CLOSED)
    return _("Ce code a déjà servi : chaque code ne permet qu'un vote.")


def ballot_result(ballot: Ballot):
    options = list(ballot.options.all())
    votes = list(ballot.votes.values_list("choices", flat=True))
    return ballot.voting.tally(options=options, votes=votes, ballot=ballot)
