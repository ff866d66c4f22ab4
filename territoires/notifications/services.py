"""Follow things, notify people, e-mail them (at once for mentions, or in a daily digest).

Called by the modules that own the followed objects (community threads, sharing news and events…).
Notifications never leak: `notify` trusts its caller's recipient list, so callers pass only people
who may see the object, and `notify_followers` filters followers with the caller's `can_see`.
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from territoires.core.links import absolute, site_url
from territoires.core.sql import count_rows, select_rows
from territoires.notifications.models import EmailPreference, Follow, Notification

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
TEXT_MAX = 500


# --- Follows -------------------------------------------------------------------------------------


def _target_key(target) -> tuple[ContentType, int]:
    return ContentType.objects.get_for_model(target), target.pk


# What every signed-in page shows (the unread count in the header, the state of its "Suivre" button)
# is kept in the cache per user and dropped when one of the services below changes it: a page then
# reads two cache entries instead of making two database queries. The delay bounds the staleness
# left by a rare race (a page reading the old value while a change commits) or a change made outside
# these services (the admin).
VIEWER_STATE_SECONDS = 60


def _follows_key(user_id) -> str:
    return f"notifications:follows:{user_id}"


def _unread_key(user_id) -> str:
    return f"notifications:unread:{user_id}"


def _forget_after_commit(keys: list[str]) -> None:
    cache.delete_many(keys)  # now, for the rest of this request…
    transaction.on_commit(lambda: cache.delete_many(keys))  # …and once the change is visible to all


@transaction.atomic
def follow_set(*, user, target, following: bool) -> None:
    """Start or stop following `target` (any saved model instance); calling it twice changes nothing."""
    target_type, target_id = _target_key(target)
    if following:
        Follow.objects.get_or_create(user=user, target_type=target_type, target_id=target_id)
    else:
        Follow.objects.filter(user=user, target_type=target_type, target_id=target_id).delete()
    _forget_after_commit([_follows_key(user.pk)])


def _followed_by(user) -> frozenset:
    """{(content type id, object id)} of everything the user follows (cached, see above)."""
    key = _follows_key(user.pk)
    followed = cache.get(key)
    if followed is None:
        followed = frozenset(select_rows(Follow, ("target_type", "target_id"), user=user.pk))
        cache.set(key, followed, VIEWER_STATE_SECONDS)
    return followed


def is_following(*, user, target) -> bool:
    if not user.is_authenticated:
        return False
    target_type, target_id = _target_key(target)
    return (target_type.pk, target_id) in _followed_by(user)


def followers_of(*targets) -> list:
    """Active users following any of the targets, each once."""
    users = {}
    for target in targets:
        if target is None:
            continue
        target_type, target_id = _target_key(target)
        follows = Follow.objects.filter(target_type=target_type, target_id=target_id, user__is_active=True)
        for follow in follows.select_related("user"):
            users.setdefault(follow.user_id, follow.user)
    return list(users.values())


# --- Notifications -------------------------------------------------------------------------------


def _user_ids(users) -> list[int]:
    ids = []
    for user in users:
        user_id = user if isinstance(user, int) else user.pk
        if user_id is not None and user_id not in ids:
            ids.append(user_id)
    return ids


@transaction.atomic
def notify(
    *,
    recipients: Iterable,
    verb: str,
    text: str,
    url: str,
    actor=None,
    target=None,
    immediate: bool = False,
) -> list[Notification]:
    """One in-app notification per recipient (users or ids; the actor is never notified of their own act).

    `immediate=True` (mentions) also e-mails each recipient after commit when their preference allows;
    every other notification waits for the daily digest.
    """
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    recipient_ids = [user_id for user_id in _user_ids(recipients) if user_id != actor_id]
    if not recipient_ids:
        return []
    target_type, target_id = _target_key(target) if target is not None else (None, None)
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                actor_id=actor_id,
                verb=verb[:40],
                text=text[:TEXT_MAX],
                url=url[:500],
                target_type=target_type,
                target_id=target_id,
                immediate=immediate,
            )
            for user_id in recipient_ids
        ]
    )
    _forget_after_commit([_unread_key(user_id) for user_id in recipient_ids])
    if immediate:
        from territoires.notifications.tasks import send_immediate_email

        # bulk_create returns ids on SQLite and PostgreSQL alike.
        ids = [notification.pk for notification in notifications]
        transaction.on_commit(lambda: [send_immediate_email.enqueue(pk) for pk in ids])
    return notifications


def notify_followers(
    *,
    target,
    verb: str,
    text: str,
    url: str,
    actor=None,
    exclude: Iterable = (),
    can_see: Callable | None = None,
    also_followers_of: Iterable = (),
) -> list[Notification]:
    """Notify who follows `target` (and, once each, who follows the objects in `also_followers_of`,
    e.g. a thread's project and theme), keeping only those `can_see(user)` allows."""
    excluded = set(_user_ids(exclude))
    recipients = [
        user
        for user in followers_of(target, *also_followers_of)
        if user.pk not in excluded and (can_see is None or can_see(user))
    ]
    return notify(recipients=recipients, verb=verb, text=text, url=url, actor=actor, target=target)


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when `ids` is None); others' ids are ignored."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    _forget_after_commit([_unread_key(user.pk)])
    return queryset.update(read_at=timezone.now())


def unread_count(user) -> int:
    """The header's count, on every signed-in page (cached, see VIEWER_STATE_SECONDS)."""
    if not user.is_authenticated:
        return 0
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = count_rows(Notification, recipient=user.pk, read_at=None)
        cache.set(key, count, VIEWER_STATE_SECONDS)
    return count


# --- E-mail preferences and unsubscribing --------------------------------------------------------


def email_mode_of(user) -> str:
    preference = EmailPreference.objects.filter(user=user).values_list("mode", flat=True).first()
    return preference or EmailPreference.Mode.DAILY


@transaction.atomic
def email_preference_set(*, user, mode: str) -> EmailPreference:
    from django.core.exceptions import ValidationError

    if mode not in EmailPreference.Mode.values:
        raise ValidationError(_("Choisissez une des options proposées."))
    preference, _created = EmailPreference.objects.update_or_create(user=user, defaults={"mode": mode})
    return preference


def unsubscribe_token(user) -> str:
    """A signed token naming the user: unsubscribing works from any e-mail, without logging in."""
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT, compress=True)


def user_from_unsubscribe_token(token: str):
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int):
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def _send_email(*, user, subject: str, template: str, context: dict) -> None:
    unsubscribe_url = absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(user)]))
    context = {
        **context,
        "user": user,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute(reverse("notifications:preferences")),
        "site_url": site_url(),
    }
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[user.email],
        # RFC 2369 + RFC 8058: mail clients show an "unsubscribe" button that POSTs to this URL.
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    message.send()


@transaction.atomic
def notification_email_now(*, notification_id: int) -> bool:
    """E-mail one immediate notification (a mention) if its recipient wants it; at most once."""
    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("recipient", "actor")
        .filter(pk=notification_id, emailed_at__isnull=True, read_at__isnull=True)
        .first()
    )
    if notification is None or not notification.recipient.is_active:
        return False
    if email_mode_of(notification.recipient) not in EmailPreference.IMMEDIATE_MODES:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Territoires en commun] %(text)s") % {"text": notification.text[:120]}
    _send_email(
        user=notification.recipient,
        subject=subject,
        template="immediate",
        context={"notification": notification, "notification_url": absolute(notification.url)},
    )
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    return True


DIGEST_MAX_ITEMS = 50


@transaction.atomic
def digest_send(*, user_id: int) -> int:
    """Send one e-mail with the user's unread notifications not e-mailed yet; returns how many it lists.

    The rows are locked and stamped in the same transaction as the sending, so a digest task run
    twice sends the items once (the second run finds nothing pending).
    """
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or email_mode_of(user) not in EmailPreference.DIGEST_MODES:
        return 0
    pending = list(
        Notification.objects.select_for_update()
        .filter(recipient=user)
        .pending_digest()
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    if not pending:
        return 0
    shown = list(
        Notification.objects.filter(pk__in=pending[:DIGEST_MAX_ITEMS])
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
    for notification in shown:
        notification.absolute_url = absolute(notification.url)
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "[Territoires en commun] Votre résumé : %(count)d nouveauté",
            "[Territoires en commun] Votre résumé : %(count)d nouveautés",
            len(pending),
        ) % {"count": len(pending)}
    _send_email(
        user=user,
        subject=subject,
        template="digest",
        context={
            "notifications": shown,
            "total": len(pending),
            "more": len(pending) - len(shown),
            "inbox_url": absolute(reverse("notifications:list")),
        },
    )
    Notification.objects.filter(pk__in=pending).update(emailed_at=timezone.now())
    return len(pending)


def digest_recipient_ids() -> list[int]:
    """Users who have something for their digest and want one."""
    opted_out = EmailPreference.objects.exclude(mode__in=EmailPreference.DIGEST_MODES).values("user_id")
    return list(
        Notification.objects.pending_digest()
        .filter(recipient__is_active=True)
        .exclude(recipient_id__in=opted_out)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
