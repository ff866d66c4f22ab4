"""The links of an actor on its card (templates/diagnostic/entry_detail.html), as the person
reading the card may see them (network.links_of_actor)."""

from django import template

from territoires.diagnostic import network, selectors
from territoires.diagnostic.models import Entry

register = template.Library()


@register.inclusion_tag("diagnostic/network/_actor_links.html", takes_context=True)
def actor_links(context, entry):
    if entry.kind != Entry.Kind.ACTOR:
        return {"shown": False}
    user = context["request"].user
    links = list(network.links_of_actor(user, entry)[:100])
    can_add = entry.territory_id in selectors.editable_territory_ids(user, entry.project)
    return {"shown": True, "entry": entry, "links": links, "can_add": can_add, "project": entry.project}
