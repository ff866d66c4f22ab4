"""The reference project's resource base: the charter, three method guides, data sets, reports.

Published by the demo referents, the consultant and the facilitator, with dates in the project's
calendar (September 2021 – June 2022). The CSV of cultural venues and the PDF synthesis are built
at load time (no binary file in the repository). Idempotent: a resource is identified by its title.
"""

import csv
import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from territoires.accounts.models import User
from territoires.library.models import Resource, ResourceRevision
from territoires.library.services import resource_create, resource_reindex
from territoires.projects.models import Participation

Kind, Visibility = Resource.Kind, Resource.Visibility

INTERVIEW_GUIDE = """\
Ce guide sert aux **entretiens semi-directifs** du diagnostic territorial : une heure environ avec un
acteur culturel, associatif, éducatif ou social, ou avec un·e habitant·e. Il laisse la personne
dérouler son propos ; les relances servent à couvrir les thèmes, pas à les imposer.

## Avant l'entretien

- Présenter la démarche : la ville repense sa politique culturelle **avec ses habitants**.
- Demander l'accord pour l'enregistrement ; préciser que les propos seront anonymisés.
- Noter le contexte : lieu, durée, fonction de la personne, quartier.

## Grille de thèmes

1. **Parcours et rôle** : « Pouvez-vous me raconter comment vous êtes arrivé·e à faire ce que vous
   faites aujourd'hui sur le territoire ? »
2. **Pratiques culturelles** : ce que la personne fréquente, ce qu'elle ne fréquente plus, pourquoi.
3. **Lieux** : les lieux où « il se passe quelque chose » — médiathèques, salles, cafés, places,
   jardins partagés — et ceux qu'on évite.
4. **Coopérations** : avec qui la personne travaille, ce qui facilite ou freine ces coopérations.
5. **Représentations** : « Pour vous, qu'est-ce que la culture à Niort / Bourges / Guichen / Mantes ? »
6. **Attentes** : ce qui manque, ce qu'il faudrait arrêter, ce que la personne serait prête à porter.

## Relances utiles

- « Pouvez-vous me donner un exemple ? »
- « Qui d'autre faudrait-il rencontrer à ce sujet ? »
- « Qu'est-ce qui vous a surpris ? »

## Après l'entretien

Rédiger dans les 48 heures une fiche de synthèse (une page) et coder les verbatims selon la grille
commune aux quatre territoires, pour que les analyses croisées restent possibles.
"""

SURVEY_GROUP_GUIDE = """\
Le **groupe d'enquête** réunit des élu·es, des agent·es et des membres de la société civile qui vont à
la rencontre des habitants, en priorité de celles et ceux qu'on entend le moins : jeunes, personnes
âgées isolées, habitants des quartiers prioritaires, non-publics des équipements culturels.

## Composer le groupe

- 8 à 15 personnes, dont au moins un tiers hors de l'administration municipale.
- Des binômes mixtes (un·e agent·e, un·e habitant·e ou bénévole associatif).

## Préparer les sorties

| Étape | Qui | Quand |
|---|---|---|
| Formation au questionnaire (2 h) | prestataire | semaine 1 |
| Repérage des lieux de passage | groupe | semaine 1 |
| Sorties en binôme (marchés, sorties d'école, halls d'immeubles, arrêts de bus) | binômes | semaines 2 à 5 |
| Point d'étape et ajustement des quotas | référent·e | semaine 3 |

## Sur le terrain

- Se présenter, dire pourquoi on est là, proposer le questionnaire (10 minutes) sur tablette ou papier.
- Les questionnaires papier sont saisis le soir même ; la tablette fonctionne hors connexion.
- Noter aussi les refus et leurs raisons : c'est une donnée.

## Revenir vers les habitants

Le groupe est mobilisé une seconde fois, une fois le plan d'action adopté, pour montrer aux
habitants ce qui a été fait de leurs réponses.
"""

CREATIVITY_WORKSHOP_GUIDE = """\
Un **atelier de créativité** de trois heures, pour 15 à 30 participants (habitants, acteurs culturels,
agents, élus), qui suit le cycle **divergence → objectifs → convergence**.

## 1. Divergence et imagination (60 min)

- Brise-glace : « La dernière fois que la culture vous a surpris dans votre ville ».
- Idéation en sous-groupes de 5 : **quantité avant qualité**, aucune critique, rebondir sur les idées
  des autres. Chaque idée sur un post-it, une phrase, un verbe.
- Technique du « et si… ? » : et si la médiathèque ouvrait le dimanche ? et si les habitants
  programmaient une saison ?

## 2. Objectifs et critères de réussite (45 min)

Regrouper les idées par familles, puis formuler pour chaque famille un objectif et deux ou trois
critères de réussite observables (« 30 % des participants ne fréquentaient aucun équipement »).

## 3. Convergence sur les actions (60 min)

- Vote pondéré : chaque participant dispose de 5 gommettes.
- Les trois actions retenues par famille sont décrites sur une fiche : public, lieu, partenaires,
  moyens, calendrier, indicateurs.

## Matériel

Post-it, gommettes, feutres, grandes feuilles, minuteur, un·e animateur·rice par sous-groupe.

## Et après ?

Les fiches actions rejoignent le plan d'action du territoire ; les participants reçoivent le compte
rendu sous quinze jours.
"""

CULTURAL_VENUES = [
    ("Mantes-la-Jolie", "78361", "Médiathèque Georges-Duhamel", "médiathèque", 1),
    ("Mantes-la-Jolie", "78361", "Conservatoire à rayonnement départemental", "enseignement artistique", 1),
    ("Mantes-la-Jolie", "78361", "Collégiale Notre-Dame", "patrimoine", 1),
    ("Mantes-la-Jolie", "78361", "Salles municipales de quartier", "salle de quartier", 4),
    ("Niort", "79191", "Médiathèque Pierre-Moinot", "médiathèque", 1),
    ("Niort", "79191", "Port Boinot", "site patrimonial", 1),
    ("Niort", "79191", "Chapelle Saint-Hilaire", "lieu d'exposition", 1),
    ("Niort", "79191", "Villa Pérochon", "centre d'art", 1),
    ("Niort", "79191", "Maisons de quartier", "salle de quartier", 8),
    ("Bourges", "18033", "Médiathèque de Bourges", "médiathèque", 3),
    ("Bourges", "18033", "Maison de la culture", "scène nationale", 1),
    ("Bourges", "18033", "Palais Jacques-Cœur", "patrimoine", 1),
    ("Bourges", "18033", "Salles de quartier", "salle de quartier", 5),
    ("Guichen", "35126", "Espace Galatée", "centre culturel", 1),
    ("Guichen", "35126", "La Chouette", "médiathèque", 1),
    ("Guichen", "35126", "École de musique intercommunale", "enseignement artistique", 1),
]


def _venues_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["commune", "code_insee", "lieu", "categorie", "nombre"])
    writer.writerows(CULTURAL_VENUES)
    return buffer.getvalue().encode("utf-8")


def _synthesis_pdf(town: str) -> bytes:
    from weasyprint import HTML

    html = f"""
    <html lang="fr"><head><meta charset="utf-8"><style>
      body {{ font-family: sans-serif; font-size: 11pt; }} h1 {{ color: #000091; }}
    </style></head><body>
    <h1>Synthèse du diagnostic culturel — {town}</h1>
    <p>Document de travail de l'équipe du territoire, janvier 2022.</p>
    <h2>Ce que disent les habitants</h2>
    <ul><li>Les médiathèques sont les lieux les plus cités, y compris par les non-publics.</li>
    <li>Les horaires et le coût sont les premiers freins évoqués.</li>
    <li>Les jeunes attendent des lieux où « faire » plutôt que « voir ».</li></ul>
    <h2>Pistes pour la co-construction</h2>
    <p>Associer les maisons de quartier ; ouvrir des temps de programmation partagée.</p>
    </body></html>"""
    return HTML(string=html).write_pdf()


# What is public record and what is not, said where the signatures are told.
CHARTER_RECORD_NOTE = (
    "*Données de démonstration : la délibération de Niort (n° D-2021-317 du 20 septembre 2021, 44 voix pour) "
    "et la date du conseil municipal de Mantes-la-Jolie (12 juillet 2021) viennent du registre public ; les "
    "autres numéros de délibération, votes, nombres de membres en exercice et dates de signature sont "
    "illustratifs.*"
)


def _at(year, month, day):
    return timezone.make_aware(datetime.datetime(year, month, day, 10, 0))


def load(project) -> bool:
    users = {user.email: user for user in User.objects.filter(email__endswith=".demo")}
    if not users:
        return False
    territories = {
        p.organisation.name: p
        for p in Participation.objects.participants().filter(project=project).select_related("organisation")
    }
    themes = [project.theme] if project.theme_id else []
    charter_url = reverse("projects:charter_detail", args=[project.slug])
    entries = [
        {
            "author": "animatrice@anct.demo",
            "published": _at(2021, 10, 1),
            "data": {
                "kind": Kind.DOCUMENT,
                "title": "Charte du projet partagé « Concevoir l'action culturelle municipale avec les habitants »",
                "summary": "Les engagements de l'Agence et des quatre collectivités, signés à l'automne 2021.",
                "body": (
                    "La charte fixe l'objet du projet partagé, les engagements de l'ANCT et des collectivités, "
                    "la gouvernance (comité de pilotage) et les conditions de retrait.\n\n"
                    f"[Lire la charte et l'état des signatures]({charter_url})\n\n"
                    "Chaque collectivité s'y engage notamment à **publier les connaissances, données, méthodes "
                    "et outils** produits pendant le projet : c'est l'objet de ce centre de ressources.\n\n"
                    "Les cinq parties l'ont signée à l'automne 2021 : Niort le 20 septembre, Mantes-la-Jolie le "
                    "27 septembre, Bourges le 4 octobre, Guichen le 6 octobre et l'Agence le 12 octobre, jour de "
                    "son entrée en vigueur.\n\n"
                    f"{CHARTER_RECORD_NOTE}"
                ),
                "licence": Resource.Licence.ETALAB_2,
                "tags": "charte, gouvernance, engagements",
                "visibility": Visibility.PUBLIC,
            },
        },
        {
            "author": "consultante@prestataire.demo",
            "published": _at(2021, 10, 18),
            "data": {
                "kind": Kind.METHOD,
                "title": "Guide d'entretien semi-directif",
                "summary": "La grille commune aux quatre territoires pour les entretiens du diagnostic : thèmes, relances, synthèse.",
                "body": INTERVIEW_GUIDE,
                "licence": Resource.Licence.CC_BY_4,
                "tags": "entretien, diagnostic, grille",
                "phase": "diagnostic",
                "visibility": Visibility.PUBLIC,
            },
        },
        {
            "author": "consultante@prestataire.demo",
            "published": _at(2021, 11, 8),
            "data": {
                "kind": Kind.METHOD,
                "title": "Guide du groupe d'enquête",
                "summary": "Composer un groupe d'enquête mixte et aller à la rencontre des habitants qu'on entend le moins.",
                "body": SURVEY_GROUP_GUIDE,
                "licence": Resource.Licence.CC_BY_SA_4,
                "tags": "enquête, habitants, non-publics",
                "phase": "diagnostic",
                "visibility": Visibility.PUBLIC,
            },
        },
        {
            "author": "animatrice@anct.demo",
            "published": _at(2022, 2, 14),
            "data": {
                "kind": Kind.METHOD,
                "title": "Guide d'atelier de créativité",
                "summary": "Trois heures pour passer des idées des habitants à des actions : divergence, objectifs, convergence.",
                "body": CREATIVITY_WORKSHOP_GUIDE,
                "licence": Resource.Licence.ETALAB_2,
                "tags": "atelier, créativité, co-construction",
                "phase": "codesign",
                "visibility": Visibility.PUBLIC,
            },
        },
        {
            "author": "consultante@prestataire.demo",
            "published": _at(2021, 12, 6),
            "files": [("lieux-culturels-par-commune.csv", _venues_csv)],
            "data": {
                "kind": Kind.DATASET,
                "title": "Lieux culturels par commune",
                "summary": "Médiathèques, salles de quartier, lieux patrimoniaux et d'exposition recensés dans les quatre villes (CSV).",
                "body": (
                    "Recensement réalisé pendant le diagnostic, à partir des données des villes.\n\n"
                    "| Colonne | Contenu |\n|---|---|\n| commune | nom de la commune |\n"
                    "| code_insee | code officiel géographique |\n| lieu | nom du lieu ou de l'ensemble |\n"
                    "| categorie | médiathèque, salle de quartier, patrimoine… |\n| nombre | nombre de lieux |"
                ),
                "licence": Resource.Licence.ETALAB_2,
                "tags": "données, équipements, médiathèques",
                "phase": "diagnostic",
                "visibility": Visibility.PUBLIC,
            },
        },
        {
            "author": "referent.niort@ville.demo",
            "published": _at(2022, 1, 20),
            "territory": "Niort",
            "files": [("synthese-diagnostic-niort.pdf", lambda: _synthesis_pdf("Niort"))],
            "data": {
                "kind": Kind.REPORT,
                "title": "Synthèse du diagnostic culturel de Niort (document de travail)",
                "summary": "Ce que disent les habitants niortais, les freins relevés et les pistes pour la co-construction.",
                "body": "Document de travail de l'équipe municipale, avant validation par l'exécutif.",
                "licence": Resource.Licence.ALL_RIGHTS_RESERVED,
                "tags": "diagnostic, synthèse",
                "phase": "diagnostic",
                "visibility": Visibility.TERRITORY,
            },
        },
        {
            "author": "referente.bourges@ville.demo",
            "published": _at(2022, 1, 28),
            "territory": "Bourges",
            "data": {
                "kind": Kind.REPORT,
                "title": "Compte rendu des entretiens collectifs de Bourges",
                "summary": "Trois entretiens collectifs avec des associations de quartier, des enseignants et des jeunes.",
                "body": (
                    "## Points saillants\n\n- Les associations demandent des lieux de répétition partagés.\n"
                    "- Les jeunes connaissent mal l'offre des médiathèques.\n"
                    "- La candidature Capitale européenne de la culture 2028 mobilise, mais reste lointaine pour beaucoup."
                ),
                "licence": Resource.Licence.ALL_RIGHTS_RESERVED,
                "tags": "entretiens collectifs, jeunesse",
                "phase": "diagnostic",
                "visibility": Visibility.PROJECT,
            },
        },
        {
            "author": "referent.guichen@ville.demo",
            "published": _at(2022, 3, 10),
            "territory": "Guichen",
            "data": {
                "kind": Kind.TESTIMONY,
                "title": "« La Chouette, c'est notre salon » : paroles d'habitants de Guichen",
                "summary": "Des habitants racontent comment ils se sont approprié le nouvel équipement culturel ouvert en 2021.",
                "body": (
                    "> « On vient pour le wifi, on reste pour les concerts. » — un lycéen\n\n"
                    "> « Je n'étais jamais entrée dans une médiathèque avant La Chouette. » — une habitante\n\n"
                    "Recueillis par le groupe d'enquête lors des sorties de novembre 2021."
                ),
                "licence": Resource.Licence.CC_BY_4,
                "tags": "témoignages, médiathèque, habitants",
                "phase": "diagnostic",
                "visibility": Visibility.PUBLIC,
            },
        },
        {
            "author": "animatrice@anct.demo",
            "published": _at(2022, 4, 4),
            "data": {
                "kind": Kind.WEB_LINK,
                "title": "Conférence de consensus et convention citoyenne : repères",
                "summary": "Deux méthodes de délibération citoyenne comparées, pour choisir sa méthode de co-construction.",
                "body": "Une fiche de repères pour le choix de la méthode (phase de co-construction).",
                "external_url": "https://www.vie-publique.fr/",
                "licence": Resource.Licence.ETALAB_2,
                "tags": "méthode, délibération",
                "phase": "codesign",
                "visibility": Visibility.PUBLIC,
            },
        },
        {
            "author": "referente.mantes@ville.demo",
            "published": None,
            "drafted": _at(2021, 11, 15),
            "territory": "Mantes-la-Jolie",
            "data": {
                "kind": Kind.DOCUMENT,
                "title": "Programme des Assises de la Culture (brouillon)",
                "summary": "Le programme des rencontres ouvertes aux habitants, en cours de rédaction.",
                "body": "À compléter avec les dates des ateliers de quartier.",
                "licence": Resource.Licence.ETALAB_2,
                "visibility": Visibility.PUBLIC,
            },
        },
    ]
    existing = {resource.title: resource for resource in Resource.objects.filter(project=project)}
    created = False
    for entry in entries:
        if entry["data"]["title"] in existing:
            created |= _converge_text(existing[entry["data"]["title"]], entry["data"])
            created |= _date_draft(existing[entry["data"]["title"]], entry.get("drafted"))
            continue
        if entry["author"] not in users:
            continue
        files = [
            SimpleUploadedFile(name, build(), content_type="application/octet-stream")
            for name, build in entry.get("files", [])
        ]
        resource = resource_create(
            user=users[entry["author"]],
            data={**entry["data"], "project": project, "territory": territories.get(entry.get("territory"))},
            themes=themes,
            files=files,
            publish=entry["published"] is not None,
        )
        if entry["published"] is not None:
            # Dates in the project's calendar rather than the day the demo was loaded.
            Resource.objects.filter(pk=resource.pk).update(
                published_at=entry["published"], created_at=entry["published"], published_year=entry["published"].year
            )
            ResourceRevision.objects.filter(resource=resource).update(edited_at=entry["published"])
            resource.refresh_from_db()
            resource_reindex(resource)
        _date_draft(resource, entry.get("drafted"))
        created = True
    return created


def _converge_text(resource: Resource, values: dict) -> bool:
    """A resource loaded by an older demo takes the story's summary and text (its first version too,
    so that the history does not show an edit nobody made); found again by search."""
    if (resource.summary, resource.body) == (values["summary"], values["body"]):
        return False
    Resource.objects.filter(pk=resource.pk).update(summary=values["summary"], body=values["body"])
    if resource.revisions.count() == 1:
        resource.revisions.update(summary=values["summary"], body=values["body"])
    resource.refresh_from_db()
    resource_reindex(resource)
    return True


def _date_draft(resource: Resource, drafted) -> bool:
    """A draft never published keeps the date it was written in the project's calendar."""
    if drafted is None or resource.is_published or resource.created_at == drafted:
        return False
    Resource.objects.filter(pk=resource.pk).update(created_at=drafted)
    ResourceRevision.objects.filter(resource=resource).update(edited_at=drafted)
    return True
