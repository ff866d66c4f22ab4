"""Writes to the discussion spaces. Each function checks its permission again (views check first),
runs in one transaction with the search index and the notifications it causes, and raises a French
ValidationError (or PermissionDenied) with nothing saved."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from territoires.community import rules as community_rules
from territoires.community.mentions import highlight_mentions, resolve_mention_texts
from territoires.community.models import (
    BODY_MAX,
    REASON_MAX,
    TITLE_MAX,
    Attachment,
    Mention,
    Message,
    MessageRevision,
    ProjectSpace,
    Report,
    Thread,
)
from territoires.community.validators import MAX_ATTACHMENTS, attachment_content_type
from territoires.core.audit import audit_log
from territoires.core.markdown import render_markdown
from territoires.core.models import AuditEvent
from territoires.notifications import services as notifications
from territoires.search.services import source_reindex

Action = AuditEvent.Action
Access = ProjectSpace.ObserverAccess


# --- Checks ---------------------------------------------------------------------------------------


def _require(user, permission: str, obj) -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if len(title) < 3:
        raise ValidationError({"title": _("Donnez un titre d'au moins 3 caractères.")})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": _("Le titre compte au plus %(max)d caractères.") % {"max": TITLE_MAX}})
    return title


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Le message est vide.")})
    if len(body) > BODY_MAX:
        raise ValidationError(
            {
                "body": _("Un message compte au plus %(max)d caractères (celui-ci en a %(count)d).")
                % {"max": BODY_MAX, "count": len(body)}
            }
        )
    return body


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise ValidationError({"reason": _("Indiquez un motif (au moins 3 caractères).")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("Le motif compte au plus %(max)d caractères.") % {"max": REASON_MAX}})
    return reason


def _checked_files(files) -> list[tuple[object, str]]:
    files = [file for file in (files or []) if file]
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError({"files": _("Joignez au plus %(max)d fichiers.") % {"max": MAX_ATTACHMENTS}})
    checked, errors = [], []
    for file in files:
        try:
            checked.append((file, attachment_content_type(file)))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"files": errors})
    return checked


# --- Search index ---------------------------------------------------------------------------------


def search_audience(thread: Thread) -> str:
    if thread.project_id is None:
        return "public"
    access = community_rules.observer_access_of(thread.project)
    if access == Access.ALL or (access == Access.SHARED and thread.shared_with_observers):
        return "project_observers"
    return "project"


def _theme_ids(thread: Thread) -> list[int]:
    if thread.theme_id:
        return [thread.theme_id]
    if thread.project_id and thread.project.theme_id:
        return [thread.project.theme_id]
    return []


def _touch(thread: Thread) -> None:
    """Stamp the thread as changed: its cached pages (territoires/community/fragments.py) expire."""
    thread.updated_at = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(updated_at=thread.updated_at)


def _common_fields(thread: Thread, created_at) -> dict:
    return {
        "category": "discussion",
        "audience": search_audience(thread),
        "project_id": thread.project_id,
        "theme_ids": _theme_ids(thread),
        "year": created_at.year if created_at else timezone.now().year,
    }


def thread_search_document(thread: Thread) -> dict:
    """A thread is found by its title and its opening message (registered in apps.py)."""
    opening = thread.messages.filter(position=1).only("id", "body", "hidden_at", "created_at").first()
    return {
        "title": thread.title,
        "text": "" if opening is None or opening.is_hidden else opening.body,
        "url": thread.get_absolute_url(),
        **_common_fields(thread, opening.created_at if opening else thread.created_at),
    }


def message_search_document(message: Message) -> dict | None:
    """Each visible reply is a document of its own; the opening message is its thread's; a hidden
    message is not found (registered in apps.py)."""
    if message.position == 1 or message.is_hidden:
        return None
    thread = message.thread
    return {
        # A reply is its own search hit (it has its own page and audience); its title says so, so
        # that a thread and its replies are not several results with the same title.
        "title": _reply_title(thread.title),
        "text": message.body,
        "url": thread.page_url(message.position),
        **_common_fields(thread, message.created_at),
    }


def index_message(message: Message, *, thread: Thread | None = None) -> None:
    """Re-index what a message changes: its thread's document (the opening message) or its own."""
    thread = thread or message.thread
    if message.position == 1:
        source_reindex(source=thread)
    else:
        message.thread = thread
        source_reindex(source=message)


def _reply_title(thread_title: str) -> str:
    # The index holds the platform's language, whoever writes the reply.
    with translation.override(settings.LANGUAGE_CODE):
        return _("Réponse : %(title)s") % {"title": thread_title}


def index_thread(thread: Thread) -> None:
    """Re-index every message of a thread (its audience changed)."""
    for message in thread.messages.only("id", "thread_id", "position", "body", "hidden_at", "created_at"):
        index_message(message, thread=thread)


# --- Notifications --------------------------------------------------------------------------------


def _french(text_builder):
    # Stored notifications are read in the platform's language, whoever's request created them.
    with translation.override(settings.LANGUAGE_CODE):
        return text_builder()


def _people_of(thread: Thread):
    """Everyone who may read a project thread (members and observers' staff); None for the open space."""
    if thread.project_id is None:
        return None
    from territoires.accounts.models import Membership

    project = thread.project
    organisation_ids = [project.facilitator_organisation_id, project.consultancy_id]
    organisation_ids += [participation.organisation_id for participation in project.participations.all()]
    user_ids = Membership.objects.filter(organisation_id__in=[i for i in organisation_ids if i]).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids)


def _record_mentions(*, message: Message, thread: Thread, author) -> list:
    """Record who the message names (among the thread's readers), highlight them in its HTML, and
    notify those named for the first time."""

    def can_read(user):
        return community_rules.can_read_thread(user, thread)

    texts = resolve_mention_texts(message.body, can_read=can_read, people=_people_of(thread))
    if texts:
        message.body_html = highlight_mentions(message.body_html, texts)
        Message.objects.filter(pk=message.pk).update(body_html=message.body_html)
    mentioned = []
    for _typed, user in texts:
        if user.pk != author.pk and user not in mentioned:
            mentioned.append(user)
    already = set(Mention.objects.filter(message=message).values_list("user_id", flat=True))
    new = [user for user in mentioned if user.pk not in already]
    Mention.objects.bulk_create([Mention(message=message, user=user) for user in new], ignore_conflicts=True)
    if new:
        notifications.notify(
            recipients=new,
            verb="mention",
            text=_french(
                lambda: _("%(actor)s vous a mentionné·e dans « %(thread)s »") % {"actor": author, "thread": thread}
            ),
            url=message.get_absolute_url(),
            actor=author,
            target=thread,
            immediate=True,
        )
    return new


def _notify_readers(*, thread: Thread, message: Message, author, exclude, new_thread: bool) -> None:
    def can_see(user):
        return community_rules.can_read_thread(user, thread)

    if new_thread:
        space = thread.project or thread.theme
        notifications.notify_followers(
            target=space,
            verb="new_thread",
            text=_french(
                lambda: _("Nouvelle discussion dans « %(space)s » : %(thread)s") % {"space": space, "thread": thread}
            ),
            url=thread.get_absolute_url(),
            actor=author,
            exclude=exclude,
            can_see=can_see,
        )
    else:
        notifications.notify_followers(
            target=thread,
            verb="reply",
            text=_french(lambda: _("%(actor)s a répondu dans « %(thread)s »") % {"actor": author, "thread": thread}),
            url=message.get_absolute_url(),
            actor=author,
            exclude=exclude,
            can_see=can_see,
        )


# --- Threads and messages -------------------------------------------------------------------------


def _add_message(*, thread: Thread, user, body: str, quoted: Message | None, files) -> Message:
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    now = timezone.now()
    message = Message.objects.create(
        thread=locked,
        position=locked.message_count + 1,
        author=user,
        body=body,
        body_html=render_markdown(body),
        quoted=quoted,
    )
    Thread.objects.filter(pk=thread.pk).update(
        message_count=F("message_count") + 1, last_message_at=now, updated_at=now
    )
    thread.message_count = locked.message_count + 1
    thread.last_message_at = thread.updated_at = now
    for file, content_type in files:
        attachment = Attachment(
            message=message,
            original_name=(getattr(file, "name", "") or "fichier")[:200],
            content_type=content_type,
            size=file.size,
        )
        attachment.file.save("upload", file, save=False)
        attachment.save()
    return message


@transaction.atomic
def thread_create(
    *,
    user,
    title: str,
    body: str,
    theme=None,
    project=None,
    shared_with_observers: bool = False,
    files=(),
) -> Thread:
    """Open a thread in a theme's open space or in a project's space, with its first message."""
    if (theme is None) == (project is None):
        raise ValueError("A thread belongs to a theme or to a project")
    if project is not None:
        _require(user, "community.start_project_thread", project)
    else:
        _require(user, "community.start_theme_thread", theme)
    title, body, files = _clean_title(title), _clean_body(body), _checked_files(files)
    thread = Thread.objects.create(
        title=title,
        theme=theme if project is None else None,
        project=project,
        author=user,
        shared_with_observers=bool(shared_with_observers) and project is not None,
    )
    if project is not None:
        thread.project = project  # keep the loaded project (and its cached permissions) on the thread
    message = _add_message(thread=thread, user=user, body=body, quoted=None, files=files)
    index_message(message, thread=thread)
    notifications.follow_set(user=user, target=thread, following=True)
    mentioned = _record_mentions(message=message, thread=thread, author=user)
    _notify_readers(thread=thread, message=message, author=user, exclude=[user, *mentioned], new_thread=True)
    return thread


@transaction.atomic
def message_post(*, user, thread: Thread, body: str, quoted_id: int | None = None, files=()) -> Message:
    """Reply to a thread (quoting one of its visible messages if asked)."""
    if not community_rules.can_read_thread(user, thread):
        raise PermissionDenied
    _require(user, "community.reply_thread", thread)
    body, files = _clean_body(body), _checked_files(files)
    quoted = None
    if quoted_id is not None:
        quoted = Message.objects.filter(pk=quoted_id, thread=thread, hidden_at__isnull=True).first()
        if quoted is None:
            raise ValidationError({"body": _("Le message cité n'existe pas dans cette discussion.")})
    message = _add_message(thread=thread, user=user, body=body, quoted=quoted, files=files)
    index_message(message, thread=thread)
    notifications.follow_set(user=user, target=thread, following=True)
    mentioned = _record_mentions(message=message, thread=thread, author=user)
    _notify_readers(thread=thread, message=message, author=user, exclude=[user, *mentioned], new_thread=False)
    return message


@transaction.atomic
def message_edit(*, user, message: Message, body: str, title: str | None = None) -> Message:
    """Change one's own message, keeping the previous text; the opening message may also retitle the thread."""
    _require(user, "community.edit_message", message)
    body = _clean_body(body)
    thread = message.thread
    new_title = _clean_title(title) if title is not None and message.position == 1 else None
    if body == message.body and (new_title is None or new_title == thread.title):
        return message
    MessageRevision.objects.create(message=message, body=message.body, edited_by=user)
    message.body = body
    message.body_html = render_markdown(body)
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "body_html", "edited_at"])
    if new_title is not None and new_title != thread.title:
        thread.title = new_title
        thread.save(update_fields=["title", "updated_at"])
    _touch(thread)
    index_message(message, thread=thread)
    _record_mentions(message=message, thread=thread, author=user)
    return message


@transaction.atomic
def message_hide(*, user, message: Message, reason: str) -> Message:
    """A moderator hides a message: it leaves the index and its author is told why."""
    _require(user, "community.hide_message", message)
    reason = _clean_reason(reason)
    if message.is_hidden:
        raise ValidationError(_("Ce message est déjà masqué."))
    thread = message.thread
    message.hidden_at, message.hidden_by, message.hidden_reason = timezone.now(), user, reason
    message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    Report.objects.filter(message=message, resolved_at__isnull=True).update(resolved_at=message.hidden_at)
    _touch(thread)
    index_message(message, thread=thread)
    audit_log(
        actor=user, action=Action.DISCUSSION_MESSAGE_HIDDEN, target=message, project_id=thread.project_id, reason=reason
    )
    if message.author_id and message.author_id != user.pk:
        notifications.notify(
            recipients=[message.author_id],
            verb="moderation",
            text=_french(
                lambda: (
                    _("Votre message dans « %(thread)s » a été masqué par la modération. Motif : %(reason)s")
                    % {"thread": thread, "reason": reason}
                )
            ),
            url=message.get_absolute_url(),
            actor=user,
            target=thread,
            immediate=True,
        )
    return message


@transaction.atomic
def message_restore(*, user, message: Message) -> Message:
    _require(user, "community.hide_message", message)
    if not message.is_hidden:
        return message
    message.hidden_at, message.hidden_by, message.hidden_reason = None, None, ""
    message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    _touch(message.thread)
    index_message(message)
    audit_log(
        actor=user, action=Action.DISCUSSION_MESSAGE_RESTORED, target=message, project_id=message.thread.project_id
    )
    return message


def _moderators_of(thread: Thread) -> list:
    from territoires.accounts.models import Membership

    memberships = Membership.objects.filter(role=Membership.Role.FACILITATOR, user__is_active=True)
    if thread.project_id:
        memberships = memberships.filter(organisation_id=thread.project.facilitator_organisation_id)
    return list(get_user_model().objects.filter(pk__in=memberships.values("user_id")))


@transaction.atomic
def message_report(*, user, message: Message, reason: str) -> Report:
    """Flag a message to the moderators (once per reader and message)."""
    _require(user, "community.report_message", message)
    reason = _clean_reason(reason)
    report, created = Report.objects.get_or_create(message=message, reporter=user, defaults={"reason": reason})
    if not created:
        raise ValidationError(_("Vous avez déjà signalé ce message ; la modération va l'examiner."))
    thread = message.thread
    moderators = [m for m in _moderators_of(thread) if community_rules.can_moderate_thread(m, thread)]
    notifications.notify(
        recipients=moderators,
        verb="report",
        text=_french(lambda: _("Un message de « %(thread)s » a été signalé à la modération") % {"thread": thread}),
        url=message.get_absolute_url(),
        actor=None,
        target=thread,
    )
    return report


@transaction.atomic
def thread_set_shared(*, user, thread: Thread, shared: bool) -> Thread:
    """Mark a project thread readable (or not) by observers, when the project shares marked threads."""
    if thread.project_id is None:
        raise ValidationError(_("Une discussion publique est déjà visible par tous."))
    if not (user.has_perm("community.moderate_thread", thread) or thread.author_id == user.pk):
        raise PermissionDenied
    _require(user, "community.reply_thread", thread)
    if thread.shared_with_observers != bool(shared):
        thread.shared_with_observers = bool(shared)
        thread.save(update_fields=["shared_with_observers", "updated_at"])
        index_thread(thread)
    return thread


@transaction.atomic
def project_space_set_observer_access(*, user, project, observer_access: str) -> ProjectSpace:
    """The project's facilitator decides what observers read; the search index follows at once."""
    _require(user, "community.manage_project_space", project)
    if observer_access not in Access.values:
        raise ValidationError({"observer_access": _("Choisissez une des options proposées.")})
    space, _created = ProjectSpace.objects.select_for_update().get_or_create(project=project)
    if space.observer_access == observer_access:
        return space
    space.observer_access = observer_access
    space.save(update_fields=["observer_access", "updated_at"])
    project._discussion_observer_access = observer_access
    audit_log(
        actor=user,
        action=Action.DISCUSSION_OBSERVER_ACCESS,
        target=space,
        project_id=project.pk,
        access=space.get_observer_access_display(),
    )
    # Narrowing access must take documents out of observers' search results in this transaction.
    for thread in Thread.objects.filter(project=project).select_related("project"):
        thread.project = project
        index_thread(thread)
    return space


@transaction.atomic
def report_resolve(*, user, report: Report) -> Report:
    _require(user, "community.hide_message", report.message)
    if report.resolved_at is None:
        report.resolved_at = timezone.now()
        report.save(update_fields=["resolved_at"])
    return report
