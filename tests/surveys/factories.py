"""A test questionnaire with every question kind, deployed in every territory of a test project.

Shared by every survey test module: `make_survey()` returns a namespace with the survey, its
deployments (one per participating territory), the project namespace of `make_project()` and a
`valid_answers()` helper giving a complete, valid answer set, and `collector`: a survey group member
(no role in any authority) of the first territory.

Structure (codes in brackets):
- section "profil" (always shown): age band [age], gender [genre], neighbourhood [quartier],
  postcode [cp];
- section "pratiques" (always shown): single choice [frequence] with options jamais/rare/souvent,
  multiple choice with "other" and a maximum of 3 [lieux] (options bib/musee/cine/theatre/concert +
  other), rating 1–5 with "don't know" [satisfaction], number 0–100 [nb_sorties] shown only when
  frequence is not "jamais", date [derniere_sortie];
- section "avis" shown only when satisfaction <= 2: long text [pourquoi] required, ranking
  [priorites] of a/b/c, matrix [offre] rows prix/horaires/acces on 1–4 with "don't know";
- section "fin" (always shown): short text [commentaire]; then, asked only when age is 65-79 or 80+
  (so that the page-by-page tests written before them never meet them): integer 1900–2100 [annee],
  geopoint [lieu], note [merci].
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from territoires.projects.models import Participation
from territoires.surveys.models import Collector, Deployment, Question, Section, Survey

NEIGHBOURHOODS = [
    {"code": "centre", "label": "Centre-ville"},
    {"code": "gare", "label": "Quartier de la gare"},
    {"code": "nord", "label": "Quartiers nord"},
]


def _options(*pairs):
    return [{"code": code, "label": label, "label_en": label_en} for code, label, label_en in pairs]


def make_survey(
    *,
    project_ns=None,
    status=Survey.Status.PUBLISHED,
    second_language="",
    title="Vos pratiques culturelles",
    participants=4,
):
    """A published survey with every question kind and its conditional rules, deployed in every
    participating territory of `project_ns` (a `make_project()` namespace; a new one if None)."""
    from tests.factories import make_project

    ns = project_ns or make_project(participants=participants)
    survey = Survey.objects.create(
        project=ns.project,
        title=title,
        title_en="Your cultural practices" if second_language else "",
        introduction="Merci de prendre **cinq minutes** pour répondre.",
        introduction_en="Thank you for taking five minutes." if second_language else "",
        thanks_message="Merci pour votre participation !",
        second_language=second_language,
        status=status,
        created_by=ns.facilitator,
        published_at=timezone.now() if status != Survey.Status.DRAFT else None,
        non_audience_question_code="lieux",
        non_audience_option_codes=["bib", "musee", "cine", "theatre", "concert"],
    )
    sections = {}
    for position, (key, label, label_en, condition) in enumerate(
        [
            ("profil", "Votre profil", "About you", {}),
            ("pratiques", "Vos pratiques", "Your practices", {}),
            (
                "avis",
                "Votre avis",
                "Your opinion",
                {"all": [{"question": "satisfaction", "op": "lte", "values": [2]}]},
            ),
            ("fin", "Pour finir", "To finish", {}),
        ]
    ):
        sections[key] = Section.objects.create(
            survey=survey,
            position=position,
            title=label,
            title_en=label_en if second_language else "",
            condition=condition,
        )

    def add(section, code, kind, label, **fields):
        position = Question.objects.filter(section=sections[section]).count()
        return Question.objects.create(
            survey=survey,
            section=sections[section],
            position=position,
            code=code,
            kind=kind,
            label=label,
            label_en=fields.pop("label_en", "") if second_language else "",
            **{key: value for key, value in fields.items() if key != "label_en"},
        )

    Kind = Question.Kind
    add("profil", "age", Kind.AGE_BAND, "Quel âge avez-vous ?", required=True, label_en="How old are you?")
    add("profil", "genre", Kind.GENDER, "Vous êtes :", required=True, label_en="You are:")
    add("profil", "quartier", Kind.NEIGHBOURHOOD, "Dans quel quartier habitez-vous ?", label_en="Neighbourhood?")
    add("profil", "cp", Kind.POSTCODE, "Votre code postal", label_en="Postcode")
    add(
        "pratiques",
        "frequence",
        Kind.SINGLE,
        "À quelle fréquence sortez-vous pour une activité culturelle ?",
        required=True,
        options=_options(
            ("jamais", "Jamais", "Never"), ("rare", "Rarement", "Rarely"), ("souvent", "Souvent", "Often")
        ),
        label_en="How often do you go out?",
    )
    add(
        "pratiques",
        "lieux",
        Kind.MULTIPLE,
        "Quels lieux avez-vous fréquentés ces douze derniers mois ?",
        help_text="Trois au plus.",
        options=_options(
            ("bib", "Médiathèque", "Library"),
            ("musee", "Musée", "Museum"),
            ("cine", "Cinéma", "Cinema"),
            ("theatre", "Théâtre", "Theatre"),
            ("concert", "Salle de concert", "Concert hall"),
        ),
        allow_other=True,
        max_choices=3,
        label_en="Which venues?",
    )
    add(
        "pratiques",
        "satisfaction",
        Kind.RATING,
        "Êtes-vous satisfait de l'offre culturelle ?",
        required=True,
        scale_min=1,
        scale_max=5,
        allow_dont_know=True,
        label_en="Are you satisfied?",
    )
    add(
        "pratiques",
        "nb_sorties",
        Kind.NUMBER,
        "Combien de sorties culturelles l'an dernier ?",
        min_value=0,
        max_value=100,
        condition={"all": [{"question": "frequence", "op": "not_in", "values": ["jamais"]}]},
        label_en="How many outings?",
    )
    add("pratiques", "derniere_sortie", Kind.DATE, "Date de votre dernière sortie", label_en="Last outing")
    add(
        "avis",
        "pourquoi",
        Kind.LONG_TEXT,
        "Pourquoi n'êtes-vous pas satisfait ?",
        required=True,
        label_en="Why not?",
    )
    add(
        "avis",
        "priorites",
        Kind.RANKING,
        "Classez ces priorités",
        options=_options(("a", "Tarifs", "Prices"), ("b", "Horaires", "Opening hours"), ("c", "Proximité", "Nearby")),
        label_en="Rank these",
    )
    add(
        "avis",
        "offre",
        Kind.MATRIX,
        "Comment jugez-vous l'offre ?",
        rows=_options(
            ("prix", "Les prix", "Prices"), ("horaires", "Les horaires", "Hours"), ("acces", "L'accès", "Access")
        ),
        scale_min=1,
        scale_max=4,
        allow_dont_know=True,
        label_en="How do you rate the offer?",
    )
    add("fin", "commentaire", Kind.SHORT_TEXT, "Un dernier mot ?", label_en="A last word?")
    # Asked from 65 on only, so that the page-by-page tests written before these kinds never meet them.
    older = {"all": [{"question": "age", "op": "in", "values": ["65-79", "80+"]}]}
    add(
        "fin",
        "annee",
        Kind.INTEGER,
        "En quelle année êtes-vous arrivé dans la commune ?",
        min_value=1900,
        max_value=2100,
        condition=older,
    )
    add("fin", "lieu", Kind.GEOPOINT, "Où habitez-vous ?", label_en="Where do you live?", condition=older)
    add("fin", "merci", Kind.NOTE, "Merci pour vos réponses.", label_en="Thank you.", condition=older)

    deployments = [
        Deployment.objects.create(survey=survey, participation=participation, neighbourhoods=NEIGHBOURHOODS)
        for participation in ns.project.participations.filter(role=Participation.Role.PARTICIPANT).order_by("pk")
    ]
    # A survey group member of the first territory with no role in any authority (civil society).
    from tests.factories import UserFactory

    collector = UserFactory(email=f"enqueteur{survey.pk}@exemple.fr")
    Collector.objects.create(deployment=deployments[0], user=collector, added_by=ns.referents[0])
    return SimpleNamespace(
        survey=survey,
        deployments=deployments,
        deployment=deployments[0],
        project_ns=ns,
        project=ns.project,
        sections=sections,
        collector=collector,
        valid_answers=valid_answers,
    )


def valid_answers(*, unhappy=False, **overrides):
    """A complete valid answer set; `unhappy=True` makes the "avis" section visible and answers it."""
    answers = {
        "age": "25-34",
        "genre": "f",
        "quartier": "centre",
        "cp": "79000",
        "frequence": "souvent",
        "lieux": ["bib", "other"],
        "lieux__other": "Un festival",
        "satisfaction": 4,
        "nb_sorties": 12,
        "derniere_sortie": (datetime.date.today() - datetime.timedelta(days=10)).isoformat(),
        "commentaire": "Merci",
    }
    if unhappy:
        answers.update(
            {
                "satisfaction": 2,
                "pourquoi": "Trop cher et trop loin.",
                "priorites": ["a", "c", "b"],
                "offre": {"prix": 1, "horaires": 3, "acces": "nsp"},
            }
        )
    answers.update(overrides)
    return answers


# Who may collect answers (field page, paper entry, field submissions): own territory, other territory.
COLLECT_PERMISSION_GRID = [
    ("facilitator", True, True),
    ("consultant", True, True),
    ("referent", True, False),
    ("agent", True, False),
    ("elected", True, False),
    ("collector", True, False),
    ("observer", False, False),
    ("outsider", False, False),
]


def make_collect_grid_case(who):
    """A survey in two territories of a fresh project, and the user playing `who` in the grid."""
    from tests.factories import UserFactory, make_project

    ns = make_project(observers=1)
    built = make_survey(project_ns=ns)
    user = {
        "facilitator": ns.facilitator,
        "consultant": ns.consultant,
        "referent": ns.referents[0],
        "agent": ns.agents[0],
        "elected": ns.electeds[0],
        "collector": built.collector,
        "observer": ns.observers[0],
        "outsider": UserFactory(),
    }[who]
    return built, user
