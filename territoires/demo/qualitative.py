"""The qualitative part of the diagnostic demo, for each of the four towns: an open call for
residents' written expression with a dozen synthetic texts (labelled as such, in several states of
moderation), observation notes in real places of the directory and public spaces, and a draft
synthesis whose findings cite the town's survey figures, notes and texts; plus a draft
cross-territory finding. Everything here is invented for the demonstration and says so.

Idempotent: each part is skipped when the town already has it.
"""

import datetime

from django.utils import timezone

from territoires.accounts.models import User
from territoires.diagnostic.expression import services as expression_services
from territoires.diagnostic.expression.models import Expression, ExpressionPrompt
from territoires.diagnostic.models import Entry
from territoires.diagnostic.observation import services as observation_services
from territoires.diagnostic.observation.models import ObservationNote
from territoires.diagnostic.synthesis import services as synthesis_services
from territoires.projects.models import Participation

CONSULTANT = "consultante@prestataire.demo"
QUESTION = "Qu'est-ce qui fait de vous un acteur de la vie culturelle de votre quartier ?"
INTRODUCTION = (
    "La ville repense sa politique culturelle avec ses habitants. Racontez, avec vos mots, ce que vous faites, "
    "partagez ou transmettez dans votre quartier. Démonstration : les textes affichés ici sont fictifs."
)

# (text, neighbourhood index or None, age band, consent, status, reason). "{q}" is the neighbourhood.
TEXTS = [
    ("Je tiens la chorale de l'amicale depuis douze ans. On répète le jeudi soir dans la salle du {q}, "
     "on chante pour les anciens à Noël. Je ne me disais pas « acteur culturel », mais je crois que c'est ça.",
     0, "65-79", True, "published", ""),
    ("Avec mes copains on fait du son dans ma chambre et on poste sur internet. Personne ne nous a jamais "
     "proposé un studio dans le {q}, alors on se débrouille.", 1, "15-24", True, "published", ""),
    ("J'emmène mes enfants à la médiathèque le samedi. C'est le seul endroit où je me sens à l'aise, "
     "le reste c'est pour les gens qui connaissent déjà.", 1, "35-49", True, "published", ""),
    ("Je fais la cuisine pour la fête des voisins, c'est ma façon de participer. La culture pour moi c'est "
     "aussi partager les plats de chez nous.", 2, "50-64", True, "published", ""),
    ("Je suis bénévole au festival l'été : je tiens la billetterie. J'aimerais qu'on nous demande notre avis "
     "sur la programmation, pas seulement nos bras.", 0, "25-34", True, "published", ""),
    ("Je peins, mais je n'ai jamais montré mes toiles. Un lieu d'exposition pour les amateurs du {q}, "
     "ce serait une vraie reconnaissance.", 2, "65-79", True, "published", ""),
    ("Je n'ai pas l'impression d'être un acteur : les spectacles sont chers et finissent tard, "
     "je travaille tôt le matin.", None, "35-49", True, "published", ""),
    ("Je raconte des histoires aux petits du centre social le mercredi. Ils reviennent avec leurs parents, "
     "c'est comme ça que le quartier du {q} se parle.", 1, "50-64", True, "published", ""),
    ("Je fais partie d'un groupe de danse hip-hop. On s'entraîne dehors, près de l'arrêt de bus, "
     "faute de salle disponible le soir.", 1, "15-24", True, "pending", ""),
    ("J'organise une bourse aux livres chaque printemps dans le hall de mon immeuble.", 0, "", True,
     "pending", ""),
    ("Je préfère que mon texte reste entre vous : la maison de quartier du {q} a fermé et personne "
     "ne nous a expliqué pourquoi. Beaucoup se sont sentis abandonnés.", 2, "50-64", False, "kept",
     "no_consent"),
    ("Venez découvrir nos promotions sur les abonnements téléphoniques !", None, "", True, "rejected",
     "off_topic"),
]  # fmt: skip

# (place from the directory or None, public space, day offset, slot, people, uses, flows, moments, tags)
NOTES = [
    (True, "", 0, "afternoon",
     "Surtout des familles avec de jeunes enfants et des retraités ; très peu d'adolescents.",
     "Lecture sur place, jeux de société, wifi utilisé par des jeunes adultes assis dans l'entrée.",
     "Entrées régulières, pic vers 16 h 30 à la sortie des écoles.",
     "Calme, accueil souriant ; les jeunes restent près de la porte, comme de passage.",
     "familles, jeunes, accueil"),
    (False, "Place du marché", 5, "morning",
     "Population mêlée, beaucoup de personnes âgées, quelques groupes de jeunes en fin de matinée.",
     "Marché, discussions devant les étals, un musicien amateur joue de l'accordéon.",
     "Flux denses entre l'arrêt de bus et la boulangerie.",
     "Ambiance animée ; le musicien attire un petit cercle pendant une vingtaine de minutes.",
     "marché, espace public, pratiques amateurs"),
    (False, "Abords de l'arrêt de bus du quartier", 9, "evening",
     "Groupes de jeunes de 15 à 20 ans, quelques parents de passage.",
     "Répétition de danse sur le parvis, musique diffusée par un téléphone.",
     "Peu de passage après 20 h, l'éclairage est faible.",
     "Les jeunes disent n'avoir aucune salle ouverte le soir.",
     "jeunes, soirée, pratiques amateurs"),
]  # fmt: skip

FINDINGS = [
    # (statement, strength, analysis, survey question, survey extra filters, evidence kinds)
    ("Une part importante des habitants n'a fréquenté aucun lieu culturel dans l'année, surtout dans les "
     "quartiers prioritaires.", "strong",
     "Le chiffre d'enquête (pondéré quand les marges sont renseignées) et les notes d'observation convergent : "
     "les lieux sont fréquentés par des publics déjà familiers.", "lieux_12m", {}, ("observation",)),
    ("Le prix et les horaires sont les premiers freins cités, avant le manque d'intérêt.", "moderate",
     "À confirmer par les entretiens : les textes d'habitants évoquent aussi le sentiment de ne pas être à sa "
     "place.", "freins", {}, ("expression",)),
    ("Les jeunes pratiquent (musique, danse) mais hors des lieux, faute d'espaces ouverts le soir.", "weak",
     "Signal issu de l'observation et des textes ; à croiser avec les réponses des 15-24 ans.",
     "pratique_amateur", {"age": "15-24"}, ("observation", "expression")),
]  # fmt: skip


def _consultant():
    return User.objects.filter(email=CONSULTANT).first()


def _neighbourhoods(town: str) -> list[str]:
    from territoires.demo.surveys import TOWN_PROFILES

    profile = TOWN_PROFILES.get(town)
    return [label for _code, label, _share in profile["neighbourhoods"]] if profile else []


def _expressions(territory, consultant) -> bool:
    if ExpressionPrompt.objects.filter(territory=territory).exists():
        return False
    town = territory.organisation.name
    neighbourhoods = _neighbourhoods(town)
    prompt = expression_services.prompt_set(
        territory=territory,
        user=territory.referent or consultant,
        question=QUESTION,
        introduction=INTRODUCTION,
        neighbourhoods="\n".join(neighbourhoods),
        is_open=True,
    )
    start = timezone.make_aware(datetime.datetime(2021, 11, 8, 10, 0))
    for index, (text, place, age, consent, status, reason) in enumerate(TEXTS):
        neighbourhood = neighbourhoods[place % len(neighbourhoods)] if place is not None and neighbourhoods else ""
        expression, _created = expression_services.expression_submit(
            prompt=prompt,
            text=text.replace("{q}", neighbourhood or town),
            neighbourhood=neighbourhood,
            age_band=age,
            consent_to_publish=consent,
            is_synthetic=True,
        )
        if status != "pending":
            expression_services.expression_moderate(
                expression=expression, user=territory.referent or consultant, status=status, reason=reason
            )
        moment = start + datetime.timedelta(days=2 * index, hours=index % 5)
        Expression.objects.filter(pk=expression.pk).update(
            submitted_at=moment, moderated_at=moment + datetime.timedelta(days=1) if status != "pending" else None
        )
    return True


def _observations(territory, consultant) -> bool:
    if ObservationNote.objects.filter(territory=territory, is_synthetic=True).exists():
        return False
    places = list(
        Entry.objects.current().filter(territory=territory, kind=Entry.Kind.PLACE).order_by("-is_synthetic", "name")
    )
    day = datetime.date(2021, 10, 12)
    for with_place, space, offset, slot, people, uses, flows, moments, tags in NOTES:
        place = places[0] if with_place and places else None
        observation_services.observation_create(
            territory=territory,
            user=consultant,
            observer=consultant,
            data={
                "place": place,
                "public_space": "" if place else (space or "Parvis de la médiathèque"),
                "observed_on": day + datetime.timedelta(days=offset),
                "time_slot": slot,
                "people": people,
                "uses": uses,
                "flows": flows,
                "moments": moments,
                "remarks": "Note fictive de démonstration.",
                "co_observers": "",
            },
            tags=tags,
            is_synthetic=True,
        )
    return True


def _synthesis(territory, consultant) -> bool:
    from territoires.surveys.models import Survey

    synthesis = synthesis_services.synthesis_for(project=territory.project, territory=territory)
    if synthesis.findings.exists():
        return False
    synthesis.introduction = (
        "Synthèse **de démonstration**, en brouillon : les constats et leurs preuves sont fictifs. Ils "
        "s'appuient sur l'enquête (réponses synthétiques), les notes d'observation et les textes d'habitants."
    )
    synthesis.is_synthetic = True
    synthesis.save(update_fields=["introduction", "is_synthetic", "updated_at"])
    survey = Survey.objects.filter(project=territory.project).order_by("created_at").first()
    notes = list(ObservationNote.objects.filter(territory=territory).order_by("observed_on"))
    texts = list(Expression.objects.filter(territory=territory).exclude(status="rejected").order_by("submitted_at"))
    for index, (statement, strength, analysis, question, filters, kinds) in enumerate(FINDINGS):
        finding = synthesis_services.finding_create(
            synthesis=synthesis,
            user=consultant,
            statement=statement,
            strength=strength,
            analysis=analysis,
            is_synthetic=True,
        )
        if survey is not None:
            from urllib.parse import urlencode

            synthesis_services.evidence_add(
                finding=finding,
                user=consultant,
                kind="survey_figure",
                reference={"survey": survey.pk, "question": question, "query": urlencode(filters)},
                note="Chiffre de l'enquête auprès des habitants (réponses synthétiques de démonstration).",
            )
        if "observation" in kinds and notes:
            note = notes[index % len(notes)]
            synthesis_services.evidence_add(
                finding=finding, user=consultant, kind="observation", reference={"note": note.pk}
            )
        if "expression" in kinds and texts:
            for text in texts[index : index + 2]:
                synthesis_services.evidence_add(
                    finding=finding, user=consultant, kind="expression", reference={"expression": text.pk}
                )
    return True


def _cross_territory(project, consultant) -> bool:
    from territoires.surveys.models import Survey

    synthesis = synthesis_services.synthesis_for(project=project)
    if synthesis.findings.exists():
        return False
    finding = synthesis_services.finding_create(
        synthesis=synthesis,
        user=consultant,
        statement="Dans les quatre villes, les freins financiers pèsent plus que le manque d'intérêt.",
        strength="moderate",
        analysis="Constat transversal **de démonstration**, en brouillon, à valider par l'équipe ANCT.",
        is_synthetic=True,
    )
    survey = Survey.objects.filter(project=project).order_by("created_at").first()
    if survey is not None:
        synthesis_services.evidence_add(
            finding=finding,
            user=consultant,
            kind="survey_figure",
            reference={"survey": survey.pk, "question": "freins", "query": ""},
            note="Les quatre territoires ensemble (réponses synthétiques).",
        )
    return True


def load(project) -> bool:
    consultant = _consultant()
    if consultant is None:
        return False
    created = False
    territories = Participation.objects.filter(project=project, role=Participation.Role.PARTICIPANT).select_related(
        "organisation", "project", "referent"
    )
    for territory in territories:
        created = _expressions(territory, consultant) or created
        created = _observations(territory, consultant) or created
        created = _synthesis(territory, consultant) or created
    created = _cross_territory(project, consultant) or created
    return created
