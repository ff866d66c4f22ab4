from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from territoires.notifications import services
from territoires.notifications.followables import followable, followable_for_model
from territoires.notifications.forms import EmailPreferenceForm
from territoires.notifications.models import EmailPreference, Follow, Notification
from territoires.projects.views.common import id_from


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
def notification_list(request):
    show = request.GET.get("afficher")
    notifications = Notification.objects.filter(recipient=request.user).select_related("actor")
    if show == "non-lues":
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notification_list.html",
        {"page_obj": page, "show": show, "unread": services.unread_count(request.user)},
    )


@login_required
def notification_open(request, pk):
    """Mark one's own notification read, then go to what it speaks of."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    if url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_read(request):
    raw_ids = request.POST.getlist("id")
    ids = None if not raw_ids else [i for i in (id_from(value) for value in raw_ids[:100]) if i]
    count = services.notifications_mark_read(user=request.user, ids=ids)
    if count:
        messages.success(request, _("Notifications marquées comme lues."))
    return redirect(_safe_next(request, reverse("notifications:list")))


@login_required
def preferences(request):
    mode = services.email_mode_of(request.user)
    form = EmailPreferenceForm(request.POST or None, initial={"mode": mode})
    if request.method == "POST" and form.is_valid():
        services.email_preference_set(user=request.user, mode=form.cleaned_data["mode"])
        messages.success(request, _("Vos préférences de courriel sont enregistrées."))
        return redirect("notifications:preferences")
    follows = Follow.objects.filter(user=request.user).select_related("target_type")
    page = Paginator(follows, 25).get_page(request.GET.get("page"))
    _attach_targets(page.object_list, request.user)
    return render(request, "notifications/preferences.html", {"form": form, "page_obj": page})


def _attach_targets(follows, user) -> None:
    """Load each followed object with one query per kind of object (not one per follow); an object
    the user can no longer see (e.g. after leaving a project) is not named."""
    by_type: dict = {}
    for follow in follows:
        by_type.setdefault(follow.target_type, []).append(follow)
    for target_type, items in by_type.items():
        model = target_type.model_class()
        entry = followable_for_model(model) if model else None
        objects = entry.objects().in_bulk([item.target_id for item in items]) if entry else {}
        for item in items:
            item.target = objects.get(item.target_id)
            item.kind_key = entry.key if entry else ""
            item.kind_label = model._meta.verbose_name if model else ""
            item.visible = item.target is not None and entry.can_see(user, item.target)


@login_required
@require_POST
def follow_toggle(request):
    entry = followable(request.POST.get("kind", ""))
    target_id = id_from(request.POST.get("id"))
    if entry is None or target_id is None:
        raise Http404
    target = entry.objects().filter(pk=target_id).first()
    following = request.POST.get("following") == "1"
    visible = target is not None and entry.can_see(request.user, target)
    # An object the user cannot see is answered like one that does not exist; one may still stop
    # following what one no longer sees (e.g. after leaving a project).
    if not visible and (following or target is None or not services.is_following(user=request.user, target=target)):
        raise Http404
    services.follow_set(user=request.user, target=target, following=following)
    if following:
        messages.success(request, _("Vous suivez désormais « %(target)s ».") % {"target": target})
    elif visible:
        messages.success(request, _("Vous ne suivez plus « %(target)s ».") % {"target": target})
    else:
        messages.success(request, _("Abonnement supprimé."))
        return redirect(reverse("notifications:preferences"))
    fallback = target.get_absolute_url() if hasattr(target, "get_absolute_url") else reverse("notifications:list")
    return redirect(_safe_next(request, fallback))


def _unsubscribe_done(request, user):
    try:
        services.email_preference_set(user=user, mode=EmailPreference.Mode.NONE)
    except ValidationError:  # pragma: no cover — the mode is a constant
        raise Http404 from None
    return render(request, "notifications/unsubscribe.html", {"done": True, "email": user.email})


@csrf_exempt  # checked below: only the RFC 8058 one-click body goes without a CSRF token
def unsubscribe(request, token):
    user = services.user_from_unsubscribe_token(token)
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        # RFC 8058: a mail client's one-click POST carries exactly "List-Unsubscribe=One-Click", with no
        # session nor CSRF token (the signed token is the proof). Any other POST is the confirmation
        # form of the page below, and goes through the CSRF check like every form of the site.
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return _unsubscribe_done(request, user)
        return csrf_protect(_unsubscribe_done)(request, user)
    return render(
        request,
        "notifications/unsubscribe.html",
        {"email": user.email, "already": services.email_mode_of(user) == EmailPreference.Mode.NONE},
    )
