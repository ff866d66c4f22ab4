"""The reference project's news, peer events and lessons learned (idempotent: identified by title).

News and lessons go through the services (so lessons are indexed for search and followers are told);
the peer events, all held in 2022, are recorded as they happened, since the service only schedules
future events. Among them, the peer meeting that the steering committee of 25 January 2022 decided.
"""

import datetime

from django.utils import timezone

from territoires.accounts.models import Organisation, User
from territoires.demo.loader import set_fields
from territoires.library.models import Resource
from territoires.sharing import services
from territoires.sharing.models import Lesson, NewsPost, PeerEvent, Registration, Status


def _at(year, month, day, hour=10, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


NEWS = [
    {
        "title": "Lancement du projet partagé dans les quatre villes",
        "summary": "Mantes-la-Jolie, Niort, Bourges et Guichen repensent leur politique culturelle avec leurs habitants.",
        "body": (
            "Le projet partagé **« Concevoir l'action culturelle municipale avec les habitants »** a été lancé "
            "le 1er septembre 2021, animé par l'Agence nationale de la cohésion des territoires avec l'appui "
            "d'un cabinet de conseil.\n\n"
            "Pendant dix mois, les quatre villes vont :\n\n"
            "- dresser un diagnostic de leur territoire (acteurs, lieux, pratiques, représentations) ;\n"
            "- aller à la rencontre des habitants, y compris de ceux qui ne fréquentent pas les lieux culturels ;\n"
            "- construire avec eux un plan d'action, adopté ensuite par chaque conseil municipal.\n\n"
            "Les méthodes et les outils produits seront publiés sur la plateforme, sous Licence Ouverte."
        ),
        "audience": NewsPost.Audience.PUBLIC,
        "author": "animatrice@anct.demo",
        "organisation": "Agence nationale de la cohésion des territoires",
        "published_at": _at(2021, 9, 2),
    },
    {
        "title": "Le groupe d'enquête de Niort est constitué",
        "summary": "Vingt-deux personnes, élus, agents et habitants, iront à la rencontre des Niortais.",
        "body": (
            "Le groupe d'enquête mixte de Niort réunit **22 personnes** : 4 élus, 7 agents de la ville "
            "(médiathèques, centres socioculturels, service jeunesse) et 11 habitants volontaires, dont "
            "plusieurs membres de conseils de quartier.\n\n"
            "Formé les 16 et 17 novembre 2021, il administrera le questionnaire sur les usages culturels "
            "au marché des Halles, à la sortie des écoles et dans les quartiers du Clou-Bouchet et de la "
            "Tour-Chabot, où la fréquentation des équipements est la plus faible.\n\n"
            "Les collectivités observatrices trouveront le guide du groupe d'enquête dans les ressources du projet."
        ),
        "audience": NewsPost.Audience.OBSERVERS,
        "author": "referent.niort@ville.demo",
        "organisation": "Niort",
        "published_at": _at(2021, 11, 22),
    },
    {
        "title": "Restitution du diagnostic aux habitants de Bourges",
        "summary": "Plus de 1 100 questionnaires et 14 entretiens collectifs : les premiers enseignements partagés.",
        "body": (
            "Le 3 février 2022, à la Maison de la culture, la ville de Bourges a présenté aux habitants les "
            "résultats du diagnostic : **1 134 questionnaires** recueillis, dont un tiers auprès de personnes "
            "qui déclarent ne fréquenter aucun équipement culturel, et 14 entretiens collectifs.\n\n"
            "Trois constats ont été discutés :\n\n"
            "1. la culture « de proximité » (fêtes de quartier, pratiques amateurs) est très présente mais peu "
            "reconnue ;\n"
            "2. les horaires et le coût du transport pèsent plus que le prix des billets ;\n"
            "3. les jeunes adultes attendent des lieux où « faire » plutôt que « voir ».\n\n"
            "Ces constats ouvrent la phase de co-construction du plan d'action."
        ),
        "audience": NewsPost.Audience.PUBLIC,
        "author": "referente.bourges@ville.demo",
        "organisation": "Bourges",
        "published_at": _at(2022, 2, 7),
    },
    {
        "title": "Point d'étape pour les collectivités observatrices : la co-construction commence",
        "summary": "Ateliers par familles d'acteurs à Niort et à Bourges, conventions citoyennes à Mantes-la-Jolie et Guichen.",
        "body": (
            "Les quatre villes entrent dans la phase de co-construction. Mantes-la-Jolie et Guichen ont choisi "
            "une convention citoyenne ; Niort et Bourges travailleront par familles d'acteurs.\n\n"
            "Comme l'a décidé le comité de pilotage du 25 janvier, une rencontre entre pairs se tiendra le "
            "24 mars 2022 à Guichen, sur le passage du diagnostic aux ateliers. Elle est ouverte aux collectivités "
            "observatrices et à toute personne intéressée (inscription sur la page des rencontres)."
        ),
        "audience": NewsPost.Audience.OBSERVERS,
        "author": "animatrice@anct.demo",
        "organisation": "Agence nationale de la cohésion des territoires",
        "published_at": _at(2022, 3, 1),
    },
    {
        "title": "Les quatre plans d'action sont adoptés",
        "summary": "Niort, Guichen, Bourges et Mantes-la-Jolie ont adopté leur plan d'action culturelle entre mai et juin 2022.",
        "body": (
            "Dix mois après son lancement, le projet partagé s'achève : chaque conseil municipal a adopté le "
            "plan d'action construit avec les habitants (Niort le 23 mai, Guichen le 13 juin, Bourges le 16 juin, "
            "Mantes-la-Jolie le 20 juin — *dates de la démonstration, illustratives*).\n\n"
            "Les groupes d'enquête sont retournés dans les lieux où ils avaient interrogé les habitants pour leur "
            "présenter ce qui a été retenu de leurs réponses. Les méthodes, les outils et les retours d'expérience "
            "restent publiés sur la plateforme, sous licence ouverte."
        ),
        "audience": NewsPost.Audience.PUBLIC,
        "author": "animatrice@anct.demo",
        "organisation": "Agence nationale de la cohésion des territoires",
        "published_at": _at(2022, 6, 30),
    },
    {
        "title": "Six mois après : premier bilan des plans d'action culturelle",
        "summary": "Les quatre villes ont présenté un premier bilan de la mise en œuvre de leurs plans.",
        "body": (
            "Comme convenu au comité de clôture, les quatre villes ont fait en décembre 2022 un premier bilan de "
            "leurs plans d'action, à partir des indicateurs définis en juin : premières actions engagées, "
            "partenaires mobilisés, habitants associés au suivi.\n\n"
            "Ce bilan clôt le suivi partagé ; chaque ville poursuit l'évaluation de son plan."
        ),
        "audience": NewsPost.Audience.PUBLIC,
        "author": "animatrice@anct.demo",
        "organisation": "Agence nationale de la cohésion des territoires",
        "published_at": _at(2022, 12, 13),
    },
]

EVENTS = [
    {
        "title": "Rencontre entre pairs : aller vers les habitants qui ne viennent pas",
        "kind": PeerEvent.Kind.PEER_EXCHANGE,
        "description": (
            "Une journée à Niort pour comparer les façons d'aller à la rencontre des non-publics : "
            "visite du quartier du Clou-Bouchet avec le groupe d'enquête, puis échanges entre les quatre "
            "villes sur leurs questionnaires et leurs premiers retours."
        ),
        "starts_at": _at(2022, 1, 20, 9, 30),
        "ends_at": _at(2022, 1, 20, 16, 30),
        "place": "Centre socioculturel du Clou-Bouchet, Niort",
        "audience": PeerEvent.Audience.MEMBERS,
        "capacity": 25,
        "organiser": "animatrice@anct.demo",
        "notes": (
            "## Ce que nous avons retenu\n\n"
            "- **Les lieux du quotidien** (marché, sortie d'école, laverie) donnent trois fois plus de réponses "
            "que les équipements culturels.\n"
            "- Les binômes **élu + habitant** ouvrent plus de portes que les agents seuls.\n"
            "- Les questionnaires trop longs découragent : Bourges a réduit le sien de 42 à 25 questions.\n\n"
            "## Décisions\n\n"
            "1. Chaque ville partage son questionnaire dans les ressources du projet avant le 1er février.\n"
            "2. Une séance d'analyse de pratiques sera consacrée à la posture des enquêteurs bénévoles.\n\n"
            "## Participants\n\n"
            "Les référents des quatre villes, six membres des groupes d'enquête, l'ANCT et le cabinet."
        ),
        "resources": ["Guide du groupe d'enquête", "Guide d'entretien semi-directif"],
        "registrations": [
            "referent.niort@ville.demo",
            "referente.mantes@ville.demo",
            "referente.bourges@ville.demo",
            "referent.guichen@ville.demo",
            "consultante@prestataire.demo",
        ],
        "published_at": _at(2021, 12, 15),
    },
    {
        "title": "Analyse de pratiques : la posture des enquêteurs bénévoles",
        "kind": PeerEvent.Kind.PRACTICE_ANALYSIS,
        "description": (
            "Séance de deux heures, en visioconférence, animée par le cabinet. À partir de situations vécues "
            "par les groupes d'enquête (un refus, une conversation qui dérive, une demande d'aide sociale), "
            "nous analyserons ensemble la posture de l'enquêteur bénévole.\n\n"
            "Chaque ville apporte une situation ; les collectivités observatrices sont les bienvenues. "
            "Places limitées pour garder des échanges de qualité : au-delà, liste d'attente."
        ),
        "starts_at": _at(2022, 2, 15, 14, 0),
        "ends_at": _at(2022, 2, 15, 16, 0),
        "video_url": "https://webconf.numerique.gouv.fr/analyse-pratiques-culture",
        "audience": PeerEvent.Audience.OBSERVERS,
        "capacity": 6,
        "organiser": "consultante@prestataire.demo",
        "registrations": [
            "referent.niort@ville.demo",
            "referente.mantes@ville.demo",
            "referent.guichen@ville.demo",
            "referente.poitiers@ville.demo",
            "agent.niort@ville.demo",
        ],
        "published_at": _at(2022, 1, 31),
        "notes": (
            "## Situations analysées\n\n"
            "- Un refus poli mais ferme, à la sortie d'une école de Mantes-la-Jolie.\n"
            "- Une conversation qui dérive vers le stationnement, au marché des Halles de Niort.\n"
            "- Une demande d'aide sociale, à Guichen : l'enquêtrice ne savait pas vers qui orienter.\n\n"
            "## Ce que nous retenons\n\n"
            "Une liste des services à qui orienter les personnes, remise à chaque binôme ; le droit, pour "
            "l'enquêteur bénévole, de mettre fin poliment à un entretien."
        ),
    },
    # The peer meeting that the committee of 25 January 2022 decided (data.MEETINGS[1]).
    {
        "title": "Rencontre entre pairs à Guichen : de la parole des habitants aux ateliers",
        "kind": PeerEvent.Kind.PEER_EXCHANGE,
        "description": (
            "Une journée à La Chouette, à Guichen, pour passer du diagnostic à la co-construction : comment "
            "transformer ce que les habitants ont dit en questions pour les ateliers et les conventions "
            "citoyennes ? Les quatre villes présentent leur méthode ; l'après-midi, atelier croisé.\n\n"
            "Ouverte aux collectivités observatrices et à toute personne intéressée par la démarche."
        ),
        "starts_at": _at(2022, 3, 24, 9, 30),
        "ends_at": _at(2022, 3, 24, 16, 30),
        "place": "La Chouette, Guichen",
        "audience": PeerEvent.Audience.PUBLIC,
        "capacity": 40,
        "organiser": "animatrice@anct.demo",
        "published_at": _at(2022, 2, 1),
        "notes": (
            "## Ce que nous avons retenu\n\n"
            "- Partir des **mots des habitants** (verbatims) plutôt que des chiffres pour ouvrir un atelier.\n"
            "- Inviter aux ateliers les personnes rencontrées par le groupe d'enquête, par le même binôme.\n"
            "- Les conventions citoyennes de Guichen et de Mantes-la-Jolie partagent leur kit d'animation.\n\n"
            "## Participants\n\n"
            "Les référents des quatre villes, deux collectivités observatrices, l'ANCT et le cabinet : 31 personnes."
        ),
        "resources": ["Guide d'atelier de créativité"],
        "registrations": [
            "referent.guichen@ville.demo",
            "referent.niort@ville.demo",
            "referente.mantes@ville.demo",
            "referente.bourges@ville.demo",
            "referente.poitiers@ville.demo",
            "consultante@prestataire.demo",
        ],
    },
]


LESSONS = [
    {
        "title": "Aller vers les non-publics avec un groupe d'enquête mixte",
        "territory": "Niort",
        "author": "referent.niort@ville.demo",
        "summary": (
            "À Niort, un groupe d'élus, d'agents et d'habitants a recueilli la parole de ceux que la ville "
            "n'entendait jamais sur sa politique culturelle."
        ),
        "context": (
            "Niort voulait refonder sa politique culturelle, mais ses enquêtes habituelles ne touchaient que "
            "les usagers des équipements. Le diagnostic du projet partagé prévoyait un **groupe d'enquête "
            "mixte** chargé d'aller vers les habitants, en particulier dans les quartiers prioritaires du "
            "Clou-Bouchet et de la Tour-Chabot."
        ),
        "what_worked": (
            "- Un groupe **vraiment mixte** : 4 élus, 7 agents, 11 habitants ; les habitants enquêteurs ont "
            "obtenu les entretiens les plus longs.\n"
            "- Deux demi-journées de formation avec mises en situation, plutôt qu'une note écrite.\n"
            "- Les **lieux du quotidien** : marché des Halles, sorties d'école, laverie, arrêt de bus.\n"
            "- Un questionnaire court (25 questions, 10 minutes) sur tablette, avec une version papier."
        ),
        "obstacles": (
            "- Les élus se sont moins rendus disponibles en semaine qu'annoncé.\n"
            "- Certaines personnes ont pris l'enquêteur pour un agent des services sociaux.\n"
            "- La saisie des questionnaires papier a pris trois semaines à un agent."
        ),
        "solutions": (
            "- Des créneaux le samedi matin, où les élus étaient présents.\n"
            "- Un badge et une phrase d'accroche communs : « La ville vous demande votre avis sur la culture, "
            "pas sur autre chose. »\n"
            "- La collecte hors ligne sur tablette, synchronisée le soir."
        ),
        "open_questions": (
            "Comment garder le groupe mobilisé après le diagnostic, pour montrer aux habitants ce que la ville "
            "a fait de leur parole ?"
        ),
        "resources": ["Guide du groupe d'enquête"],
    },
    {
        "title": "Associer les habitants dès le diagnostic",
        "territory": "Guichen",
        "author": "referent.guichen@ville.demo",
        "summary": (
            "À Guichen, les habitants ont participé au diagnostic lui-même, et pas seulement à la "
            "consultation sur des propositions déjà écrites."
        ),
        "context": (
            "Petite ville de 9 000 habitants au sud de Rennes, Guichen dispose d'un centre culturel, "
            "La Chouette, et d'un tissu associatif dense. L'équipe craignait qu'une consultation tardive ne "
            "fasse que valider des choix déjà faits."
        ),
        "what_worked": (
            "- Des **ateliers d'écriture** où les habitants ont raconté leur rôle d'acteurs de la vie "
            "culturelle locale, publiés ensuite avec leur accord.\n"
            "- Une carte des lieux culturels **dessinée avec les habitants**, qui a fait apparaître la "
            "boulangerie, le terrain de foot et la salle paroissiale.\n"
            "- La présentation du diagnostic aux habitants avant le conseil municipal."
        ),
        "obstacles": (
            "- Les associations les plus structurées ont d'abord occupé la parole.\n"
            "- Le calendrier du projet partagé laissait peu de temps entre le diagnostic et la co-construction."
        ),
        "solutions": (
            "- Des temps réservés aux habitants non adhérents d'une association.\n"
            "- Une convention citoyenne tirée au sort pour la phase de co-construction."
        ),
        "open_questions": (
            "Comment évaluer, dans deux ans, si la participation au diagnostic a changé le rapport des "
            "habitants à l'offre culturelle ?"
        ),
        "resources": ["« La Chouette, c'est notre salon » : paroles d'habitants de Guichen"],
    },
]


def load(project) -> bool:
    users = {user.email: user for user in User.objects.filter(email__endswith=".demo")}
    organisations = {org.name: org for org in Organisation.objects.all().only("id", "name")}
    resources = {resource.title: resource for resource in Resource.objects.filter(project=project)}
    created = False
    created |= load_news(project, NEWS, users, organisations)
    for entry in EVENTS:
        created |= load_past_event(project, entry, users, resources)
    created |= _load_lessons(project, users, organisations, resources)
    return created


def load_news(project, entries, users, organisations) -> bool:
    """News identified by title; an existing post takes the story's text and date."""
    existing = {post.title: post for post in NewsPost.objects.filter(project=project)}
    created = False
    for entry in entries:
        values = {
            "summary": entry["summary"],
            "body": entry["body"],
            "audience": entry["audience"],
            "published_at": entry["published_at"],
        }
        post = existing.get(entry["title"])
        if post is not None:
            created |= set_fields(post, **values)
            continue
        post = NewsPost(
            project=project, title=entry["title"], organisation=organisations.get(entry["organisation"]), **values
        )
        services.news_save(post=post, user=users.get(entry["author"]), publish=True)
        created = True
    return created


def load_past_event(project, entry, users, resources) -> bool:
    """An event that took place, recorded as it happened (the service only schedules future ones);
    an existing one, found by title, takes the story's dates, audience and notes."""
    values = {
        "kind": entry["kind"],
        "description": entry["description"],
        "starts_at": entry["starts_at"],
        "ends_at": entry["ends_at"],
        "place": entry.get("place", ""),
        "video_url": entry.get("video_url", ""),
        "audience": entry["audience"],
        "status": Status.PUBLISHED,
        "published_at": entry["published_at"],
        "notes": entry.get("notes", ""),
    }
    event = PeerEvent.objects.filter(project=project, title=entry["title"]).first()
    if event is not None:
        changed = set_fields(event, **values)
        return _date_registrations(event) or changed
    event = PeerEvent.objects.create(
        project=project,
        title=entry["title"],
        capacity=entry["capacity"],
        organiser=users.get(entry["organiser"]),
        **values,
    )
    event.resources.set([resources[title] for title in entry.get("resources", []) if title in resources])
    Registration.objects.bulk_create(
        Registration(event=event, user=users[email], status=Registration.Status.CONFIRMED)
        for email in entry["registrations"][: entry["capacity"]]
        if email in users
    )
    _date_registrations(event)
    return True


def _date_registrations(event) -> bool:
    """People registered in the days after the event was announced, not on the day the demo was loaded."""
    late = list(event.registrations.filter(created_at__gt=event.starts_at).order_by("created_at", "id"))
    for index, registration in enumerate(late):
        Registration.objects.filter(pk=registration.pk).update(
            created_at=event.published_at + datetime.timedelta(days=1 + index, hours=index % 5)
        )
    return bool(late)


def _load_lessons(project, users, organisations, resources) -> bool:
    existing = set(Lesson.objects.filter(project=project).values_list("title", flat=True))
    created = False
    for entry in LESSONS:
        if entry["title"] in existing:
            continue
        lesson = Lesson(
            project=project,
            territory=organisations.get(entry["territory"]),
            title=entry["title"],
            summary=entry["summary"],
            context=entry["context"],
            what_worked=entry["what_worked"],
            obstacles=entry["obstacles"],
            solutions=entry["solutions"],
            open_questions=entry["open_questions"],
            visibility=Lesson.Visibility.PUBLIC,
            published_at=_at(2022, 6, 28),
        )
        services.lesson_save(
            lesson=lesson,
            user=users.get(entry["author"]),
            publish=True,
            themes=[project.theme] if project.theme_id else [],
            resources=[resources[title] for title in entry["resources"] if title in resources],
        )
        created = True
    return created
