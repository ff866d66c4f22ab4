"""Writes on news, peer events and lessons learned: keyword-only, atomic, audited.

Permissions are checked by the views (rules) before calling; the services check the business rules
(dates, seats, one registration per person) and raise ValidationError with a message for the user.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.core import seats
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.core.seats import seat_status, seats_fill
from territoires.search.services import source_forget as search_forget
from territoires.search.services import source_reindex as search_reindex
from territoires.sharing.models import Lesson, NewsPost, PeerEvent, Registration, Status

Action = AuditEvent.Action
MAX_CAPACITY = 1000
LATEST_YEAR = 2100


def _set_status(obj, *, publish: bool) -> bool:
    """Apply the requested status; True when the object becomes published now (first or again)."""
    was_published = obj.pk is not None and type(obj).objects.filter(pk=obj.pk, status=Status.PUBLISHED).exists()
    obj.status = Status.PUBLISHED if publish else Status.DRAFT
    if publish and not obj.published_at:
        obj.published_at = timezone.now()
    return publish and not was_published


def _audit_publication(obj, *, user, published: bool) -> None:
    audit_log(
        actor=user,
        action=Action.PUBLICATION_CHANGED,
        target=obj,
        project_id=obj.project_id,
        status="published" if published else "draft",
    )


def _notify_project_followers(*, obj, user, verb: str, text: str, permission: str) -> None:
    from territoires.notifications.services import notify_followers

    def can_see(follower) -> bool:
        return follower.has_perm(permission, obj)

    notify_followers(target=obj.project, verb=verb, text=text, url=obj.get_absolute_url(), actor=user, can_see=can_see)


# News ---------------------------------------------------------------------------------------------


def _organisation_speaking(project, user):
    """The organisation on whose behalf a member writes: their participating authority, or the
    agency or consultancy they work for in this project."""
    from territoires.accounts.access import memberships_of
    from territoires.accounts.models import Organisation

    involved = [project.facilitator_organisation_id, project.consultancy_id]
    involved += [p.organisation_id for p in project.participations.all() if p.is_participant]
    own = [org_id for org_id in involved if org_id in memberships_of(user)]
    return Organisation.objects.filter(pk=own[0]).first() if own else None


@transaction.atomic
def news_save(*, post: NewsPost, user, publish: bool) -> NewsPost:
    """Create or update a news post, as a draft or published; followers who may read it hear of
    its first publication."""
    is_new = post.pk is None
    if is_new:
        post.author = user
        if post.organisation_id is None and user is not None and user.is_authenticated:
            post.organisation = _organisation_speaking(post.project, user)
    newly_published = _set_status(post, publish=publish)
    post.save()
    search_reindex(source=post)
    if newly_published or (not is_new and not publish and post.published_at):
        _audit_publication(post, user=user, published=publish)
    if newly_published:
        _notify_project_followers(
            obj=post,
            user=user,
            verb="news_published",
            text=_("Nouvelle actualité du projet « %(project)s » : %(title)s")
            % {"project": post.project.title, "title": post.title},
            permission="sharing.view_news",
        )
    return post


# Peer events --------------------------------------------------------------------------------------


def starts_moved(before, after) -> bool:
    """Forms carry minutes only: an event edited without touching its date keeps its date."""
    if before is None or after is None:
        return before is not after
    return abs((after - before).total_seconds()) >= 60


def _check_event(event: PeerEvent, *, previous: PeerEvent | None) -> None:
    errors = {}
    now = timezone.now()
    starts_changed = previous is None or starts_moved(previous.starts_at, event.starts_at)
    if event.starts_at and starts_changed and event.starts_at < now:
        errors["starts_at"] = _("La date de début est passée : choisissez une date à venir.")
    if event.starts_at and event.starts_at.year > LATEST_YEAR:
        errors["starts_at"] = _("Choisissez une date avant %(year)d.") % {"year": LATEST_YEAR}
    if event.ends_at and event.starts_at and event.ends_at < event.starts_at:
        errors["ends_at"] = _("La fin doit suivre le début.")
    if event.ends_at and event.starts_at and event.ends_at - event.starts_at > datetime.timedelta(days=7):
        errors["ends_at"] = _("Une rencontre dure au plus une semaine.")
    if not event.place.strip() and not event.video_url:
        errors["place"] = _("Indiquez un lieu ou un lien de visioconférence.")
    if not 1 <= (event.capacity or 0) <= MAX_CAPACITY:
        errors["capacity"] = _("Entre 1 et %(max)d places.") % {"max": MAX_CAPACITY}
    elif previous is not None:
        confirmed = previous.registrations.filter(status=Registration.Status.CONFIRMED).count()
        if event.capacity < confirmed:
            errors["capacity"] = _(
                "%(count)d personnes sont déjà inscrites : la rencontre ne peut pas compter moins de places."
            ) % {"count": confirmed}
    if errors:
        raise ValidationError(errors)


def _lock_event(event: PeerEvent) -> PeerEvent:
    # Serialises registrations to one event (PostgreSQL row lock; on SQLite the IMMEDIATE
    # transaction mode already serialises writers).
    return PeerEvent.objects.select_for_update().get(pk=event.pk)


def _fill_free_seats(event: PeerEvent) -> list[Registration]:
    """Move the first people of the waiting list to free seats, in arrival order (core/seats.py), and
    tell them. Call with the event row locked."""
    promoted = seats_fill(event.registrations.all(), capacity=event.capacity)
    if promoted:
        from territoires.notifications.services import notify

        notify(
            recipients=[registration.user_id for registration in promoted],
            verb="event_seat_freed",
            text=_("Une place s'est libérée : vous êtes inscrit·e à « %(title)s ».") % {"title": event.title},
            url=event.get_absolute_url(),
            target=event,
            immediate=True,
        )
    return promoted


@transaction.atomic
def event_save(*, event: PeerEvent, user, publish: bool, resources=None) -> PeerEvent:
    is_new = event.pk is None
    previous = None if is_new else PeerEvent.objects.select_for_update().get(pk=event.pk)
    _check_event(event, previous=previous)
    if is_new:
        event.organiser = user
    newly_published = _set_status(event, publish=publish)
    event.save()
    search_reindex(source=event)
    if resources is not None:
        event.resources.set(resources)
    if previous is not None and event.capacity > previous.capacity:
        _fill_free_seats(event)
    if newly_published or (not is_new and not publish and event.published_at):
        _audit_publication(event, user=user, published=publish)
    if newly_published:
        _notify_project_followers(
            obj=event,
            user=user,
            verb="event_published",
            text=_("Nouvelle rencontre du projet « %(project)s » : %(title)s, le %(date)s")
            % {
                "project": event.project.title,
                "title": event.title,
                "date": timezone.localtime(event.starts_at).strftime("%d/%m/%Y %H:%M"),
            },
            permission="sharing.view_event",
        )
    return event


@transaction.atomic
def event_register(*, event: PeerEvent, user) -> Registration:
    """A seat if one is free, else a place at the end of the waiting list; refused if already there."""
    event = _lock_event(event)
    if event.status != Status.PUBLISHED or event.is_past:
        raise ValidationError(_("Les inscriptions à cette rencontre sont closes."))
    if Registration.objects.filter(event=event, user=user).exists():
        raise ValidationError(_("Vous êtes déjà inscrit·e à cette rencontre."))
    status = seat_status(event.registrations.all(), capacity=event.capacity)
    try:
        with transaction.atomic():
            return Registration.objects.create(event=event, user=user, status=status)
    except IntegrityError as error:  # a second request of the same person raced the first
        raise ValidationError(_("Vous êtes déjà inscrit·e à cette rencontre.")) from error


@transaction.atomic
def event_unregister(*, event: PeerEvent, user) -> list[Registration]:
    """Cancel the user's registration; a freed seat goes to the first person waiting (returned)."""
    event = _lock_event(event)
    deleted, _details = Registration.objects.filter(event=event, user=user).delete()
    if not deleted:
        raise ValidationError(_("Vous n'êtes pas inscrit·e à cette rencontre."))
    if event.is_past:
        return []
    return _fill_free_seats(event)


def waiting_position(*, event: PeerEvent, registration: Registration) -> int:
    """1 for the first person waiting."""
    return seats.waiting_position(event.registrations.all(), registration)


# Lessons learned ----------------------------------------------------------------------------------


@transaction.atomic
def lesson_save(*, lesson: Lesson, user, publish: bool, themes=None, resources=None) -> Lesson:
    is_new = lesson.pk is None
    if is_new:
        lesson.author = user
    if (
        lesson.territory_id
        and not lesson.project.participations.filter(organisation_id=lesson.territory_id, role="participant").exists()
    ):
        raise ValidationError({"territory": _("Choisissez une collectivité participant au projet.")})
    newly_published = _set_status(lesson, publish=publish)
    lesson.save()
    if themes is not None:
        lesson.themes.set(themes)
    if resources is not None:
        lesson.resources.set(resources)
    if newly_published or (not is_new and not publish and lesson.published_at):
        _audit_publication(lesson, user=user, published=publish)
    lesson_index(lesson=lesson)
    return lesson


def lesson_index(*, lesson: Lesson) -> None:
    """Keep the search index in step: a published lesson is findable by who may read it, a draft is not
    (see search_documents.py)."""
    search_reindex(source=lesson)


@transaction.atomic
def lesson_delete(*, lesson: Lesson, user) -> None:
    search_forget(source=lesson)
    audit_log(
        actor=user, action=Action.PUBLICATION_CHANGED, target=lesson, project_id=lesson.project_id, status="deleted"
    )
    lesson.delete()
