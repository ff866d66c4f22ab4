from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def facet_query(context, field, value, selected=False):
    """The current query string with one facet value toggled on or off, back to the first page."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    if selected:
        query.pop(field, None)
    else:
        query[field] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def without_filters(context, *keep):
    """The current query string keeping only the given parameters (to clear every facet)."""
    query = context["request"].GET.copy()
    for key in list(query):
        if key not in keep:
            query.pop(key)
    return query.urlencode()
