from territoires.diagnostic import network_services
from territoires.diagnostic.models import Link
from tests.diagnostic.helpers import family, make_entry


def make_actor(world, name, *, index=0, publish=True, family_name="Associations", **data):
    return make_entry(
        world, "actor", index=index, publish=publish, name=name, family=family(world, family_name), **data
    )


def make_link(world, source, target, *, kind=Link.Kind.COPRODUCTION, provenance=Link.Provenance.DECLARED, **data):
    return network_services.link_create(
        source=source,
        target=target,
        user=world.facilitator,
        data={"kind": kind, "provenance": provenance, **data},
    )
