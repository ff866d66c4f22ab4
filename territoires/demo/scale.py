"""Scales the demo data set up to a national size: hundreds of shared projects, thousands of authorities.

Used by `manage.py scale_demo` and by `make bench`, so that pages are measured on a realistic volume
rather than on the four towns of the reference case. It first loads the reference case, then adds
only what is missing to reach the requested totals: running it again with the same figures changes
nothing, running it with larger figures extends the data set. Rows are written with bulk_create (no
model signals), so the public page cache version is bumped once at the end.

Names are generated from common French place-name parts and first/last names with a seeded random
generator: the same figures give the same data set. Every generated user logs in with the demo
password.
"""

import datetime
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from territoires.accounts.models import Membership, Organisation, User
from territoires.core.cache import bump_content_version
from territoires.demo import data
from territoires.demo.loader import load_demo
from territoires.projects.charter_template import articles_for
from territoires.projects.methods import method_copy_many, template_default
from territoires.projects.models import (
    Charter,
    CharterArticle,
    Committee,
    CommitteeMember,
    Decision,
    Meeting,
    Participation,
    SharedProject,
    Signature,
    StepCompletion,
    Theme,
    ThemeInterest,
    Withdrawal,
)
from territoires.projects.phases import STEPS_BY_CODE

Kind = Organisation.Kind
Role = Membership.Role
STEP_CODES = list(STEPS_BY_CODE)

# fmt: off
# Place names ---------------------------------------------------------------------------------------

ROOTS = [
    "Beaumont", "Villeneuve", "Montfort", "Châteauneuf", "Saint-Martin", "Saint-Julien", "Saint-Germain",
    "Saint-Laurent", "Sainte-Marie", "Saint-Pierre", "Saint-Aubin", "Saint-Étienne", "Fontaine", "Rochefort",
    "Bellevue", "Clermont", "Mirebeau", "Roquebrune", "Montreuil", "Neuville", "Champagne", "Villefranche",
    "Aubigny", "Bonneval", "Beaulieu", "Belmont", "Boissy", "Chambon", "Charmes", "Chassagne", "Chaumont",
    "Cléry", "Coulanges", "Courcelles", "Crécy", "Dampierre", "Fleury", "Fresnes", "Givry", "Jouy",
    "Lacroix", "Longueville", "Lussac", "Marcilly", "Mareuil", "Marigny", "Montigny", "Noyers", "Orval",
    "Plessis", "Pouilly", "Quincy", "Rosny", "Sablons", "Sauveterre", "Savigny", "Sérignac", "Thury",
    "Tournon", "Vauvert", "Verneuil", "Villers", "Vitry", "Lavaur", "Montbazon", "Pontlevoy", "Brézolles",
    "Chanteloup", "Mauvezin", "Sainte-Colombe",
]
SUFFIXES = [
    "", "-sur-Loire", "-sur-Marne", "-sur-Seine", "-en-Vexin", "-les-Bains", "-la-Forêt", "-du-Lac",
    "-le-Château", "-sur-Mer", "-en-Provence", "-lès-Tours", "-d'Armagnac", "-sur-Sèvre", "-en-Bresse",
    "-de-Bretagne", "-le-Vieux", "-la-Rivière", "-sous-Bois", "-sur-Dordogne", "-en-Auvergne", "-sur-Allier",
    "-en-Champagne", "-le-Comtal",
]
EPCI_PATTERNS = [
    "Communauté de communes du Pays de {root}",
    "Communauté d'agglomération de {root}",
    "Communauté de communes Cœur de {root}",
]
DEPARTMENT_CODES = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]

# People ----------------------------------------------------------------------------------------------

FEMALE_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Clara", "Emma", "Louise", "Anne", "Hélène",
    "Nathalie", "Isabelle", "Sophie", "Élise", "Margaux", "Aurélie", "Nadia", "Fatima",
]
MALE_NAMES = [
    "Thomas", "Nicolas", "Julien", "Maxime", "Antoine", "Pierre", "Hugo", "Lucas", "Mathieu", "Olivier",
    "Stéphane", "Karim", "Yann", "Erwan", "Baptiste", "François", "Guillaume", "Romain", "Mehdi", "Vincent",
]
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand",
    "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin",
    "Le Gall", "Caradec", "Benali", "Haddad", "Nguyen",
]
# (feminine, masculine)
JOB_TITLES = {
    Role.REFERENT: [
        ("Directrice des affaires culturelles", "Directeur des affaires culturelles"),
        ("Directrice de la cohésion sociale", "Directeur de la cohésion sociale"),
        ("Cheffe de projet", "Chef de projet"),
        ("Responsable de la vie associative", "Responsable de la vie associative"),
        ("Directrice générale adjointe des services", "Directeur général adjoint des services"),
    ],
    Role.ELECTED: [
        ("Adjointe au maire", "Adjoint au maire"),
        ("Conseillère municipale déléguée", "Conseiller municipal délégué"),
        ("Vice-présidente", "Vice-président"),
    ],
}

# Shared projects -------------------------------------------------------------------------------------

ACTIONS = ["Concevoir", "Repenser", "Co-construire", "Réinventer", "Développer", "Évaluer", "Transformer",
           "Imaginer", "Renforcer", "Organiser"]
SUBJECTS = [
    "la politique culturelle municipale", "l'offre de mobilité du quotidien", "la restauration collective durable",
    "la revitalisation du centre-bourg", "l'accès aux droits et aux services publics", "la politique jeunesse",
    "les tiers-lieux et la vie associative", "l'accueil des nouveaux habitants", "la lecture publique",
    "la rénovation énergétique des bâtiments communaux", "l'alimentation locale", "la nature en ville",
    "l'inclusion numérique", "le bien vieillir à domicile", "l'offre sportive de proximité",
    "le budget participatif", "l'usage du patrimoine", "la prévention des déchets",
    "l'éducation artistique et culturelle", "le logement des jeunes actifs",
]
PARTNERS = ["avec les habitants", "avec les associations", "avec les jeunes", "avec les commerçants",
            "avec les aînés", "avec les familles", "avec les acteurs économiques", "avec les usagers"]
CONSULTANCIES = [
    "Cabinet Territoires Vivants (prestataire fictif)",
    "Coopérative Place Publique (prestataire fictif)",
    "Agence Fil Commun (prestataire fictif)",
    "Bureau d'études Horizons Locaux (prestataire fictif)",
]
MEETING_TITLES = [
    "Comité de pilotage de lancement", "Comité de pilotage : restitution des diagnostics",
    "Comité de pilotage : choix des méthodes", "Comité de pilotage : bilan des ateliers",
    "Comité de pilotage : adoption des plans", "Comité de pilotage de clôture",
]
DECISIONS = [
    "Le calendrier du diagnostic est validé.", "Chaque collectivité constitue un groupe enquête mixte.",
    "Une rencontre entre pairs est organisée au prochain trimestre.",
    "Les ateliers de co-construction sont ouverts à tous les habitants.",
    "Les synthèses de diagnostic sont publiées sur la plateforme.", "Les indicateurs de suivi sont arrêtés.",
]
CULTURAL_LANDSCAPE = "- Des équipements municipaux\n- Un tissu associatif actif\n- Des quartiers prioritaires"
MEETING_AGENDA = "1. Tour de table des territoires\n2. Avancement du diagnostic et des ateliers\n3. Prochaines étapes"
# fmt: on


@dataclass
class ScaleReport:
    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)


def _title_candidates(rng: random.Random) -> list[str]:
    titles = [f"{action} {subject} {partner}" for action in ACTIONS for subject in SUBJECTS for partner in PARTNERS]
    rng.shuffle(titles)
    return titles


def _unique_slug(text: str, taken: set[str]) -> str:
    base = slugify(text)[:200] or "element"
    slug, suffix = base, 2
    while slug in taken:
        slug = f"{base}-{suffix}"
        suffix += 1
    taken.add(slug)
    return slug


def _authority_candidates(rng: random.Random):
    """(name, kind) in a fixed pseudo-random order: communes, with an intercommunality now and then."""
    communes = [root + suffix for root in ROOTS for suffix in SUFFIXES]
    epcis = [pattern.format(root=root) for pattern in EPCI_PATTERNS for root in ROOTS]
    rng.shuffle(communes)
    rng.shuffle(epcis)
    while communes or epcis:
        for _index in range(9):
            if communes:
                yield communes.pop(), Kind.COMMUNE
        if epcis:
            yield epcis.pop(), Kind.EPCI
    for number in range(2, 10_000):  # only for very large targets
        for root in ROOTS:
            yield f"{root} {number}", Kind.COMMUNE


def _person(rng: random.Random, role: str) -> tuple[str, str, str]:
    """First name, last name and a job title that agrees with them."""
    female = rng.random() < 0.5
    first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    title = rng.choice(JOB_TITLES[role])[0 if female else 1]
    return first, rng.choice(LAST_NAMES), title


def _ensure_authorities(target: int, rng: random.Random, password_hash: Callable[[], str]) -> int:
    existing = Organisation.objects.filter(kind__in=Organisation.LOCAL_AUTHORITY_KINDS).count()
    missing = target - existing
    if missing <= 0:
        return 0
    names = set(Organisation.objects.values_list("name", flat=True))
    slugs = set(Organisation.objects.values_list("slug", flat=True))
    insee_codes = set(Organisation.objects.exclude(insee_code="").values_list("insee_code", flat=True))
    organisations = []
    for name, kind in _authority_candidates(rng):
        if len(organisations) >= missing:
            break
        if name in names:
            continue
        names.add(name)
        department = rng.choice(DEPARTMENT_CODES)
        insee_code = ""
        if kind == Kind.COMMUNE:
            while not insee_code or insee_code in insee_codes:
                insee_code = f"{department}{rng.randint(1, 899):03d}"
            insee_codes.add(insee_code)
            population = int(rng.lognormvariate(8.3, 1.1)) + 200
        else:
            population = rng.randint(12_000, 250_000)
        organisations.append(
            Organisation(
                name=name,
                slug=_unique_slug(name, slugs),
                kind=kind,
                insee_code=insee_code,
                department_code=department,
                population=population,
                website=f"https://www.{slugify(name)[:50]}.fr",
            )
        )
    Organisation.objects.bulk_create(organisations, batch_size=500)

    # Each new authority has a referent, and one in three an elected official with an account.
    emails = set(User.objects.values_list("email", flat=True))
    users, memberships = [], []
    for organisation in organisations:
        roles = [Role.REFERENT] + ([Role.ELECTED] if rng.random() < 1 / 3 else [])
        for role in roles:
            first, last, job_title = _person(rng, role)
            prefix = "referent" if role == Role.REFERENT else "elu"
            email = f"{prefix}.{organisation.slug[:60]}@collectivite.demo"
            if email in emails:
                continue
            emails.add(email)
            user = User(
                email=email,
                first_name=first,
                last_name=last,
                job_title=job_title,
                password=password_hash(),
            )
            users.append(user)
            memberships.append((user, organisation, role))
    User.objects.bulk_create(users, batch_size=500)
    Membership.objects.bulk_create(
        [Membership(user=user, organisation=organisation, role=role) for user, organisation, role in memberships],
        batch_size=500,
    )
    return len(organisations)


def _consultancies(password_hash: Callable[[], str]) -> list[tuple[Organisation, User]]:
    """The demo consultancy and a few more, each with one consultant."""
    result = []
    demo = Organisation.objects.get(name=data.CONSULTANCY["name"], kind=Kind.CONSULTANCY)
    demo_consultant = User.objects.get(email="consultante@prestataire.demo")
    result.append((demo, demo_consultant))
    for index, name in enumerate(CONSULTANCIES):
        organisation, _created = Organisation.objects.get_or_create(name=name, kind=Kind.CONSULTANCY)
        email = f"consultant{index + 1}@prestataire.demo"
        user = User.objects.filter(email=email).first()
        if user is None:
            first, last = (FEMALE_NAMES, MALE_NAMES)[index % 2][index * 7 % len(MALE_NAMES)], LAST_NAMES[index * 5]
            user = User.objects.create(
                email=email, first_name=first, last_name=last, job_title="Consultant·e", password=password_hash()
            )
        Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": Role.CONSULTANT})
        result.append((organisation, user))
    return result


def _project_dates(rng: random.Random, today: datetime.date):
    starts_on = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randint(0, (today.year - 2019 + 1) * 365))
    starts_on = starts_on.replace(day=1)
    ends_on = starts_on + datetime.timedelta(days=rng.randint(270, 540))
    if starts_on > today:
        status = SharedProject.Status.DRAFT
    elif ends_on < today:
        status = SharedProject.Status.CLOSED
    else:
        status = SharedProject.Status.LAUNCHED
    return starts_on, ends_on, status


def _vote(rng: random.Random, members: int) -> dict:
    absent = rng.randint(0, 6)
    represented = rng.randint(0, absent)
    against = rng.randint(0, 3)
    abstentions = rng.randint(0, 5)
    votes_for = members - absent + represented - against - abstentions
    return {
        "members_in_office": members,
        "members_present": members - absent,
        "members_represented": represented,
        "members_absent": absent,
        "votes_for": votes_for,
        "votes_against": against,
        "abstentions": abstentions,
        "not_taking_part": 0,
    }


def _ensure_projects(target: int, rng: random.Random, password_hash: Callable[[], str]) -> int:
    missing = target - SharedProject.objects.count()
    if missing <= 0:
        return 0
    today = timezone.localdate()
    agency = Organisation.objects.get(name=data.AGENCY["name"], kind=Kind.NATIONAL_AGENCY)
    facilitator = User.objects.get(email="animatrice@anct.demo")
    consultancies = _consultancies(password_hash)
    authorities = list(
        Organisation.objects.filter(kind__in=Organisation.LOCAL_AUTHORITY_KINDS)
        .order_by("pk")
        .values_list("pk", "kind", "name")
    )
    members_by_org: dict[int, dict[str, int]] = {}
    for user_id, organisation_id, role in Membership.objects.filter(
        organisation__kind__in=Organisation.LOCAL_AUTHORITY_KINDS
    ).values_list("user_id", "organisation_id", "role"):
        members_by_org.setdefault(organisation_id, {}).setdefault(role, user_id)
    titles = set(SharedProject.objects.values_list("title", flat=True))
    project_slugs = set(SharedProject.objects.values_list("slug", flat=True))
    theme_slugs = set(Theme.objects.values_list("slug", flat=True))

    # Projects and the themes they came from.
    plans = []
    for title in _title_candidates(rng):
        if len(plans) >= missing:
            break
        if title in titles:
            continue
        titles.add(title)
        starts_on, ends_on, status = _project_dates(rng, today)
        chosen = rng.sample(authorities, rng.randint(3, 5) + rng.randint(0, 3))
        participant_count = rng.randint(3, 5)
        participants, observers = chosen[:participant_count], chosen[participant_count:]
        consultancy, consultant = rng.choice(consultancies)
        plans.append(
            {
                "title": title,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "status": status,
                "participants": participants,
                "observers": observers,
                "consultancy": consultancy,
                "consultant": consultant,
            }
        )
    themes = [
        Theme(
            title=plan["title"],
            slug=_unique_slug(plan["title"], theme_slugs),
            description=(
                f"{plan['title']} : comment plusieurs collectivités peuvent-elles apprendre les unes des autres "
                "en associant habitants, agents et élus à chaque étape ?"
            ),
            proposed_by_organisation_id=plan["participants"][0][0],
            status=Theme.Status.PROJECT,
        )
        for plan in plans
    ]
    Theme.objects.bulk_create(themes, batch_size=500)
    projects = []
    for plan, theme in zip(plans, themes, strict=True):
        names = ", ".join(name for _pk, _kind, name in plan["participants"])
        launched = plan["status"] != SharedProject.Status.DRAFT
        projects.append(
            SharedProject(
                title=plan["title"],
                slug=_unique_slug(plan["title"], project_slugs),
                theme=theme,
                summary=f"{names} travaillent ensemble à {plan['title'][0].lower()}{plan['title'][1:]}."[:400],
                description=(
                    "## Objet\n\nChaque collectivité conduit un **diagnostic territorial**, co-construit un plan "
                    "d'action avec ses habitants, le fait adopter puis rend compte de ce qui a été fait de leur "
                    "parole.\n\n## Accompagnement\n\nL'Agence anime le projet et le comité de pilotage ; "
                    f"{plan['consultancy'].name} accompagne les territoires."
                ),
                starts_on=plan["starts_on"],
                ends_on=plan["ends_on"],
                facilitator_organisation=agency,
                consultancy=plan["consultancy"],
                status=plan["status"],
                launched_at=(
                    timezone.make_aware(datetime.datetime.combine(plan["starts_on"], datetime.time(9, 0)))
                    if launched
                    else None
                ),
                is_public=launched and rng.random() < 0.9,
            )
        )
    SharedProject.objects.bulk_create(projects, batch_size=500)
    method_template = template_default()
    method_copy_many(source=method_template, projects=projects)

    interests = [
        ThemeInterest(theme=theme, organisation_id=pk, expressed_by_id=members_by_org.get(pk, {}).get(Role.REFERENT))
        for plan, theme in zip(plans, themes, strict=True)
        for pk, _kind, _name in plan["participants"]
    ]
    ThemeInterest.objects.bulk_create(interests, batch_size=1000)

    # Participations: territories with their sheet and progress, and observers.
    participations, participation_plans = [], []
    for plan, project in zip(plans, projects, strict=True):
        for pk, _kind, name in plan["participants"]:
            participation = Participation(
                project=project,
                organisation_id=pk,
                role=Participation.Role.PARTICIPANT,
                requested_by=facilitator,
                referent_id=members_by_org.get(pk, {}).get(Role.REFERENT),
                context=(
                    f"{name} s'engage dans le projet partagé pour {plan['title'][0].lower()}{plan['title'][1:]}. "
                    "Le conseil a approuvé la participation et désigné un interlocuteur privilégié."
                ),
                cultural_landscape=CULTURAL_LANDSCAPE,
                points_of_attention="Associer les habitants qui ne participent jamais aux concertations.",
            )
            participations.append(participation)
            participation_plans.append((participation, plan))
        for index, (pk, _kind, _name) in enumerate(plan["observers"]):
            status = Participation.ObserverStatus.ACCEPTED if index < 2 else Participation.ObserverStatus.REQUESTED
            participations.append(
                Participation(
                    project=project,
                    organisation_id=pk,
                    role=Participation.Role.OBSERVER,
                    observer_status=status,
                    requested_by_id=members_by_org.get(pk, {}).get(Role.REFERENT),
                )
            )
    Participation.objects.bulk_create(participations, batch_size=500)

    completions, withdrawals = [], []
    for participation, plan in participation_plans:
        if plan["status"] == SharedProject.Status.DRAFT:
            continue
        span = (plan["ends_on"] - plan["starts_on"]).days or 1
        elapsed = min(1.0, max(0.0, (today - plan["starts_on"]).days / span))
        done = min(len(STEP_CODES), max(0, round(elapsed * len(STEP_CODES)) + rng.randint(-2, 1)))
        completions.extend(
            StepCompletion(participation=participation, step=code, completed_by_id=participation.referent_id)
            for code in STEP_CODES[:done]
        )
        if rng.random() < 0.03:
            received = plan["starts_on"] + datetime.timedelta(days=rng.randint(30, 120))
            notice_ends_on = Withdrawal.notice_end_for(received)
            closed = notice_ends_on if notice_ends_on <= today and rng.random() < 0.7 else None
            withdrawals.append(
                Withdrawal(
                    participation=participation,
                    letter_received_on=received,
                    notice_ends_on=notice_ends_on,
                    engaged_actions_closed_on=closed,
                    effective_on=closed,
                    reason="Changement de priorités de l'exécutif.",
                    recorded_by=facilitator,
                )
            )
    StepCompletion.objects.bulk_create(completions, batch_size=1000)
    Withdrawal.objects.bulk_create(withdrawals, batch_size=500)

    # Charters, their articles and signatures.
    charters = [
        Charter(
            project=project,
            version=1,
            title=f"Charte d'engagement — {project.title}"[:250],
            created_by=facilitator,
        )
        for project in projects
    ]
    Charter.objects.bulk_create(charters, batch_size=500)
    CharterArticle.objects.bulk_create(
        [
            CharterArticle(charter=charter, number=number, **article)
            for charter, project in zip(charters, projects, strict=True)
            for number, article in enumerate(articles_for(method_template, project), 1)
        ],
        batch_size=1000,
    )
    signatures, in_force = [], []
    for plan, charter in zip(plans, charters, strict=True):
        if plan["status"] == SharedProject.Status.DRAFT:
            continue
        signed_on = plan["starts_on"]
        signatures.append(
            Signature(
                charter=charter,
                organisation=agency,
                signatory_name="Le directeur général délégué",
                signatory_title="Pour l'Agence nationale de la cohésion des territoires",
                signed_on=signed_on,
                recorded_by=facilitator,
            )
        )
        signed_all = True
        for pk, kind, name in plan["participants"]:
            if rng.random() < 0.2:
                signed_all = False
                continue
            deliberation_date = plan["starts_on"] + datetime.timedelta(days=rng.randint(0, 45))
            signatures.append(
                Signature(
                    charter=charter,
                    organisation_id=pk,
                    signatory_name=f"Le maire de {name}" if kind == Kind.COMMUNE else f"Le président de la {name}",
                    signatory_title="Autorisé par délibération",
                    signed_on=min(deliberation_date + datetime.timedelta(days=rng.randint(0, 10)), today),
                    deliberation_number=f"D-{deliberation_date.year}-{rng.randint(1, 450):03d}",
                    deliberation_date=min(deliberation_date, today),
                    deliberative_body=(
                        Signature.DeliberativeBody.MUNICIPAL_COUNCIL
                        if kind == Kind.COMMUNE
                        else Signature.DeliberativeBody.COMMUNITY_COUNCIL
                    ),
                    recorded_by_id=members_by_org.get(pk, {}).get(Role.REFERENT),
                    **_vote(rng, rng.choice([19, 23, 27, 29, 33, 35, 39, 43, 45, 49, 53, 55, 59, 69])),
                )
            )
        if signed_all:
            charter.in_force_on = min(plan["starts_on"] + datetime.timedelta(days=60), today)
            in_force.append(charter)
    Signature.objects.bulk_create(signatures, batch_size=500)
    Charter.objects.bulk_update(in_force, ["in_force_on"], batch_size=500)

    # Steering committees, their members and meetings.
    committees = [Committee(project=project) for project in projects]
    Committee.objects.bulk_create(committees, batch_size=500)
    members_by_committee = []
    all_members = []
    for plan, committee in zip(plans, committees, strict=True):
        members = [
            CommitteeMember(
                committee=committee, user=facilitator, organisation=agency, kind=CommitteeMember.Kind.AGENCY
            ),
            CommitteeMember(
                committee=committee,
                user=plan["consultant"],
                organisation=plan["consultancy"],
                kind=CommitteeMember.Kind.CONSULTANT,
            ),
        ]
        for pk, _kind, _name in plan["participants"]:
            org_members = members_by_org.get(pk, {})
            if Role.REFERENT in org_members:
                members.append(
                    CommitteeMember(
                        committee=committee,
                        user_id=org_members[Role.REFERENT],
                        organisation_id=pk,
                        kind=CommitteeMember.Kind.CULTURAL_LEAD,
                    )
                )
            if Role.ELECTED in org_members:
                members.append(
                    CommitteeMember(
                        committee=committee,
                        user_id=org_members[Role.ELECTED],
                        organisation_id=pk,
                        kind=CommitteeMember.Kind.ELECTED,
                    )
                )
        members_by_committee.append(members)
        all_members.extend(members)
    CommitteeMember.objects.bulk_create(all_members, batch_size=1000)
    meetings, meeting_members = [], []
    for plan, committee, members in zip(plans, committees, members_by_committee, strict=True):
        if plan["status"] == SharedProject.Status.DRAFT:
            continue
        for index in range(rng.randint(1, 4)):
            starts_at = datetime.datetime.combine(
                plan["starts_on"] + datetime.timedelta(days=40 + 75 * index), datetime.time(rng.choice([10, 14]), 0)
            )
            past = starts_at.date() <= today
            meetings.append(
                Meeting(
                    committee=committee,
                    title=MEETING_TITLES[index],
                    starts_at=timezone.make_aware(starts_at),
                    place=rng.choice(
                        ["Visioconférence", "Paris, siège de l'Agence", "Mairie de l'une des collectivités"]
                    ),
                    agenda=MEETING_AGENDA,
                    minutes="Chaque territoire a présenté son avancement ; les prochaines étapes sont arrêtées."
                    if past
                    else "",
                )
            )
            meeting_members.append((meetings[-1], [m for m in members if rng.random() < 0.85], past))
    Meeting.objects.bulk_create(meetings, batch_size=500)
    Decision.objects.bulk_create(
        [
            Decision(meeting=meeting, number=number, text=text)
            for meeting, _members, past in meeting_members
            if past
            for number, text in enumerate(rng.sample(DECISIONS, rng.randint(1, 3)), 1)
        ],
        batch_size=1000,
    )
    Attendance = Meeting.attendees.through
    Attendance.objects.bulk_create(
        [
            Attendance(meeting_id=meeting.pk, committeemember_id=member.pk)
            for meeting, members, past in meeting_members
            if past
            for member in members
        ],
        batch_size=1000,
    )
    return len(projects)


def _ensure_proposed_themes(target: int, rng: random.Random) -> int:
    """Themes still proposed, gathering votes of interest: what the home page ranks by popularity."""
    missing = target - Theme.objects.filter(status=Theme.Status.PROPOSED).count()
    if missing <= 0:
        return 0
    authority_ids = list(
        Organisation.objects.filter(kind__in=Organisation.LOCAL_AUTHORITY_KINDS).values_list("pk", flat=True)
    )
    taken_titles = set(Theme.objects.values_list("title", flat=True))
    slugs = set(Theme.objects.values_list("slug", flat=True))
    themes = []
    for subject in SUBJECTS:
        for partner in PARTNERS:
            title = f"{subject[0].upper()}{subject[1:]} {partner}"
            if len(themes) >= missing:
                break
            if title in taken_titles:
                continue
            themes.append(
                Theme(
                    title=title,
                    slug=_unique_slug(title, slugs),
                    description=f"Proposer aux collectivités de travailler ensemble sur {subject}, {partner}.",
                    proposed_by_organisation_id=rng.choice(authority_ids),
                )
            )
    Theme.objects.bulk_create(themes, batch_size=500)
    interests = []
    for theme in themes:
        voters = {theme.proposed_by_organisation_id, *rng.sample(authority_ids, rng.randint(0, 40))}
        interests.extend(ThemeInterest(theme=theme, organisation_id=pk) for pk in voters)
    ThemeInterest.objects.bulk_create(interests, batch_size=1000)
    return len(themes)


def scale_demo(*, projects: int = 300, authorities: int = 1500, seed: int = 2021) -> ScaleReport:
    """Bring the demo data set up to `projects` shared projects and `authorities` local authorities."""
    report = ScaleReport()
    report.created["reference_case"] = int(load_demo())
    password_hash = functools.cache(lambda: make_password(data.DEMO_PASSWORD))
    with transaction.atomic():
        rng = random.Random(f"{seed}-authorities-{authorities}")  # noqa: S311 (reproducible demo data)
        report.created["authorities"] = _ensure_authorities(authorities, rng, password_hash)
        rng = random.Random(f"{seed}-projects-{projects}")  # noqa: S311 (reproducible demo data)
        report.created["projects"] = _ensure_projects(projects, rng, password_hash)
        rng = random.Random(f"{seed}-themes-{projects}")  # noqa: S311 (reproducible demo data)
        report.created["proposed_themes"] = _ensure_proposed_themes(max(10, projects // 5), rng)
        if any(report.created.values()):
            transaction.on_commit(bump_content_version)
    report.totals = {
        "projects": SharedProject.objects.count(),
        "public_projects": SharedProject.objects.public().count(),
        "authorities": Organisation.objects.filter(kind__in=Organisation.LOCAL_AUTHORITY_KINDS).count(),
        "participations": Participation.objects.count(),
        "users": User.objects.count(),
        "signatures": Signature.objects.count(),
        "step_completions": StepCompletion.objects.count(),
        "meetings": Meeting.objects.count(),
        "themes": Theme.objects.count(),
    }
    return report
