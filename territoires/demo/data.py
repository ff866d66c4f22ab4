"""The reference case: "Concevoir l'action culturelle municipale avec les habitants" (2021–2022).

Public facts come from the towns' published deliberations and presentations; people, e-mail
addresses and the consultancy are fictitious demo accounts.
"""

import datetime

DEMO_PASSWORD = "territoires-demo-2021"

AGENCY = {"name": "Agence nationale de la cohésion des territoires", "kind": "national_agency"}
CONSULTANCY = {"name": "Atelier Culture & Territoires (prestataire fictif)", "kind": "consultancy"}

TOWNS = [
    {
        "name": "Mantes-la-Jolie",
        "insee_code": "78361",
        "population": 44000,
        "department_code": "78",
        "context": (
            "Ville-centre du Mantois, dans les Yvelines, au bord de la Seine. La municipalité a ouvert "
            "une démarche d'**Assises de la Culture** pour redéfinir sa politique culturelle avec les "
            "habitants, les associations et les équipements du territoire.\n\n"
            "Le conseil municipal a approuvé la participation au projet partagé le 12 juillet 2021."
        ),
        "cultural_landscape": (
            "- Assises de la Culture : ateliers et rencontres ouverts aux habitants\n"
            "- Équipements municipaux de lecture publique, d'enseignement artistique et de spectacle\n"
            "- Un tissu associatif actif dans les quartiers"
        ),
        "points_of_attention": "Associer les quartiers prioritaires et les publics qui ne fréquentent pas les équipements culturels.",
    },
    {
        "name": "Niort",
        "insee_code": "79191",
        "population": 60000,
        "department_code": "79",
        "context": (
            "Préfecture des Deux-Sèvres, environ 60 000 habitants au cœur d'une agglomération d'environ "
            "120 000 habitants. La ville a engagé une réflexion sur sa politique culturelle à l'échelle "
            "de la commune et de ses quartiers."
        ),
        "cultural_landscape": (
            "- **Port Boinot**, site patrimonial réaménagé au bord de la Sèvre niortaise\n"
            "- **Chapelle Saint-Hilaire**, lieu d'exposition\n"
            "- **Villa Pérochon**, centre d'art contemporain photographique\n"
            "- Des équipements de quartier et de nombreuses associations culturelles"
        ),
        "points_of_attention": "Articuler la politique municipale avec celle de l'agglomération.",
    },
    {
        "name": "Bourges",
        "insee_code": "18033",
        "population": 64000,
        "department_code": "18",
        "context": (
            "Préfecture du Cher, ville d'art et d'histoire, candidate au titre de **Capitale européenne "
            "de la culture 2028**. La candidature s'appuie sur la participation des habitants, "
            "notamment à travers « **Les Debouts de la culture** »."
        ),
        "cultural_landscape": (
            "- Une candidature Capitale européenne de la culture 2028 portée avec le territoire\n"
            "- « Les Debouts de la culture » : rencontres et contributions d'habitants\n"
            "- Un patrimoine classé et des festivals de renommée nationale"
        ),
        "points_of_attention": "Faire converger le projet partagé et la dynamique de candidature.",
    },
    {
        "name": "Guichen",
        "insee_code": "35126",
        "population": 8700,
        "department_code": "35",
        "context": (
            "Commune d'Ille-et-Vilaine au sud-ouest de Rennes, dans l'agglomération de Vallons de "
            "Haute-Bretagne Communauté. Une vie associative très dense : plus de 120 associations."
        ),
        "cultural_landscape": (
            "- **Espace Galatée**, centre culturel\n"
            "- **La Chouette**, nouvel équipement culturel ouvert en octobre 2021\n"
            "- Plus de 120 associations"
        ),
        "points_of_attention": "Faire vivre le nouvel équipement avec les habitants dès son ouverture.",
    },
]

OBSERVERS = [
    {"name": "Poitiers", "insee_code": "86194", "population": 89000, "department_code": "86", "status": "accepted"},
    {"name": "Angers", "insee_code": "49007", "population": 157000, "department_code": "49", "status": "accepted"},
    {"name": "Lorient", "insee_code": "56121", "population": 57000, "department_code": "56", "status": "requested"},
]

PROJECT = {
    "title": "Concevoir l'action culturelle municipale avec les habitants",
    "summary": (
        "Mantes-la-Jolie, Niort, Bourges et Guichen redéfinissent leur politique culturelle municipale "
        "avec leurs habitants — publics et non-publics — et apprennent les unes des autres."
    ),
    "description": (
        "## Objet\n\n"
        "Chaque ville conduit un **diagnostic territorial** (cartes d'acteurs, entretiens, enquête auprès "
        "des habitants, y compris ceux qui ne fréquentent pas les lieux culturels), puis **co-construit** "
        "un plan d'action avec ses habitants, le fait **adopter** par son exécutif et **rend compte** aux "
        "habitants de ce qui a été fait de leur parole.\n\n"
        "## Accompagnement\n\n"
        "L'Agence anime le projet et le comité de pilotage ; un prestataire accompagne le diagnostic et "
        "les ateliers dans les quatre villes."
    ),
    "starts_on": datetime.date(2021, 9, 1),
    "ends_on": datetime.date(2022, 6, 30),
}

NIORT_SIGNATURE = {
    "signatory_name": "Le maire de Niort",
    "signatory_title": "Maire, autorisé par le conseil municipal",
    "signed_on": datetime.date(2021, 9, 20),
    "deliberation": {
        "deliberation_number": "D-2021-317",
        "deliberation_date": datetime.date(2021, 9, 20),
        "deliberative_body": "municipal_council",
        "members_in_office": 45,
        "votes_for": 44,
        "votes_against": 0,
        "abstentions": 0,
        "not_taking_part": 0,
        "excused": 1,
    },
}

THEMES = [
    {
        "title": "Revitaliser les centres-bourgs avec les commerçants et les habitants",
        "description": "Comment des petites villes peuvent-elles faire revivre leur centre en associant commerçants, propriétaires et habitants à un même plan ?",
        "by": "Guichen",
        "interested": ["Guichen", "Lorient", "Poitiers"],
    },
    {
        "title": "Mobilités du quotidien dans les communes rurales",
        "description": "Construire avec les habitants des solutions de déplacement pour ceux qui n'ont pas de voiture : covoiturage, transport à la demande, vélo.",
        "by": "Bourges",
        "interested": ["Bourges", "Angers"],
    },
    {
        "title": "Une alimentation durable dans la restauration collective",
        "description": "Approvisionnement local, lutte contre le gaspillage et participation des familles dans les cantines municipales.",
        "by": "Niort",
        "interested": ["Niort"],
    },
]

# Steps done by each town (codes from territoires.projects.phases).
PROGRESS = {
    "Mantes-la-Jolie": [
        "actor_map",
        "interviews",
        "resident_survey",
        "diagnostic_synthesis",
        "method_choice",
        "divergence",
    ],
    "Niort": [
        "actor_map",
        "interviews",
        "resident_survey",
        "diagnostic_synthesis",
        "method_choice",
        "divergence",
        "objectives",
        "convergence",
        "plan_drafted",
    ],
    "Bourges": ["actor_map", "interviews", "resident_survey", "diagnostic_synthesis", "method_choice"],
    "Guichen": ["actor_map", "interviews", "resident_survey"],
}

MEETINGS = [
    {
        "title": "Comité de pilotage de lancement",
        "starts_at": datetime.datetime(2021, 10, 12, 14, 0),
        "place": "Visioconférence",
        "video_link": "https://webinaire.numerique.gouv.fr/",
        "agenda": "1. Présentation des quatre villes et de leurs attentes\n2. Calendrier du diagnostic\n3. Rôle du groupe enquête mixte",
        "minutes": "Les quatre villes ont présenté leur contexte. Le calendrier du diagnostic est validé ; chaque ville constitue un groupe enquête mixte (élus, agents, société civile).",
        "decisions": [
            "Le diagnostic de chaque ville est conduit d'octobre à décembre 2021.",
            "Chaque ville constitue un groupe enquête mixte d'ici fin octobre.",
        ],
    },
    {
        "title": "Comité de pilotage : restitution des diagnostics",
        "starts_at": datetime.datetime(2022, 1, 25, 10, 0),
        "place": "Niort, Port Boinot",
        "video_link": "",
        "agenda": "1. Restitution des diagnostics\n2. Choix des méthodes de co-construction",
        "minutes": "Chaque ville a restitué son diagnostic. Les méthodes retenues varient : ateliers thématiques à Niort, conférence de consensus à Bourges, ateliers par famille d'acteurs à Guichen et à Mantes-la-Jolie.",
        "decisions": [
            "Les ateliers de co-construction se tiennent de février à avril 2022.",
            "Une rencontre entre pairs des quatre villes est organisée en mars 2022.",
        ],
    },
]
