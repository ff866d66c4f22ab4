"""The reference project's discussions: the four towns recruit their survey groups, choose the places
to survey and compare their interview guides; two public discussions by theme; a mention, follows."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from territoires.accounts.models import User
from territoires.community import services
from territoires.community.models import Message, ProjectSpace, Thread
from territoires.notifications.services import follow_set
from territoires.projects.models import Theme

SURVEY_GROUP = {
    "title": "Recruter le groupe d'enquête mixte : comment toucher ceux qu'on ne voit jamais ?",
    "shared": True,
    "day": datetime.date(2021, 10, 5),
    "messages": [
        (
            "referente.mantes@ville.demo",
            "Bonjour à toutes et à tous,\n\nÀ Mantes-la-Jolie, nous cherchons une douzaine de personnes pour le "
            "groupe d'enquête : deux élus, quatre agents (médiathèque, conservatoire, centres de quartier) et "
            "surtout des habitants du Val Fourré qui ne viennent **jamais** aux réunions publiques.\n\n"
            "Comment vous y prenez-vous pour les recruter ? Nous avons essayé l'appel sur le site de la ville : "
            "trois réponses, toutes de personnes déjà très investies.",
        ),
        (
            "referent.niort@ville.demo",
            "À Niort, nous passons par les **centres socioculturels** et le conseil citoyen du Clou-Bouchet : "
            "les animateurs connaissent les familles et leur proposent directement. Nous indemnisons le temps "
            "passé (bons d'achat chez les commerçants du quartier), ce qui a beaucoup aidé.\n\n"
            "Autre piste : les parents qui attendent à la sortie des écoles.",
        ),
        (
            "referent.guichen@ville.demo",
            "Guichen est plus petite : nous avons profité du forum des associations de septembre. Un stand, un "
            "questionnaire de deux minutes, et une question à la fin : « seriez-vous prêt à interroger vos "
            "voisins ? ». Sept volontaires, dont deux lycéens.",
        ),
        (
            "consultante@prestataire.demo",
            "Merci pour ces retours. Un rappel de méthode pour tous : visez la **diversité d'âge, de quartier et de "
            "rapport à la culture**, pas le nombre. Un groupe de 8 à 12 personnes suffit, à condition qu'il "
            "compte au moins un tiers de personnes éloignées de l'offre culturelle.\n\n"
            "@Camille Lefèvre, vous aviez évoqué les jeunes en service civique à Bourges : où en êtes-vous ?",
        ),
        (
            "referente.bourges@ville.demo",
            "Oui ! Quatre volontaires en service civique de l'association Bourges Jeunesse rejoignent le groupe "
            "en novembre. Ils passeront dans les foyers de jeunes travailleurs et au skatepark, là où nos "
            "agents n'ont aucune légitimité.",
        ),
    ],
}

VENUES = {
    "title": "Quels lieux enquêter ? Marchés, laveries, arrêts de bus…",
    "shared": False,
    "day": datetime.date(2021, 11, 8),
    "messages": [
        (
            "referent.niort@ville.demo",
            "Pour l'observation dans l'espace public et la passation du questionnaire, voici notre liste à "
            "Niort :\n\n- le marché des Halles le samedi matin ;\n- la laverie automatique du Pontreau ;\n"
            "- les arrêts de bus de la ligne 1 entre 17 h et 18 h ;\n- la salle d'attente de la CAF.\n\n"
            "Vous avez d'autres idées de lieux où les gens ont **du temps** ?",
        ),
        (
            "referente.mantes@ville.demo",
            "Le hall du centre commercial Mantes 2 le mercredi après-midi, et les abords de la mosquée après "
            "la prière du vendredi (avec l'accord de l'association culturelle, évidemment).",
        ),
        (
            "elu.bourges@ville.demo",
            "Pensez aux salles d'attente des maisons de santé : les gens y attendent vingt minutes et "
            "répondent volontiers. Nous l'avons fait à Bourges Nord.",
        ),
        (
            "animatrice@anct.demo",
            "Très bonnes idées. Notez dans le tableau partagé les créneaux et les lieux retenus par chaque ville, "
            "nous ferons un point au prochain COPIL. @referent.guichen, pouvez-vous ajouter ceux de Guichen ?",
        ),
    ],
}

GUIDES = {
    "title": "Comparer nos guides d'entretien semi-directif",
    "shared": True,
    "day": datetime.date(2021, 10, 19),
    "messages": [
        (
            "consultante@prestataire.demo",
            "Je dépose la trame commune du guide d'entretien semi-directif (version 2, après vos remarques). "
            "Quatre temps : parcours de la personne, pratiques culturelles, représentations du territoire, "
            "ce qu'elle attend de la ville.\n\nChaque ville peut ajouter **deux questions** qui lui sont "
            "propres. Merci de me les envoyer ici avant le 29 octobre.",
        ),
        (
            "referent.niort@ville.demo",
            "Pour Niort : « Qu'est-ce qui vous ferait venir au Moulin du Roc ? » et « Connaissez-vous "
            "l'artothèque ? ». La seconde risque d'être fermée, on peut la reformuler ?",
        ),
        (
            "consultante@prestataire.demo",
            "Oui : « Avez-vous déjà emprunté une œuvre d'art ? Qu'en avez-vous pensé ? » — sans nommer le lieu, "
            "pour ne pas mettre en difficulté ceux qui ne le connaissent pas.",
        ),
    ],
}

PUBLIC_THREADS = [
    {
        "theme": "Revitaliser les centres-bourgs avec les commerçants et les habitants",
        "title": "Associer les commerçants dès le diagnostic : vos expériences ?",
        # A theme proposed lately (data.THEMES): its discussion is recent too.
        "days_ago": 20,
        "messages": [
            (
                "agent.niort@ville.demo",
                "Bonjour, nous réfléchissons à un projet sur le centre-ville de Niort. Les commerçants "
                "participent-ils chez vous dès le diagnostic, ou seulement au moment du plan d'actions ?",
            ),
            (
                "referent.lorient@ville.demo",
                "À Lorient, l'union des commerçants a co-animé les marches exploratoires : ils connaissent les "
                "flux mieux que nous. En revanche, il faut des horaires compatibles (avant 9 h ou le lundi).",
            ),
        ],
    },
    {
        "theme": None,  # the reference project's own theme
        "title": "La médiathèque hors les murs : qui l'a essayée ?",
        "day": datetime.date(2022, 1, 12),
        "messages": [
            (
                "referente.poitiers@ville.demo",
                "Nous suivons le projet partagé en tant qu'observateurs et l'idée d'une médiathèque « hors les "
                "murs » (bibliobus, lectures au pied des immeubles) revient souvent. Des villes l'ont-elles "
                "essayée ? Avec quels moyens ?",
            ),
            (
                "referente.mantes@ville.demo",
                "Oui, l'été au Val Fourré : « Partir en livre », deux après-midi par semaine. Peu coûteux, "
                "mais il faut des agents volontaires le samedi. Les enfants viennent, les parents suivent.",
            ),
        ],
    },
]


def _guide_pdf() -> bytes:
    """A one-page A4 PDF that the upload check accepts (a real file, with its cross-reference table)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _users() -> dict[str, User]:
    return {user.email: user for user in User.objects.all()}


def _backdate(thread: Thread, day: datetime.date) -> None:
    """Dates from the project's calendar rather than the day the demo was loaded."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    last = start
    for message in thread.messages.order_by("position"):
        # One answer a day or so, during office hours.
        last = start + datetime.timedelta(days=message.position - 1, hours=(2 * message.position) % 7)
        Message.objects.filter(pk=message.pk).update(created_at=last)
    Thread.objects.filter(pk=thread.pk).update(created_at=start, last_message_at=last)


def _thread(spec, users, *, project=None, theme=None, files_for_first=()) -> Thread | None:
    existing = Thread.objects.filter(title=spec["title"])
    if existing.exists():
        return None
    (first_author, first_body), *replies = spec["messages"]
    thread = services.thread_create(
        user=users[first_author],
        title=spec["title"],
        body=first_body,
        project=project,
        theme=theme,
        shared_with_observers=spec.get("shared", False),
        files=files_for_first,
    )
    previous = thread.messages.get(position=1)
    for index, (author, body) in enumerate(replies):
        # The Bourges answer quotes the consultant's question, as people do.
        quoted_id = previous.pk if index == len(replies) - 1 and spec is SURVEY_GROUP else None
        previous = services.message_post(user=users[author], thread=thread, body=body, quoted_id=quoted_id)
    _backdate(thread, spec["day"])
    return thread


def thread_on(spec, users, *, project, day: datetime.date) -> bool:
    """A project thread dated `day` (created, or moved there); True if something changed."""
    thread = Thread.objects.filter(title=spec["title"], project=project).first()
    if thread is None:
        return _thread({**spec, "day": day}, users, project=project) is not None
    if timezone.localdate(thread.created_at) == day:
        return False
    _backdate(thread, day)
    return True


def load(project) -> bool:
    users = _users()
    if "animatrice@anct.demo" not in users:
        return False
    created = False
    facilitator = users["animatrice@anct.demo"]
    space = ProjectSpace.objects.filter(project=project).first()
    if space is None:
        services.project_space_set_observer_access(
            user=facilitator, project=project, observer_access=ProjectSpace.ObserverAccess.SHARED
        )
        created = True
    for email in ("animatrice@anct.demo", "consultante@prestataire.demo", "referent.niort@ville.demo"):
        follow_set(user=users[email], target=project, following=True)
    guide = ContentFile(_guide_pdf(), name="guide-entretien-semi-directif-v2.pdf")
    for spec, files in ((SURVEY_GROUP, ()), (GUIDES, (guide,)), (VENUES, ())):
        created = bool(_thread(spec, users, project=project, files_for_first=files)) or created
    for spec in PUBLIC_THREADS:
        theme = Theme.objects.filter(title=spec["theme"]).first() if spec["theme"] else project.theme
        if theme is None:
            continue
        author = users.get(spec["messages"][0][0])
        if author is None or any(email not in users for email, _body in spec["messages"]):
            continue
        day = spec["day"] if "day" in spec else timezone.localdate() - datetime.timedelta(days=spec["days_ago"])
        existing = Thread.objects.filter(title=spec["title"], theme=theme).first()
        if existing is None:
            created = bool(_thread({**spec, "day": day}, users, theme=theme)) or created
        elif timezone.localdate(existing.created_at) < timezone.localdate(theme.created_at):
            # Loaded by an older demo, before the theme it belongs to was proposed.
            _backdate(existing, day)
            created = True
    if project.theme is not None and "referente.poitiers@ville.demo" in users:
        follow_set(user=users["referente.poitiers@ville.demo"], target=project.theme, following=True)
    return created
