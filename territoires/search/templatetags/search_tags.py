from urllib.parse import urlencode

from django import template

register = template.Library()


def _base_query(context) -> dict:
    """The request's parameters as a plain dict, built once per page (a page has dozens of facet links)."""
    base = context.get("_facet_base_query")
    if base is None:
        base = {key: value for key, value in context["request"].GET.items() if key != "page"}
        context.dicts[0]["_facet_base_query"] = base
    return base


@register.simple_tag(takes_context=True)
def facet_query(context, field, value, selected=False):
    """The current query string with one facet value toggled on or off, back to the first page."""
    query = dict(_base_query(context))
    if selected:
        query.pop(field, None)
    else:
        query[field] = value
    return urlencode(query)


@register.simple_tag(takes_context=True)
def without_filters(context, *keep):
    """The current query string keeping only the given parameters (to clear every facet)."""
    return urlencode({key: value for key, value in context["request"].GET.items() if key in keep})


@register.simple_tag(takes_context=True)
def query_with_q(context, query):
    """The current query string (filters kept) searching for another query, back to the first page."""
    return urlencode({**_base_query(context), "q": query})
