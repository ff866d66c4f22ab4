from django import template
from django.utils.safestring import mark_safe

from territoires.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return mark_safe(render_markdown(text))  # noqa: S308 — sanitised by nh3


@register.simple_tag(takes_context=True)
def nav_active(context, prefix):
    path = context["request"].path
    active = path == "/" if prefix == "/" else path.startswith(prefix)
    return mark_safe(' aria-current="page"') if active else ""


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def has_perm(context, permission, obj=None):
    """`{% has_perm "projects.view_committee" project as allowed %}`: rules checked in templates."""
    return context["request"].user.has_perm(permission, obj)


@register.filter
def long_date(value, with_weekday=False):
    """A date as people write it: "1er septembre 2021" in French (ordinal first day), "1 September 2021" in English."""
    from django.utils import formats, timezone, translation

    if not value:
        return ""
    if hasattr(value, "hour") and timezone.is_aware(value):
        value = timezone.localtime(value)
    text = formats.date_format(value, "l j F Y" if with_weekday else "j F Y")
    if translation.get_language() == "fr" and value.day == 1:
        text = text.replace(" 1 ", " 1er ", 1) if with_weekday else "1er" + text[1:]
    return text


@register.simple_tag(takes_context=True)
def module_tabs(context, project):
    """The sections that modules (resources, discussions, survey…) add to a project's navigation,
    limited to those the current user may open: a list of (label, url, key)."""
    from django.urls import reverse

    from territoires.core.registry import project_tabs

    user = context["request"].user
    return [
        (tab.label, reverse(tab.url_name, args=[project.slug]), tab.key)
        for tab in project_tabs()
        if tab.permission is None or user.has_perm(tab.permission, project)
    ]
