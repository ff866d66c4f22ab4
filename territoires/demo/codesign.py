"""Co-design in the reference project: for each town a plan, two workshops (the first held in
2022, with its attendance and ideas; the second upcoming, open for registration), ideas from
workshops, residents, the survey and the diagnostic's findings, one objective with its criteria
and a finished majority-judgment vote. Residents, registrations and votes are fictitious and
labelled so."""

import datetime
from decimal import Decimal

from django.utils import timezone

from territoires.accounts.models import User
from territoires.codesign import services
from territoires.codesign.models import Ballot, CodesignPlan, Idea, Milestone, Objective, Workshop, WorkshopRegistration
from territoires.diagnostic.models import ActorFamily, Entry
from territoires.projects.models import Participation

CONSULTANT = "consultante@prestataire.demo"
REFERENTS = {
    "Niort": "referent.niort@ville.demo",
    "Bourges": "referente.bourges@ville.demo",
    "Guichen": "referent.guichen@ville.demo",
    "Mantes-la-Jolie": "referente.mantes@ville.demo",
}

TOWNS = {
    "Mantes-la-Jolie": {
        "summary": "Les **Assises de la Culture** réunissent habitants, associations et équipements pour redéfinir "
        "la politique culturelle, en allant vers les quartiers prioritaires.",
        "methods": ["thematic", "by_family"],
        "families": ["Associations", "Collectifs d'habitants", "Acteurs sociaux et éducatifs"],
        "workshops": [
            (
                "Assises de la Culture — atelier « La culture dans les quartiers »",
                "thematic",
                datetime.datetime(2022, 1, 22, 14, 0),
            ),
            ("Assises de la Culture — atelier des associations : restitution", "by_family", None),
        ],
        "ideas": [
            "Des spectacles au pied des immeubles du Val Fourré",
            "Une carte culture gratuite pour les moins de 25 ans",
        ],
    },
    "Niort": {
        "summary": "Des ateliers thématiques autour des lieux (Port Boinot, quartiers) et un atelier avec les "
        "acteurs sociaux et éducatifs.",
        "methods": ["thematic", "by_family"],
        "families": ["Institutions culturelles", "Acteurs sociaux et éducatifs", "Collectifs d'habitants"],
        "workshops": [
            ("Atelier « Le Port Boinot, lieu de tous »", "thematic", datetime.datetime(2022, 2, 5, 10, 0)),
            ("Atelier avec les acteurs sociaux et éducatifs : restitution", "by_family", None),
        ],
        "ideas": [
            "Des soirées au Port Boinot préparées avec les habitants des quartiers",
            "Des navettes le soir vers les lieux culturels",
        ],
    },
    "Bourges": {
        "summary": "« **Les Debouts de la culture** » : des rencontres d'habitants, dans la dynamique de la "
        "candidature Capitale européenne de la culture 2028, puis du prototypage d'actions.",
        "methods": ["thematic", "prototyping"],
        "families": ["Collectifs d'habitants", "Artistes et collectifs", "Associations"],
        "workshops": [
            (
                "Les Debouts de la culture — rencontre des quartiers nord",
                "thematic",
                datetime.datetime(2022, 1, 29, 14, 30),
            ),
            ("Les Debouts de la culture — prototypage : restitution", "prototyping", None),
        ],
        "ideas": [
            "Une scène ouverte mensuelle aux Gibjoncs",
            "Des résidences d'artistes dans les centres sociaux",
        ],
    },
    "Guichen": {
        "summary": "Faire vivre **La Chouette**, le nouvel équipement, avec les habitants et les associations dès "
        "son ouverture.",
        "methods": ["prototyping", "by_family"],
        "families": ["Associations", "Artistes et collectifs", "Collectifs d'habitants"],
        "workshops": [
            ("Atelier « Faire vivre La Chouette »", "prototyping", datetime.datetime(2022, 2, 12, 10, 0)),
            ("Atelier des associations guichennaises : restitution", "by_family", None),
        ],
        "ideas": [
            "Un programme de La Chouette co-écrit avec les associations",
            "Des ateliers parents-enfants le samedi matin",
        ],
    },
}
FINDING_IDEAS = [
    # (index of the town's finding in the qualitative demo, idea prompted by it)
    (1, "Un tarif unique à 2 € et des horaires en soirée"),
    (2, "Des salles de répétition ouvertes le soir pour les jeunes"),
]
RESIDENT_IDEAS = [
    ("Un cinéma en plein air l'été dans les parcs", Idea.Status.PUBLISHED),
    ("Plus de concerts gratuits le dimanche", Idea.Status.PENDING),
]
FICTIONAL_PEOPLE = [
    "Awa D. (fictive)",
    "Bruno P. (fictif)",
    "Chloé M. (fictive)",
    "Djamel K. (fictif)",
    "Élise R. (fictive)",
]
# Twelve majority-judgment ballots (grades 0 = À rejeter … 5 = Excellent) on the town's three first ideas.
VOTES = [
    (5, 3, 2),
    (4, 4, 1),
    (4, 2, 3),
    (3, 4, 2),
    (5, 3, 0),
    (2, 4, 3),
    (4, 3, 1),
    (3, 5, 2),
    (4, 2, 2),
    (1, 3, 4),
    (4, 4, 3),
    (3, 2, 1),
]


def load(project) -> bool:
    consultant = User.objects.filter(email=CONSULTANT).first()
    if consultant is None:
        return False
    created = False
    territories = Participation.objects.participants().filter(project=project).select_related("organisation")
    for territory in territories:
        data = TOWNS.get(territory.organisation.name)
        if data is None:
            continue
        referent = User.objects.filter(email=REFERENTS[territory.organisation.name]).first() or consultant
        created = _town(territory, data, referent, consultant) or created
    return created


def _town(territory, data, referent, consultant) -> bool:
    plan = services.plan_for(territory=territory)
    if Workshop.objects.filter(plan=plan).exists():
        return False
    families = list(ActorFamily.objects.filter(project=territory.project, name__in=data["families"]))
    services.plan_update(
        plan=plan, user=referent, summary=data["summary"], families=families, methods=data["methods"], ideas_open=True
    )
    for date, label, step in (
        (datetime.date(2022, 1, 10), "Choix des familles d'acteurs et des méthodes", "method_choice"),
        (datetime.date(2022, 2, 15), "Fin de la divergence : mur d'idées complet", "divergence"),
        (datetime.date(2022, 3, 15), "Objectifs et critères de réussite arrêtés", "objectives"),
        (datetime.date(2022, 4, 5), "Vote de convergence", "convergence"),
    ):
        Milestone.objects.get_or_create(plan=plan, label=label, defaults={"date": date, "step": step})
    place = (
        Entry.objects.current()
        .filter(territory=territory, kind=Entry.Kind.PLACE)
        .order_by("is_synthetic", "name")
        .first()
    )
    workshops = []
    for title, method, when in data["workshops"]:
        starts_at = (
            timezone.make_aware(when)
            if when
            else timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=21)
        )
        # The held workshop is part of the 2022 story: stored as it happened (the service refuses a
        # past date for a new workshop, rightly for a person typing it).
        workshop = Workshop.objects.create(
            plan=plan,
            title=title,
            method=method,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=3),
            place=place,
            place_details="" if place else "Salle municipale",
            capacity=30,
            facilitator=consultant,
            status=Workshop.Status.PUBLISHED,
            description="Atelier ouvert à toutes et tous, sur inscription. Les besoins d'accessibilité se signalent "
            "à l'inscription.",
            notes="Compte rendu de démonstration : les idées recueillies sont sur le mur d'idées." if when else "",
        )
        workshops.append(workshop)
    held, upcoming = workshops
    for index, name in enumerate(FICTIONAL_PEOPLE):
        WorkshopRegistration.objects.create(
            workshop=held,
            name=name,
            email=f"habitant{index}.{territory.pk}@exemple.demo",
            email_key=f"habitant{index}.{territory.pk}@exemple.demo",
            needs=["wheelchair"] if index == 2 else [],
            status=WorkshopRegistration.Status.CONFIRMED,
            attended=index != 4,
        )
    services.workshop_register(
        workshop=upcoming,
        name="Fatou S. (fictive)",
        email=f"fatou.{territory.pk}@exemple.demo",
        needs=["sign_language"],
    )
    ideas = [
        services.idea_create(
            plan=plan, user=consultant, title=title, source=Idea.Source.WORKSHOP, workshop=held, tags=["atelier"]
        )
        for title in data["ideas"]
    ]
    findings = list(territory.findings.order_by("position", "id"))
    for index, title in FINDING_IDEAS:
        if index < len(findings):
            ideas.append(
                services.idea_create(
                    plan=plan,
                    user=referent,
                    title=title,
                    source=Idea.Source.FINDING,
                    finding=findings[index],
                    tags=["diagnostic"],
                )
            )
    for title, status in RESIDENT_IDEAS:
        idea = services.idea_submit(plan=plan, title=title)
        if status == Idea.Status.PUBLISHED:
            services.idea_moderate(idea=idea, user=referent, decision=status)
            ideas.append(idea)
    objective = services.objective_save(
        objective=Objective(
            plan=plan,
            title="Faire venir dans les lieux culturels les habitants qui n'y vont pas",
            description="Objectif de démonstration, issu des idées de l'atelier et des constats du diagnostic.",
        ),
        user=referent,
        ideas=ideas[:3],
        findings=findings[:2],
    )
    services.criterion_add(
        objective=objective, user=referent, indicator="Part des habitants venus au moins une fois dans un lieu culturel dans l'année",
        unit="%", baseline=Decimal("38"), target=Decimal("50"), source="Enquête auprès des habitants (même question, 2024)",
        target_date=datetime.date(2024, 6, 30),
    )  # fmt: skip
    services.criterion_add(
        objective=objective, user=referent, indicator="Spectacles et ateliers programmés dans les quartiers prioritaires",
        unit="par an", baseline=Decimal("6"), target=Decimal("20"), source="Programmation des équipements municipaux",
    )  # fmt: skip
    ballot = services.ballot_create(
        plan=plan,
        user=referent,
        title="Quelles idées porter en priorité dans le plan d'action ?",
        description="Vote de démonstration en atelier (bulletins fictifs), par jugement majoritaire.",
        method="majority_judgment",
        options=[(idea.title, idea) for idea in ideas[:3]],
        workshop=held,
    )
    ballot = services.ballot_open(ballot=ballot, user=referent)
    codes = services.voter_codes_issue(ballot=ballot, user=referent, count=len(VOTES) + 10)
    options = list(ballot.options.all())
    for code, grades in zip(codes, VOTES, strict=False):
        services.vote_cast(
            ballot=ballot, code=code.code, data={f"option-{o.pk}": str(g) for o, g in zip(options, grades, strict=True)}
        )
    services.ballot_close(ballot=ballot, user=referent)
    Ballot.objects.filter(pk=ballot.pk).update(
        opened_at=timezone.make_aware(datetime.datetime(2022, 4, 5, 18, 0)),
        closed_at=timezone.make_aware(datetime.datetime(2022, 4, 5, 19, 30)),
    )
    # What happened in 2022 carries its 2022 dates: the ideas of the held workshop's day, the votes
    # of the convergence evening.
    Idea.objects.filter(plan=plan).update(created_at=held.starts_at, updated_at=held.starts_at)
    Objective.objects.filter(plan=plan).update(created_at=timezone.make_aware(datetime.datetime(2022, 3, 15, 10, 0)))
    ballot.votes.update(created_at=timezone.make_aware(datetime.datetime(2022, 4, 5, 19, 0)))
    CodesignPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())
    return True
