"""Template helpers of the survey builder pages."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def optional_url(name, *args):
    """The URL of a page another part of the survey module provides, or "" while it does not exist
    (the list page then leaves the link out rather than failing)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
