"""The directory of the four towns: their real venues from the Ministry of Culture's and the CNC's
open data (territoires/diagnostic/data/venues/), the places the project's public record names, and a
few synthetic actors and objects, labelled as such, so that every kind of card has something to show.

Idempotent: an entry is recognised by its territory, source and name.
"""

import datetime

from territoires.accounts.models import User
from territoires.diagnostic import services, venues
from territoires.diagnostic.models import ActorFamily, Entry
from territoires.projects.models import Participation

RECORD = "Dossier public du projet partagé (ANCT)"
RECORD_YEAR = 2022
SYNTHETIC = "Fiche fictive de démonstration"

RECORD_PLACES = {
    "Niort": [
        {"name": "Port Boinot", "basilic_type": "espace_public", "neighbourhood": "Centre-ville",
         "description": "Ancienne usine de chamoiserie au bord de la Sèvre, devenue jardin et lieu de rencontres ; "
                        "le comité de pilotage s'y est réuni."},
        {"name": "Chapelle Saint-Hilaire", "basilic_type": "monument", "bpe_code": "F312",
         "neighbourhood": "Saint-Hilaire", "description": "Chapelle devenue lieu d'exposition."},
        {"name": "Villa Pérochon", "basilic_type": "centre_art", "bpe_code": "F312",
         "description": "Centre d'art contemporain photographique."},
    ],
    "Guichen": [
        {"name": "Espace Galatée", "basilic_type": "salle_spectacle", "bpe_code": "F308",
         "description": "Salle de spectacle et centre culturel de la commune."},
    ],
}  # fmt: skip

# (town, family, name, legal form, missions, audiences, neighbourhood, contact, published)
SYNTHETIC_ACTORS = [
    ("Niort", "Associations", "Quartiers en scène (association fictive)", "association",
     "Ateliers de théâtre dans les quartiers, spectacles de fin d'année.", "Enfants et familles du Clou-Bouchet",
     "Clou-Bouchet", "Camille Martin", True),
    ("Niort", "Collectifs d'habitants", "Collectif des jardins de la Sèvre (fictif)", "informal",
     "Jardins partagés et fêtes de quartier au bord de la Sèvre.", "Habitants du centre-ville", "Centre-ville",
     "Sami Benali", False),
    ("Bourges", "Acteurs sociaux et éducatifs", "Centre social des Gibjoncs (fiche fictive)", "association",
     "Accueil de loisirs, accompagnement scolaire, sorties culturelles.", "Familles, jeunes de 11 à 17 ans",
     "Gibjoncs", "Nadia Roux", True),
    ("Guichen", "Artistes et collectifs", "Compagnie de la Vilaine (fictive)", "association",
     "Création et diffusion de spectacles de rue, résidences au collège.", "Collégiens, tout public",
     "Centre-bourg", "Louis Le Goff", True),
    ("Mantes-la-Jolie", "Associations", "Val Fourré en musique (association fictive)", "association",
     "École de musique associative et scène ouverte mensuelle.", "Jeunes du Val Fourré", "Val Fourré",
     "Inès Diallo", True),
]  # fmt: skip

REFERENTS = {
    "Niort": "referent.niort@ville.demo",
    "Bourges": "referente.bourges@ville.demo",
    "Guichen": "referent.guichen@ville.demo",
    "Mantes-la-Jolie": "referente.mantes@ville.demo",
}


def load(project) -> bool:
    facilitator = User.objects.filter(email="animatrice@anct.demo").first()
    if facilitator is None:
        return False
    territories = {
        p.organisation.name: p
        for p in Participation.objects.participants().filter(project=project).select_related("organisation")
    }
    if not territories:
        return False
    services.families_for(project=project)
    families = {family.name: family for family in ActorFamily.objects.filter(project=project)}
    existing = set(Entry.objects.filter(project=project).values_list("territory_id", "source", "name"))
    created = False

    def add(territory, kind, data, *, source, year, publish=True, synthetic=False, ref="", user=facilitator):
        nonlocal created
        if (territory.pk, source, data["name"]) in existing:
            return Entry.objects.filter(territory=territory, source=source, name=data["name"]).first()
        created = True
        entry = services.entry_create(
            territory=territory, kind=kind, user=user, data=data, source=source, source_year=year,
            publish=publish, is_synthetic=synthetic, source_ref=ref,
        )  # fmt: skip
        existing.add((territory.pk, source, data["name"]))
        return entry

    communes = {p.organisation.insee_code: name for name, p in territories.items() if p.organisation.insee_code}
    for row in venues.all_venues(communes):
        territory = (
            territories[row.commune_name]
            if row.commune_name in territories
            else territories[communes[row.commune_insee]]
        )
        data = {"name": row.name, "description": row.description, "address": row.address,
                "latitude": row.latitude, "longitude": row.longitude, "website": row.website}  # fmt: skip
        if row.kind == "place":
            data.update(basilic_type=row.basilic_type, bpe_code=row.bpe_code, capacity=row.capacity)
        else:
            data.update(engagement_type=row.engagement_type)
        add(territory, row.kind, data, source=row.source, year=venues.SOURCE_YEAR, ref=row.source_ref)

    for town, places in RECORD_PLACES.items():
        if town in territories:
            for place in places:
                add(territories[town], "place", dict(place), source=RECORD, year=RECORD_YEAR)

    actors = {}
    for town, family, name, legal_form, missions, audiences, neighbourhood, contact, published in SYNTHETIC_ACTORS:
        if town not in territories or family not in families:
            continue
        referent = User.objects.filter(email=REFERENTS[town]).first() or facilitator
        actors[town] = add(
            territories[town], "actor",
            {"name": name, "family": families[family], "legal_form": legal_form, "missions": missions,
             "audiences": audiences, "neighbourhood": neighbourhood, "contact_name": contact,
             "contact_email": f"{contact.split()[0].lower()}@exemple.demo"},
            source=SYNTHETIC, year=2021, publish=published, synthetic=True, user=referent,
        )  # fmt: skip

    if "Niort" in territories and "Niort" in actors:
        niort = territories["Niort"]
        boinot = Entry.objects.filter(territory=niort, name="Port Boinot").first()
        involved = [entry for entry in (actors["Niort"], boinot) if entry is not None]
        add(
            niort, "engagement",
            {"name": "Veillées de quartier au Port Boinot (fictives)", "engagement_type": "programme",
             "description": "Trois soirées de lectures et de musique préparées avec les habitants.",
             "starts_on": datetime.date(2022, 5, 14), "ends_on": datetime.date(2022, 6, 18), "involved": involved},
            source=SYNTHETIC, year=2022, synthetic=True,
        )  # fmt: skip
    return created
