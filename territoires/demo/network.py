"""The cooperation network of the demo: synthetic actors in each town and synthetic links between
them (and with the directory's synthetic actors), every one labelled as invented — "(fictif)" in
its name, `is_synthetic`, and its source "Fiche fictive de démonstration" — so that the network
page, its metrics and its exports have something to show. The links are drawn from a fixed seed:
the same demo gives the same network.

Idempotent: an actor is recognised by its territory, source and name; a link by its two actors,
kind and provenance.
"""

import random

from territoires.accounts.models import User
from territoires.demo.diagnostic import REFERENTS, SYNTHETIC
from territoires.diagnostic import network_services, services
from territoires.diagnostic.models import ActorFamily, Entry, Link
from territoires.projects.models import Participation

# (family, name): the same invented actors in each town, by family, so that links between families
# (culture and social action, for instance) show in the metrics' "brokers".
ACTORS = [
    ("Institutions culturelles", "Médiathèque de quartier (fictive)"),
    ("Institutions culturelles", "Conservatoire municipal (fiche fictive)"),
    ("Institutions culturelles", "Scène de musiques actuelles (fictive)"),
    ("Associations", "Amicale laïque (fictive)"),
    ("Associations", "Lire et faire lire (antenne fictive)"),
    ("Artistes et collectifs", "Collectif Graff'ici (fictif)"),
    ("Artistes et collectifs", "Compagnie Pas de côté (fictive)"),
    ("Acteurs sociaux et éducatifs", "Centre socioculturel (fictif)"),
    ("Acteurs sociaux et éducatifs", "Collège du Parc (fiche fictive)"),
    ("Entreprises", "Librairie Les Mots passants (fictive)"),
    ("Collectifs d'habitants", "Conseil citoyen (fictif)"),
    ("Services publics", "Service jeunesse de la ville (fictif)"),
    ("Services publics", "Maison France services (fiche fictive)"),
]
LINKS_PER_TOWN = 18
NOTE = "Lien fictif de démonstration."


def load(project) -> bool:
    facilitator = User.objects.filter(email="animatrice@anct.demo").first()
    territories = {
        p.organisation.name: p
        for p in Participation.objects.participants().filter(project=project).select_related("organisation")
    }
    if facilitator is None or not territories:
        return False
    services.families_for(project=project)
    families = {family.name: family for family in ActorFamily.objects.filter(project=project)}
    existing = set(Entry.objects.filter(project=project).values_list("territory_id", "source", "name"))
    created = False
    rng = random.Random(20211020)  # noqa: S311  (a fixed seed for a reproducible demo, not a secret)
    actors_by_town: dict[str, list[Entry]] = {}
    for town, territory in sorted(territories.items()):
        referent = User.objects.filter(email=REFERENTS.get(town, "")).first() or facilitator
        for family, name in ACTORS:
            if (territory.pk, SYNTHETIC, name) in existing or family not in families:
                continue
            services.entry_create(
                territory=territory, kind="actor", user=referent, source=SYNTHETIC, source_year=2021,
                publish=True, is_synthetic=True,
                data={"name": name, "family": families[family], "missions": "Acteur inventé pour la démonstration."},
            )  # fmt: skip
            created = True
        actors_by_town[town] = list(
            Entry.objects.current()
            .filter(territory=territory, kind=Entry.Kind.ACTOR, is_synthetic=True)
            .order_by("name", "pk")
        )

    known = set(Link.objects.filter(project=project).values_list("source_id", "target_id", "kind", "provenance"))
    kinds = [code for code, _label in Link.Kind.choices if code != Link.Kind.OTHER]
    provenances = [Link.Provenance.DECLARED, Link.Provenance.DECLARED, Link.Provenance.INTERVIEW]

    def link(source, target, kind, provenance, **data):
        nonlocal created
        if source.pk == target.pk or (source.pk, target.pk, kind, provenance) in known:
            return
        if (target.pk, source.pk, kind, provenance) in known:
            return
        network_services.link_create(
            source=source, target=target, user=facilitator, is_synthetic=True,
            data={"kind": kind, "provenance": provenance, "note": NOTE, **data},
        )  # fmt: skip
        known.add((source.pk, target.pk, kind, provenance))
        created = True

    for town in sorted(actors_by_town):
        actors = actors_by_town[town]
        if len(actors) < 3:
            continue
        # One actor per town stays without a link: the metrics show "isolated actors" too.
        linked = actors[:-1]
        for _index in range(LINKS_PER_TOWN):
            source, target = rng.sample(linked, 2)
            kind = rng.choice(kinds)
            directed = kind in (Link.Kind.FUNDING, Link.Kind.VENUE_LOAN, Link.Kind.TRAINING)
            start = rng.choice([None, 2015, 2018, 2019, 2020, 2021])
            link(
                source, target, kind, rng.choice(provenances),
                direction=Link.Direction.DIRECTED if directed else Link.Direction.MUTUAL,
                intensity=rng.choice([1, 2, 2, 3]), start_year=start,
            )  # fmt: skip
    # A few links between towns: the project is also a network of territories.
    towns = sorted(town for town, actors in actors_by_town.items() if len(actors) > 1)
    for first, second in zip(towns, towns[1:], strict=False):
        link(
            actors_by_town[first][0], actors_by_town[second][0], Link.Kind.TRAINING, Link.Provenance.DECLARED,
            direction=Link.Direction.MUTUAL, intensity=1, start_year=2022,
        )  # fmt: skip
    # An object of engagement co-organised by three actors: its links are derived, not typed.
    if "Niort" in territories and len(actors_by_town.get("Niort", [])) >= 3:
        name = "Festival des quartiers (fictif)"
        if (territories["Niort"].pk, SYNTHETIC, name) not in existing:
            services.entry_create(
                territory=territories["Niort"], kind="engagement", user=facilitator, source=SYNTHETIC,
                source_year=2022, publish=True, is_synthetic=True,
                data={"name": name, "engagement_type": "festival", "involved": actors_by_town["Niort"][2:5],
                      "description": "Festival inventé pour la démonstration."},
            )  # fmt: skip
            created = True
    derived, _removed = network_services.links_derive_from_engagements(project=project)
    return created or bool(derived)
