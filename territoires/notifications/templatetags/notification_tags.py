from django import template

from territoires.notifications import services
from territoires.notifications.followables import followable_for

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications_count(context) -> int:
    """`{% unread_notifications_count as n %}`: for a header link to notifications:list."""
    request = context.get("request")
    if request is None:
        return 0
    cached = getattr(request, "_unread_notifications", None)
    if cached is None:
        cached = request._unread_notifications = services.unread_count(request.user)
    return cached


@register.inclusion_tag("notifications/_follow_button.html", takes_context=True)
def follow_button(context, target, label=""):
    """A "Suivre / Ne plus suivre" button for a followable object (nothing for visitors)."""
    request = context["request"]
    entry = followable_for(target)
    visible = request.user.is_authenticated and entry is not None
    return {
        "visible": visible,
        "kind": entry.key if entry else "",
        "target": target,
        "label": label or str(target),
        "following": visible and services.is_following(user=request.user, target=target),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
