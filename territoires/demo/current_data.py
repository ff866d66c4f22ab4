"""The second, current shared project of the demo: school and municipal catering, in its diagnostic.

Beside the reference case (over since June 2022), it shows a project "en cours": three authorities
and an observer, a charter signed a few weeks ago, some diagnostic steps done, discussions, a recent
peer meeting and an upcoming one. Its dates are counted in days from the day the demo is loaded
(negative: in the past), so that it stays current: `current.load` moves them forward once they have
drifted by more than `REANCHOR_AFTER_DAYS`. Every "days" below counts from that day.

The towns and their INSEE codes are real; the people, the deliberations (numbers, dates, votes) and
everything the project did are illustrative, and the signatures say so.
"""

THEME_TITLE = "Une alimentation durable dans la restauration collective"
# The theme was proposed by Niort (data.THEMES); the other two towns voted for it.
THEME_INTERESTS = {"Guichen": -300, "Lorient": -270}
CONVERTED_DAYS = -150
LAUNCH_DAYS = -110
REANCHOR_AFTER_DAYS = 14

PROJECT = {
    "title": "Une alimentation durable dans la restauration collective",
    "summary": (
        "Niort, Guichen et Lorient repensent leurs cantines avec les familles, les cuisiniers et les "
        "producteurs : approvisionnement local, gaspillage, goût et participation des enfants."
    ),
    "description": (
        "## Objet\n\n"
        "Chaque collectivité établit un **diagnostic** de sa restauration collective (écoles, crèches, "
        "résidences pour personnes âgées) avec celles et ceux qui la font et la vivent : cuisiniers, "
        "agents de service, producteurs, parents, enfants. Elle **co-construit** ensuite un plan d'action "
        "qu'elle fait adopter par son exécutif.\n\n"
        "## Calendrier\n\n"
        "Diagnostic jusqu'à la fin de l'hiver, co-construction au printemps, adoption des plans avant l'été.\n\n"
        "*Projet de démonstration : les collectivités sont réelles, ce que le projet y fait est illustratif.*"
    ),
    "starts_on": LAUNCH_DAYS,
    "ends_on": LAUNCH_DAYS + 300,
}

TOWNS = [
    {
        "name": "Niort",
        "referent": "restauration.niort@ville.demo",
        "context": (
            "La ville sert environ 4 000 repas par jour dans ses écoles, préparés par une cuisine centrale "
            "(chiffres illustratifs). Elle veut augmenter la part des produits locaux et associer les "
            "familles au choix des menus."
        ),
        "landscape": (
            "- Une cuisine centrale et des offices dans chaque école\n"
            "- Des producteurs du Marais poitevin et de la plaine niortaise\n"
            "- Des associations de parents d'élèves actives"
        ),
        "points_of_attention": "Toucher les familles qui ne viennent pas aux réunions de parents d'élèves.",
        "steps": {"actor_map": -41, "interviews": -12},
    },
    {
        "name": "Guichen",
        "referent": "restauration.guichen@ville.demo",
        "context": (
            "Une cuisine sur place dans chaque groupe scolaire ; la commune veut mesurer le gaspillage et "
            "faire entrer les enfants dans les décisions de la cantine."
        ),
        "landscape": (
            "- Deux restaurants scolaires, cuisine sur place\n"
            "- Des maraîchers et éleveurs de Vallons de Haute-Bretagne Communauté\n"
            "- Un conseil municipal des enfants"
        ),
        "points_of_attention": "Le temps des agents de restauration pour participer aux ateliers.",
        "steps": {"actor_map": -38, "interviews": -9},
    },
    {
        "name": "Lorient",
        "referent": "restauration.lorient@ville.demo",
        "context": (
            "Une cuisine centrale municipale qui cuisine des produits bruts ; la ville veut ouvrir ses "
            "cuisines aux familles et aux producteurs du pays de Lorient."
        ),
        "landscape": (
            "- Une cuisine centrale et des restaurants scolaires\n"
            "- Des producteurs et pêcheurs du pays de Lorient\n"
            "- Des maisons de quartier partenaires"
        ),
        "points_of_attention": "Rendre compte aux familles de ce qui change dans l'assiette.",
        "steps": {"actor_map": -35},
    },
]

OBSERVER = {"name": "Angers", "days": -60}
# A request the facilitator has still to answer ("Mon espace").
PENDING_OBSERVER = {"name": "Poitiers", "requested_by": "referente.poitiers@ville.demo", "days": -3}

# Signatures: everything but the towns is illustrative; the charter is in force since the last one.
SIGNATURES = [
    {
        "party": "Niort",
        "recorded_by": "restauration.niort@ville.demo",
        "signatory_name": "Le maire de Niort",
        "signatory_title": "Maire, autorisé par le conseil municipal (délibération et votes illustratifs)",
        "signed_days": -88,
        "deliberation_days": -91,
        "deliberation_number": "D-{year}-412 (illustratif)",
        "votes": {
            "members_in_office": 45,
            "members_present": 43,
            "members_absent": 2,
            "votes_for": 42,
            "votes_against": 0,
            "abstentions": 1,
        },
    },
    {
        "party": "Guichen",
        "recorded_by": "restauration.guichen@ville.demo",
        "signatory_name": "Le maire de Guichen",
        "signatory_title": "Maire, autorisé par le conseil municipal (délibération et votes illustratifs)",
        "signed_days": -83,
        "deliberation_days": -86,
        "deliberation_number": "{year}-117 (illustratif)",
        "votes": {
            "members_in_office": 29,
            "members_present": 26,
            "members_absent": 3,
            "votes_for": 26,
            "votes_against": 0,
            "abstentions": 0,
        },
    },
    {
        "party": "Lorient",
        "recorded_by": "restauration.lorient@ville.demo",
        "signatory_name": "Le maire de Lorient",
        "signatory_title": "Maire, autorisé par le conseil municipal (délibération et votes illustratifs)",
        "signed_days": -77,
        "deliberation_days": -81,
        "deliberation_number": "DCM-{year}-208 (illustratif)",
        "votes": {
            "members_in_office": 49,
            "members_present": 46,
            "members_absent": 3,
            "votes_for": 44,
            "votes_against": 0,
            "abstentions": 2,
        },
    },
    {
        "party": "Agence nationale de la cohésion des territoires",
        "recorded_by": "animatrice@anct.demo",
        "signatory_name": "Le directeur général délégué",
        "signatory_title": "Pour l'Agence nationale de la cohésion des territoires, en comité de pilotage",
        "signed_days": -70,
    },
]

# The steering committee (the second meeting is still to come).
# The authorities' leads sit with the kind that the project's method names them (today the only one
# the committee knows, "cultural_lead"; see current.py).
MEETINGS = [
    {
        "title": "Comité de pilotage de lancement",
        "days": -70,
        "hour": 14,
        "place": "Visioconférence",
        "video_link": "https://webinaire.numerique.gouv.fr/",
        "agenda": (
            "1. Présentation des trois collectivités\n2. Signature de la charte par l'Agence\n"
            "3. Calendrier du diagnostic\n4. Semaine de pesée des restes"
        ),
        "minutes": (
            "Les trois conseils municipaux ayant délibéré, l'Agence signe la charte en séance : elle entre en "
            "vigueur ce jour. Chaque collectivité cartographie les acteurs de sa restauration collective "
            "d'ici six semaines ; une semaine de pesée des restes est organisée dans chaque ville."
        ),
        "decisions": [
            "Le diagnostic est conduit jusqu'à la fin de l'hiver ; restitution au comité de printemps.",
            "Une rencontre entre pairs est organisée à Lorient pour visiter la cuisine centrale.",
        ],
    },
    {
        "title": "Comité de pilotage : point d'étape du diagnostic",
        "days": 24,
        "hour": 10,
        "place": "Guichen, mairie",
        "video_link": "https://webinaire.numerique.gouv.fr/",
        "agenda": (
            "1. Cartographies des acteurs : ce qu'elles montrent\n2. Premiers entretiens\n"
            "3. Questionnaire aux familles : calendrier et canaux"
        ),
        "minutes": "",
        "decisions": [],
    },
]

NEWS = [
    {
        "title": "Trois collectivités repensent leur restauration collective avec les habitants",
        "summary": "Niort, Guichen et Lorient lancent un projet partagé sur l'alimentation durable dans leurs cantines.",
        "body": (
            "Le projet partagé **« Une alimentation durable dans la restauration collective »** réunit Niort, "
            "Guichen et Lorient, avec Angers comme collectivité observatrice.\n\n"
            "Pendant dix mois, chacune va établir avec les familles, les cuisiniers et les producteurs un "
            "diagnostic de ses cantines, puis construire un plan d'action adopté par son conseil municipal."
        ),
        "audience": "public",
        "author": "animatrice@anct.demo",
        "organisation": "Agence nationale de la cohésion des territoires",
        "days": LAUNCH_DAYS + 2,
    },
    {
        "title": "Semaine de pesée des restes : les premiers chiffres à Guichen",
        "summary": "Dans les deux restaurants scolaires, les enfants ont pesé eux-mêmes ce qui reste dans l'assiette.",
        "body": (
            "Pendant une semaine, les enfants des deux restaurants scolaires de Guichen ont trié et pesé les "
            "restes de leurs plateaux, avec les agents de service.\n\n"
            "Premier constat (chiffres de la démonstration, illustratifs) : le pain et les légumes cuits font "
            "plus de la moitié des restes. Les résultats seront discutés avec les familles au printemps."
        ),
        "audience": "public",
        "author": "restauration.guichen@ville.demo",
        "organisation": "Guichen",
        "days": -6,
    },
]

# Peer events: a recent one (held) and one to come, both open to the public so that the calendar and
# its iCal feed show them.
PAST_EVENT = {
    "title": "Visite de la cuisine centrale de Lorient",
    "kind": "peer_exchange",
    "description": (
        "Une matinée à la cuisine centrale de Lorient : comment une cuisine qui sert des milliers de repas "
        "travaille des produits bruts et locaux, et comment elle associe les familles."
    ),
    "days": -20,
    "hours": (9, 13),
    "place": "Cuisine centrale, Lorient",
    "audience": "public",
    "capacity": 25,
    "organiser": "animatrice@anct.demo",
    "published_days": -50,
    "notes": (
        "## Ce que nous avons retenu\n\n"
        "- Les menus sont construits avec les producteurs **une saison à l'avance**.\n"
        "- Les familles sont invitées à déjeuner à la cantine une fois par trimestre.\n\n"
        "## Participants\n\n"
        "Les référents des trois collectivités, l'observatrice d'Angers, l'ANCT."
    ),
    "registrations": [
        "restauration.niort@ville.demo",
        "restauration.guichen@ville.demo",
        "restauration.lorient@ville.demo",
    ],
}

UPCOMING_EVENT = {
    "title": "Rencontre entre pairs : associer les enfants et les familles au diagnostic",
    "kind": "peer_exchange",
    "description": (
        "Une rencontre en visioconférence pour comparer les façons d'associer enfants et familles au "
        "diagnostic de la restauration scolaire : conseils d'enfants, questionnaire aux familles, repas "
        "partagés. Ouverte à toute collectivité intéressée."
    ),
    "days": 18,
    "hours": (14, 16),
    "video_url": "https://webconf.numerique.gouv.fr/restauration-collective",
    "audience": "public",
    "capacity": 30,
    "organiser": "animatrice@anct.demo",
    "published_days": -15,
    "registrations": ["restauration.niort@ville.demo", "restauration.guichen@ville.demo"],
}

THREADS = [
    {
        "title": "Questionnaire aux familles : papier, en ligne ou à la sortie de l'école ?",
        "shared": True,
        "days": -30,
        "messages": [
            (
                "restauration.niort@ville.demo",
                "Bonjour à tous,\n\nÀ Niort, nous préparons le questionnaire aux familles. Notre crainte : "
                "n'avoir que les réponses des parents déjà investis. Comment allez-vous le diffuser ?",
            ),
            (
                "restauration.lorient@ville.demo",
                "À Lorient, nous le proposerons à la sortie des écoles, sur tablette, avec les animateurs "
                "périscolaires, et en papier dans le cartable pour les autres.",
            ),
            (
                "restauration.guichen@ville.demo",
                "Guichen le fera passer par le conseil municipal des enfants : ce sont eux qui interrogeront "
                "leurs parents. On vous dira si ça marche !",
            ),
        ],
    },
    {
        "title": "Cartographie des acteurs : qui avez-vous oublié ?",
        "shared": False,
        "days": -9,
        "messages": [
            (
                "restauration.guichen@ville.demo",
                "Notre carte des acteurs est faite, mais en la relisant nous avons oublié les agents de service "
                "qui surveillent la pause méridienne. Et chez vous ?",
            ),
            (
                "animatrice@anct.demo",
                "Bonne remarque : pensez aussi aux transporteurs et aux diététiciens. Nous en reparlerons au "
                "prochain comité de pilotage.",
            ),
        ],
    },
]

RESOURCE = {
    "author": "restauration.guichen@ville.demo",
    "territory": "Guichen",
    "days": -12,
    "data": {
        "kind": "method",
        "title": "Peser les restes avec les enfants : la méthode de Guichen",
        "summary": "Une semaine de pesée des restes menée par les enfants et les agents de service : matériel, déroulé, fiche de relevé.",
        "body": (
            "## Matériel\n\n"
            "Une balance de cuisine par restaurant, quatre bacs (pain, légumes, plat, dessert), une fiche de relevé.\n\n"
            "## Déroulé\n\n"
            "1. Les agents présentent la semaine aux enfants la veille.\n"
            "2. Chaque jour, deux enfants par service trient les restes et notent les poids.\n"
            "3. Le vendredi, les résultats sont affichés dans le restaurant et discutés en conseil des enfants.\n\n"
            "## Ce qu'on en fait\n\n"
            "Les chiffres nourrissent le diagnostic ; les enfants proposent eux-mêmes des pistes pour la co-construction."
        ),
        "licence": "cc-by-4.0",
        "tags": "gaspillage, enfants, restauration scolaire",
        "phase": "diagnostic",
        "visibility": "public",
    },
}
