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
    {"name": "Lorient", "insee_code": "56121", "population": 57000, "department_code": "56", "status": "accepted"},
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

# Everything below is the reference project's timeline, date by date. The public record gives
# Niort's deliberation (D-2021-317, 20 September 2021, 44 votes for) and the date of
# Mantes-la-Jolie's council (12 July 2021, see the town's context above); every other number, vote
# or date of a deliberation, and the signature dates, are ILLUSTRATIVE and say so where they show.

# Spring 2021: Niort proposes the theme, three towns vote for it; it becomes a project in June.
REFERENCE_THEME = {
    "description": (
        "Repenser la politique culturelle municipale en y associant les habitants, y compris ceux qui ne "
        "fréquentent pas les lieux culturels."
    ),
    "proposed_by": "Niort",
    "proposed_at": datetime.datetime(2021, 3, 15, 10, 0),
    "interests": {
        "Niort": datetime.datetime(2021, 3, 15, 10, 0),
        "Bourges": datetime.datetime(2021, 3, 29, 15, 20),
        "Guichen": datetime.datetime(2021, 4, 12, 9, 45),
        "Mantes-la-Jolie": datetime.datetime(2021, 5, 3, 11, 10),
    },
    "converted_at": datetime.datetime(2021, 6, 15, 10, 0),
}

LAUNCHED_AT = datetime.datetime(2021, 9, 1, 9, 0)
# The project ended in June 2022 (closing committee of 28 June 2022).
CLOSED = True

# Observers: when they asked, when the facilitator answered.
OBSERVER_DATES = {
    "Poitiers": (datetime.datetime(2021, 10, 18, 11, 0), datetime.datetime(2021, 10, 20, 9, 30)),
    "Angers": (datetime.datetime(2021, 11, 4, 16, 0), datetime.datetime(2021, 11, 8, 10, 0)),
    "Lorient": (datetime.datetime(2022, 3, 28, 14, 0), datetime.datetime(2022, 3, 30, 10, 0)),
}

# Every party signs in autumn 2021; the charter comes into force with the last signature, the
# agency's, at the launch committee of 12 October 2021.
SIGNATURES = [
    {
        "party": "Niort",
        "recorded_by": "referent.niort@ville.demo",
        "signatory_name": "Le maire de Niort",
        # The record gives the number, the date and the 44 votes for; the seat count and the
        # presence (one member absent) that make the votes add up are not in it.
        "signatory_title": (
            "Maire, autorisé par le conseil municipal (membres en exercice, présents et absents : chiffres "
            "illustratifs)"
        ),
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
            "members_present": 44,
            "members_represented": 0,
            "members_absent": 1,
        },
    },
    {
        "party": "Mantes-la-Jolie",
        "recorded_by": "referente.mantes@ville.demo",
        "signatory_name": "Le maire de Mantes-la-Jolie",
        # The council date (12 July 2021) is public; its number and votes are not.
        "signatory_title": (
            "Maire, autorisé par le conseil municipal du 12 juillet 2021 (numéro, votes et date de signature "
            "illustratifs)"
        ),
        "signed_on": datetime.date(2021, 9, 27),
        "deliberation": {
            "deliberation_number": "2021-07-12-14 (illustratif)",
            "deliberation_date": datetime.date(2021, 7, 12),
            "deliberative_body": "municipal_council",
            "members_in_office": 43,
            "votes_for": 37,
            "votes_against": 0,
            "abstentions": 2,
            "not_taking_part": 0,
            "members_present": 39,
            "members_represented": 0,
            "members_absent": 4,
        },
    },
    {
        "party": "Bourges",
        "recorded_by": "referente.bourges@ville.demo",
        "signatory_name": "Le maire de Bourges",
        "signatory_title": "Maire, autorisé par le conseil municipal (délibération et votes illustratifs)",
        "signed_on": datetime.date(2021, 10, 4),
        "deliberation": {
            "deliberation_number": "DEL-2021-198 (illustratif)",
            "deliberation_date": datetime.date(2021, 9, 30),
            "deliberative_body": "municipal_council",
            "members_in_office": 49,
            "votes_for": 41,
            "votes_against": 3,
            "abstentions": 2,
            "not_taking_part": 0,
            "members_present": 46,
            "members_represented": 0,
            "members_absent": 3,
        },
    },
    {
        "party": "Guichen",
        "recorded_by": "referent.guichen@ville.demo",
        "signatory_name": "Le maire de Guichen",
        "signatory_title": "Maire, autorisé par le conseil municipal (délibération et votes illustratifs)",
        "signed_on": datetime.date(2021, 10, 6),
        "deliberation": {
            "deliberation_number": "2021-089 (illustratif)",
            "deliberation_date": datetime.date(2021, 9, 28),
            "deliberative_body": "municipal_council",
            "members_in_office": 29,
            "votes_for": 27,
            "votes_against": 0,
            "abstentions": 0,
            "not_taking_part": 0,
            "members_present": 27,
            "members_represented": 0,
            "members_absent": 2,
        },
    },
    {
        "party": AGENCY["name"],
        "recorded_by": "animatrice@anct.demo",
        "signatory_name": "Le directeur général délégué",
        "signatory_title": (
            "Pour l'Agence nationale de la cohésion des territoires, en comité de pilotage (date illustrative)"
        ),
        "signed_on": datetime.date(2021, 10, 12),
        "deliberation": {},
    },
]
CHARTER_IN_FORCE_ON = max(signature["signed_on"] for signature in SIGNATURES)

# Kept for the tests and the bench that read Niort's public record.
NIORT_SIGNATURE = SIGNATURES[0]

# Themes proposed lately by the towns, still open to votes: dated so many days before the demo is
# loaded (they are current proposals, not part of the 2021 story).
THEMES = [
    {
        "title": "Revitaliser les centres-bourgs avec les commerçants et les habitants",
        "description": "Comment des petites villes peuvent-elles faire revivre leur centre en associant commerçants, propriétaires et habitants à un même plan ?",
        "by": "Guichen",
        "interested": ["Guichen", "Lorient", "Poitiers"],
        "proposed_days_ago": 74,
    },
    {
        "title": "Mobilités du quotidien dans les communes rurales",
        "description": "Construire avec les habitants des solutions de déplacement pour ceux qui n'ont pas de voiture : covoiturage, transport à la demande, vélo.",
        "by": "Bourges",
        "interested": ["Bourges", "Angers"],
        "proposed_days_ago": 23,
    },
    {
        "title": "Une alimentation durable dans la restauration collective",
        "description": "Approvisionnement local, lutte contre le gaspillage et participation des familles dans les cantines municipales.",
        "by": "Niort",
        "interested": ["Niort"],
        # Became the second, current shared project (see current_data.py).
        "proposed_days_ago": 330,
    },
]


# The steps each town completed, and when (codes from territoires.projects.phases): diagnostic
# from October 2021 to the January 2022 committee, co-design from February to April, plans adopted by
# each council in May–June 2022, feedback to residents and indicators before the closing committee
# of 28 June 2022, first review six months later. The adoption dates are illustrative.
def _steps(*dated):
    return {code: datetime.datetime(*moment) for code, moment in dated}


PROGRESS = {
    "Mantes-la-Jolie": _steps(
        ("actor_map", (2021, 11, 19, 17, 0)),
        ("interviews", (2021, 12, 14, 17, 0)),
        ("resident_survey", (2021, 12, 20, 12, 0)),
        ("diagnostic_synthesis", (2022, 1, 21, 16, 0)),
        ("method_choice", (2022, 1, 25, 17, 0)),
        ("divergence", (2022, 3, 12, 18, 0)),
        ("objectives", (2022, 4, 2, 18, 0)),
        ("convergence", (2022, 4, 23, 18, 0)),
        ("plan_drafted", (2022, 5, 20, 12, 0)),
        ("plan_adopted", (2022, 6, 20, 22, 0)),
        ("survey_group_mobilised", (2022, 6, 25, 10, 0)),
        ("feedback_published", (2022, 6, 27, 11, 0)),
        ("indicators_defined", (2022, 6, 28, 17, 0)),
        ("first_review", (2022, 12, 12, 15, 0)),
    ),
    "Niort": _steps(
        ("actor_map", (2021, 11, 5, 16, 0)),
        ("interviews", (2021, 12, 3, 16, 0)),
        ("resident_survey", (2021, 12, 17, 12, 0)),
        ("diagnostic_synthesis", (2022, 1, 20, 18, 0)),
        ("method_choice", (2022, 1, 25, 17, 0)),
        ("divergence", (2022, 2, 26, 17, 0)),
        ("objectives", (2022, 3, 19, 17, 0)),
        ("convergence", (2022, 4, 9, 17, 0)),
        ("plan_drafted", (2022, 5, 6, 12, 0)),
        ("plan_adopted", (2022, 5, 23, 21, 0)),
        ("survey_group_mobilised", (2022, 6, 4, 12, 0)),
        ("feedback_published", (2022, 6, 20, 10, 0)),
        ("indicators_defined", (2022, 6, 28, 17, 0)),
        ("first_review", (2022, 12, 5, 15, 0)),
    ),
    "Bourges": _steps(
        ("actor_map", (2021, 11, 12, 16, 0)),
        ("interviews", (2021, 12, 10, 16, 0)),
        ("resident_survey", (2021, 12, 17, 12, 0)),
        ("diagnostic_synthesis", (2022, 2, 3, 20, 0)),
        ("method_choice", (2022, 2, 4, 10, 0)),
        ("divergence", (2022, 3, 5, 17, 0)),
        ("objectives", (2022, 3, 26, 17, 0)),
        ("convergence", (2022, 4, 16, 17, 0)),
        ("plan_drafted", (2022, 5, 13, 12, 0)),
        ("plan_adopted", (2022, 6, 16, 22, 0)),
        ("survey_group_mobilised", (2022, 6, 18, 10, 0)),
        ("feedback_published", (2022, 6, 25, 10, 0)),
        ("indicators_defined", (2022, 6, 28, 17, 0)),
        ("first_review", (2022, 12, 8, 15, 0)),
    ),
    "Guichen": _steps(
        ("actor_map", (2021, 11, 9, 16, 0)),
        ("interviews", (2021, 12, 7, 16, 0)),
        ("resident_survey", (2021, 12, 18, 12, 0)),
        ("diagnostic_synthesis", (2022, 1, 18, 18, 0)),
        ("method_choice", (2022, 1, 25, 17, 0)),
        ("divergence", (2022, 3, 5, 12, 0)),
        ("objectives", (2022, 3, 26, 12, 0)),
        ("convergence", (2022, 4, 23, 12, 0)),
        ("plan_drafted", (2022, 5, 16, 12, 0)),
        ("plan_adopted", (2022, 6, 13, 21, 0)),
        ("survey_group_mobilised", (2022, 6, 18, 10, 0)),
        ("feedback_published", (2022, 6, 24, 10, 0)),
        ("indicators_defined", (2022, 6, 28, 17, 0)),
        ("first_review", (2022, 12, 9, 15, 0)),
    ),
}

# The steering committee. Titles identify the meetings: keep them, or the next `make demo` adds a copy.
MEETINGS = [
    {
        "title": "Comité de pilotage de lancement",
        "starts_at": datetime.datetime(2021, 10, 12, 14, 0),
        "place": "Visioconférence",
        "video_link": "https://webinaire.numerique.gouv.fr/",
        "agenda": (
            "1. Présentation des quatre villes et de leurs attentes\n2. Signature de la charte par l'Agence\n"
            "3. Calendrier du diagnostic\n4. Rôle du groupe enquête mixte"
        ),
        "minutes": (
            "Les quatre villes ont présenté leur contexte. Les quatre conseils municipaux ayant délibéré, "
            "l'Agence signe la charte en séance : elle entre en vigueur ce jour. Le calendrier du diagnostic "
            "est validé ; chaque ville constitue un groupe enquête mixte (élus, agents, société civile)."
        ),
        "decisions": [
            "Le diagnostic de chaque ville est conduit d'octobre 2021 à janvier 2022 ; restitution au comité de janvier.",
            "Chaque ville constitue et forme son groupe enquête mixte d'ici la fin novembre.",
        ],
    },
    {
        "title": "Comité de pilotage : restitution des diagnostics",
        "starts_at": datetime.datetime(2022, 1, 25, 10, 0),
        "place": "Niort, Port Boinot",
        "video_link": "",
        "agenda": "1. Restitution des diagnostics\n2. Choix des méthodes de co-construction\n3. Rencontres entre pairs",
        "minutes": (
            "Chaque ville a restitué son diagnostic (Bourges le présentera à ses habitants le 3 février). "
            "Méthodes retenues : une convention citoyenne à Mantes-la-Jolie et à Guichen, des ateliers par "
            "familles d'acteurs à Niort et à Bourges. La rencontre du 20 janvier à Niort a été jugée très utile : "
            "le comité en programme une seconde, à Guichen, sur le passage du diagnostic à la co-construction."
        ),
        "decisions": [
            "Les ateliers de co-construction se tiennent de février à avril 2022.",
            "Une rencontre entre pairs des quatre villes est organisée en mars 2022.",
        ],
        # The decision whose event the sharing demo holds (PEER_EVENT_DECIDED in sharing.py).
        "decided_event": "Rencontre entre pairs à Guichen : de la parole des habitants aux ateliers",
    },
    {
        "title": "Comité de pilotage : bilan de la co-construction",
        "starts_at": datetime.datetime(2022, 4, 26, 14, 0),
        "place": "Visioconférence",
        "video_link": "https://webinaire.numerique.gouv.fr/",
        "agenda": "1. Bilan des ateliers et conventions citoyennes\n2. Calendrier d'adoption des plans\n3. Indicateurs communs",
        "minutes": (
            "Les quatre villes ont convergé sur leurs actions. Les plans d'action seront rédigés en mai et "
            "soumis aux conseils municipaux de mai et juin. Le prestataire propose une grille d'indicateurs "
            "commune, que chaque ville complète de ses indicateurs propres."
        ),
        "decisions": [
            "Chaque plan d'action est soumis au conseil municipal avant la fin juin 2022.",
            "La grille d'indicateurs commune est adoptée ; chaque ville la complète d'ici le comité de clôture.",
            "Chaque groupe d'enquête est mobilisé en juin pour présenter aux habitants ce qui a été fait de leur parole.",
        ],
    },
    {
        "title": "Comité de pilotage de clôture",
        "starts_at": datetime.datetime(2022, 6, 28, 14, 0),
        "place": "Paris, Agence nationale de la cohésion des territoires",
        "video_link": "https://webinaire.numerique.gouv.fr/",
        "agenda": "1. Les quatre plans adoptés\n2. Retour aux habitants\n3. Suivi et évaluation\n4. Capitalisation",
        "minutes": (
            "Les quatre plans d'action sont adoptés (Niort le 23 mai, Guichen le 13 juin, Bourges le 16 juin, "
            "Mantes-la-Jolie le 20 juin ; dates illustratives). Les groupes d'enquête ont présenté les plans aux "
            "habitants dans les lieux où ils les avaient interrogés. Les indicateurs de suivi sont définis. "
            "Le projet partagé s'achève ; les villes poursuivent la mise en œuvre et se retrouveront pour un "
            "premier bilan en décembre."
        ),
        "decisions": [
            "Le projet partagé est clos au 30 juin 2022 ; les méthodes, outils et retours d'expérience restent publiés.",
            "Chaque ville présente un premier bilan de mise en œuvre en décembre 2022.",
        ],
    },
]
