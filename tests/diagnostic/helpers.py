from territoires.diagnostic import services
from territoires.diagnostic.models import ActorFamily


def territory_of(world, index=0):
    return world.project.participations.get(organisation=world.towns[index])


def family(world, name="Associations"):
    services.families_for(project=world.project)
    return ActorFamily.objects.get(project=world.project, name=name)


def make_entry(world, kind="actor", *, index=0, publish=True, user=None, **data):
    territory = territory_of(world, index)
    defaults = {
        "actor": {"name": "Association des Quatre Vents", "family": family(world), "contact_name": "Alix Secret"},
        "place": {"name": "Salle des fêtes", "basilic_type": "salle_spectacle"},
        "engagement": {"name": "Fête du quartier", "engagement_type": "event"},
    }[kind]
    return services.entry_create(
        territory=territory,
        kind=kind,
        user=user or world.referents[index],
        data={**defaults, **data},
        publish=publish,
    )
