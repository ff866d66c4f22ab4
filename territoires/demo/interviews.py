"""The interviews of the diagnostic demo: the project's interview guide (version 1, with which the
interviews were held, and a version 2 in progress that adds a question), for each of the four towns one semi-directive and one collective interview
— synthetic, labelled as such, with an invented transcript about the town's cultural policy — the
town's pseudonymisation list, a shared hierarchical codebook, and codings of the transcripts by two
coders (the consultant and the town's referent) who coded some passages alike and some differently,
so that their agreement can be computed. Everything here is invented for the demonstration.

Idempotent: each part is skipped when it is already there. The models are written directly for the
codebook and codings (the coding screens are their own module); interviews and transcripts go
through their services, as a person would.
"""

import datetime

from territoires.accounts.models import User
from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.interviews import services
from territoires.diagnostic.interviews.models import Interview, InterviewGuide, Pseudonym
from territoires.projects.models import Participation

CONSULTANT = "consultante@prestataire.demo"

GUIDE_TITLE = "Guide des entretiens du diagnostic culturel"
GUIDE_INTRODUCTION = (
    "Présenter le projet partagé et la démarche de la ville ; préciser que l'entretien est enregistré avec "
    "l'accord des personnes, que les propos sont pseudonymisés avant toute citation et que chacun peut "
    "se retirer à tout moment."
)
GUIDE = [
    ("Pratiques et parcours", [
        ("Pouvez-vous vous présenter et dire ce que vous faites dans le quartier ?", ""),
        ("Quelles activités culturelles pratiquez-vous, seul·e ou avec d'autres ?",
         "Chez vous, dehors, en association ?\nDepuis quand ?"),
    ]),
    ("Lieux et offre culturelle", [
        ("Quels lieux culturels fréquentez-vous, et lesquels jamais ?", "Pourquoi ceux-là ?"),
        ("Qu'est-ce qui vous empêche, ou empêche vos proches, d'y aller ?", "Prix, horaires, transports, accueil ?"),
    ]),
    ("Participation et attentes", [
        ("Avez-vous déjà été consulté·e sur la politique culturelle de la ville ?", ""),
        ("Si vous pouviez changer une chose, laquelle ?", "Pour qui ? Où ?"),
    ]),
]  # fmt: skip
V2_QUESTION = (
    "Qu'est-ce qui fait de vous un acteur ou une actrice de la vie culturelle de votre quartier ?",
    "Ce que vous transmettez, organisez, partagez.",
)

# The codebook: (parent, name, colour, definition, example). Parents first.
CODES = [
    (None, "Pratiques culturelles", "#000091", "Ce que les personnes font, seules ou avec d'autres.", ""),
    ("Pratiques culturelles", "Pratiques amateurs", "#6a6af4",
     "Pratique artistique hors cadre professionnel : musique, danse, chant, peinture, théâtre.",
     "« On répète le jeudi soir dans la salle de l'amicale. »"),
    ("Pratiques culturelles", "Pratiques numériques", "#8585f6",
     "Création, diffusion ou découverte par les écrans et les réseaux.", "« On poste nos sons sur internet. »"),
    ("Pratiques culturelles", "Sorties et fréquentation", "#9a9aff",
     "Fréquentation des lieux et des événements culturels.", "« On va au festival chaque été. »"),
    (None, "Freins", "#ce0500", "Ce qui empêche ou décourage la participation.", ""),
    ("Freins", "Coût", "#e1000f", "Le prix d'une sortie, d'une inscription, du transport.",
     "« Trente euros la place, avec trois enfants, ce n'est pas possible. »"),
    ("Freins", "Horaires", "#f95c5e", "Horaires d'ouverture ou de programmation qui ne conviennent pas.",
     "« Ça ferme à 18 heures, je rentre du travail à 19 heures. »"),
    ("Freins", "Mobilité et distance", "#ff8d7e", "Distance, transports en commun, stationnement.",
     "« Le dernier bus part à 20 heures. »"),
    ("Freins", "Sentiment d'illégitimité", "#b34000",
     "Ne pas se sentir à sa place, penser que « ce n'est pas pour nous ».",
     "« Le théâtre, c'est pour les gens qui connaissent déjà. »"),
    (None, "Lieux", "#18753c", "Les lieux où la vie culturelle se passe, ou pourrait se passer.", ""),
    ("Lieux", "Équipements municipaux", "#27a658", "Médiathèque, conservatoire, salle de spectacle, musée.",
     "« La médiathèque est le seul endroit où je me sens à l'aise. »"),
    ("Lieux", "Espaces publics", "#34cb6a", "Places, parcs, marchés, pieds d'immeuble, arrêts de bus.",
     "« On s'entraîne sur le parvis, faute de salle. »"),
    ("Lieux", "Lieux associatifs et tiers-lieux", "#68a532", "Centres sociaux, maisons de quartier, tiers-lieux.",
     "« Au centre social, les parents reviennent avec les enfants. »"),
    (None, "Participation", "#a558a0", "Prendre part aux décisions et à la vie culturelle.", ""),
    ("Participation", "Être consulté·e", "#c17fbb", "Être ou ne pas être associé aux choix de la ville.",
     "« On ne nous a jamais demandé notre avis. »"),
    ("Participation", "Bénévolat et engagement", "#d8a2d2", "Donner de son temps, organiser, tenir un rôle.",
     "« Je tiens la billetterie du festival l'été. »"),
    ("Participation", "Transmission", "#e18b76", "Transmettre entre générations, entre voisins, entre cultures.",
     "« Je raconte des histoires aux petits le mercredi. »"),
]  # fmt: skip

# {town}, {q1}, {q2}: the town and two of its neighbourhoods.
SEMI_DIRECTIVE = """\
Entretien fictif, rédigé pour la démonstration de la plateforme. Aucune personne réelle n'y est citée.

Enquêtrice : Merci d'avoir accepté cet entretien. Pour commencer, pouvez-vous vous présenter et nous dire ce que vous faites dans le quartier ?
P1 : Oui. J'ai cinquante-deux ans, j'habite le quartier {q1} depuis presque vingt ans. Je suis présidente d'une association de quartier qui fait surtout de l'aide aux devoirs et des sorties pour les familles. Et depuis quelques années on a monté un petit atelier de couture et de chant, le samedi matin, dans la salle que nous prête le bailleur.
Enquêtrice : Quelles activités culturelles pratiquez-vous, vous-même ou avec d'autres ?
P1 : Moi je chante, dans une chorale, depuis longtemps. On répète le jeudi soir dans la salle de l'amicale et on chante pour les anciens à Noël. Avec l'association, on emmène aussi les enfants au cinéma une fois par trimestre. Je ne me disais pas que c'était de la culture, pour moi c'était juste la vie du quartier. C'est en venant aux réunions de la ville que j'ai compris que ça comptait.
Enquêtrice : Quels lieux culturels fréquentez-vous, et lesquels jamais ?
P1 : La médiathèque, oui, souvent, avec mes petits-enfants. Hélène, qui s'occupe de l'accueil des familles, fait un travail formidable, elle connaît tout le monde. Le conservatoire, jamais. Le théâtre du centre, j'y suis allée deux fois en vingt ans. Franchement, le théâtre, c'est pour les gens qui connaissent déjà. On ne se sent pas à sa place, on ne sait pas comment s'habiller, quand applaudir. Ce n'est pas que ça ne nous intéresse pas.
Enquêtrice : Qu'est-ce qui vous empêche, vous ou vos proches, d'y aller ?
P1 : D'abord le prix. Trente euros la place, avec trois enfants, ce n'est pas possible pour les familles que je connais. Il y a des tarifs réduits mais personne ne les connaît, il faut remplir des papiers. Ensuite les horaires : la médiathèque ferme à 18 heures en semaine, les mamans qui travaillent rentrent à 19 heures. Et puis le transport. Le dernier bus part à 20 heures, alors un spectacle qui finit à 22 heures, pour rentrer au quartier {q1}, il faut une voiture. Beaucoup n'en ont pas.
Enquêtrice : Avez-vous déjà été consultée sur la politique culturelle de la ville ?
P1 : Jamais avant cette démarche. On ne nous a jamais demandé notre avis, on recevait le programme, c'est tout. Là, c'est la première fois qu'on nous invite. J'espère que ce ne sera pas juste pour faire joli. Mme Lefèvre est venue à notre fête de quartier en juin, elle a écouté, elle a pris des notes. On verra ce qui en sort.
Enquêtrice : Et les jeunes du quartier, qu'est-ce qu'ils font, d'après vous ?
P1 : Ils font énormément de choses, mais pas dans les lieux. Ils font du son dans leur chambre et ils postent sur internet, ils dansent. Il y a un groupe de hip-hop qui s'entraîne dehors, sur le parvis près de l'arrêt de bus, parce qu'il n'y a pas de salle ouverte le soir. Karim, l'animateur, a essayé d'avoir un créneau au gymnase, on lui a dit non. Ces jeunes, ce sont des artistes, mais personne ne les regarde comme ça.
Enquêtrice : Si vous pouviez changer une chose, laquelle ?
P1 : Une salle ouverte le soir dans le quartier, avec quelqu'un pour accueillir. Pas forcément grande. Un endroit où les jeunes peuvent répéter, où les anciennes peuvent chanter, où on peut montrer ce qu'on fait. Et que la médiathèque vienne chez nous de temps en temps, au pied des immeubles, l'été. Quand elle est venue avec des livres sur la pelouse, il y avait des familles qu'on ne voit jamais ailleurs.
Enquêtrice : Qu'est-ce qui fait de vous une actrice de la vie culturelle du quartier ?
P1 : Je transmets. Les chansons de ma mère, je les apprends aux petites de l'atelier. Ma voisine leur apprend la couture de chez elle. C'est ça notre culture, on la partage entre générations. Si la ville veut nous aider, qu'elle reconnaisse ça aussi, pas seulement les grands spectacles du centre-ville de {town}.
Enquêtrice : Merci beaucoup. Souhaitez-vous ajouter quelque chose ?
P1 : Juste que les gens du quartier {q2} vivent la même chose que nous. Il faudrait les rencontrer aussi, pas seulement les présidents d'associations comme moi.
"""

COLLECTIVE = """\
Entretien collectif fictif, rédigé pour la démonstration de la plateforme. Aucune personne réelle n'y est citée.

Enquêteur : Bonjour à toutes et à tous. Vous êtes quatre, habitants et bénévoles, et vous participez chacun à la vie culturelle du quartier {q2}. Pouvez-vous vous présenter en quelques mots ?
P1 : Je suis retraité, j'ai été cheminot. Je peins depuis trente ans, mais je n'ai jamais montré mes toiles.
P2 : Je suis bénévole au festival de l'été, je tiens la billetterie depuis six ans. Et je suis mère de deux ados.
P3 : Moi j'ai dix-neuf ans, je fais de la musique avec des potes, du rap surtout, on enregistre comme on peut.
P4 : Je suis aide à domicile et je raconte des histoires aux petits du centre social le mercredi après-midi.
Enquêteur : Quels lieux culturels fréquentez-vous ?
P2 : Le festival, évidemment. Le reste de l'année, pas grand-chose. On va au cinéma du centre de {town}, parfois.
P3 : Nous, aucun. Enfin si, la médiathèque pour le wifi. Mais les lieux, ce n'est pas fait pour nous. On ne voit jamais des gens comme nous sur les affiches.
P4 : Au centre social, les parents reviennent avec les enfants. C'est comme ça que le quartier se parle. C'est le seul endroit où tout le monde se mélange vraiment.
P1 : La médiathèque, j'y vais pour les livres d'art. Mais pour exposer, il n'y a rien pour les amateurs. Un lieu d'exposition pour les amateurs du quartier, ce serait une vraie reconnaissance.
Enquêteur : Qu'est-ce qui vous freine, ou freine les gens autour de vous ?
P2 : Le prix, clairement. Au festival, je vois des familles qui regardent de loin, derrière les barrières, parce que l'entrée est payante le soir.
P3 : Et les horaires. Le studio de la ville, il faut réserver trois semaines avant, en semaine, de 14 heures à 17 heures. Nous on travaille, ou on est en formation. Du coup on répète dans une cave.
P1 : Pour les anciens, c'est la distance. Sans voiture, aller au centre le soir, ce n'est pas rassurant, le bus ne passe plus après 20 heures.
P4 : Il y a aussi la langue. Des mamans me disent qu'elles n'osent pas entrer, qu'elles ont peur de ne pas comprendre, qu'on les regarde. Ce n'est pas de l'indifférence, c'est de la gêne.
Enquêteur : Avez-vous le sentiment d'être consultés sur la politique culturelle ?
P2 : Comme bénévoles, on nous demande nos bras, pas notre avis sur la programmation. J'aimerais qu'on nous demande notre avis, on connaît le public mieux que personne.
P3 : Personne ne nous a jamais proposé un studio dans le quartier. Si on nous demandait, on dirait ce qu'il faut, ce n'est pas compliqué.
P1 : M. Garnier est venu une fois inaugurer la fresque du gymnase. Il a dit que la culture était pour tous. Depuis, on n'a rien vu.
Enquêteur : Qu'est-ce qui fait de vous des acteurs de la vie culturelle du quartier ?
P4 : Je transmets des histoires, celles de mon pays et celles des livres de la médiathèque. Les enfants les racontent ensuite à leurs parents.
P3 : On crée. Nos sons, les gens du quartier les écoutent, plus que ce qui passe au théâtre. On fait vivre le quartier, même si ce n'est pas reconnu.
P2 : Je donne mon temps, chaque été. Sans les bénévoles, il n'y a pas de festival.
P1 : Moi, je voudrais transmettre ce que je sais aux jeunes qui veulent dessiner. Des cours, gratuits, au centre social.
Enquêteur : Si vous pouviez changer une chose ?
P3 : Un studio ouvert le soir, avec du matériel, géré avec nous.
P2 : Des places à prix libre pour les familles du quartier, et qu'on nous associe au choix des spectacles.
P4 : Des ateliers dans les lieux qu'on connaît déjà, le centre social, la place du marché, plutôt que de demander aux gens d'aller loin.
P1 : Une exposition des amateurs du quartier {q2}, une fois par an, à la médiathèque de {town}. Ça ne coûte presque rien et ça dirait aux gens qu'ils comptent.
Enquêteur : Merci à vous quatre.
"""

# (code, quote) coded by the consultant; the referent codes some of the same passages alike and some
# differently, and a few others (the `REFERENT_*` lists), so that the two coders can be compared.
SEMI_CODINGS = [
    ("Pratiques amateurs", "On répète le jeudi soir dans la salle de l'amicale"),
    ("Équipements municipaux", "La médiathèque, oui, souvent, avec mes petits-enfants"),
    ("Sentiment d'illégitimité", "le théâtre, c'est pour les gens qui connaissent déjà"),
    ("Coût", "Trente euros la place, avec trois enfants, ce n'est pas possible"),
    ("Horaires", "la médiathèque ferme à 18 heures en semaine"),
    ("Mobilité et distance", "Le dernier bus part à 20 heures"),
    ("Être consulté·e", "On ne nous a jamais demandé notre avis"),
    ("Pratiques numériques", "Ils font du son dans leur chambre et ils postent sur internet"),
    ("Espaces publics", "sur le parvis près de l'arrêt de bus, parce qu'il n'y a pas de salle ouverte le soir"),
    ("Transmission", "Les chansons de ma mère, je les apprends aux petites de l'atelier"),
    ("Espaces publics", "au pied des immeubles, l'été"),
]
SEMI_REFERENT = [
    ("Pratiques amateurs", "On répète le jeudi soir dans la salle de l'amicale"),
    ("Équipements municipaux", "La médiathèque, oui, souvent, avec mes petits-enfants"),
    ("Sentiment d'illégitimité", "le théâtre, c'est pour les gens qui connaissent déjà"),
    ("Coût", "Trente euros la place, avec trois enfants, ce n'est pas possible"),
    ("Mobilité et distance", "la médiathèque ferme à 18 heures en semaine"),
    ("Mobilité et distance", "Le dernier bus part à 20 heures"),
    ("Être consulté·e", "On ne nous a jamais demandé notre avis"),
    ("Pratiques amateurs", "Ils font du son dans leur chambre et ils postent sur internet"),
    ("Transmission", "Les chansons de ma mère, je les apprends aux petites de l'atelier"),
]
COLLECTIVE_CODINGS = [
    ("Pratiques amateurs", "Je peins depuis trente ans, mais je n'ai jamais montré mes toiles"),
    ("Bénévolat et engagement", "je tiens la billetterie depuis six ans"),
    ("Pratiques amateurs", "je fais de la musique avec des potes"),
    ("Sentiment d'illégitimité", "les lieux, ce n'est pas fait pour nous"),
    ("Lieux associatifs et tiers-lieux", "Au centre social, les parents reviennent avec les enfants"),
    ("Coût", "l'entrée est payante le soir"),
    ("Horaires", "il faut réserver trois semaines avant, en semaine, de 14 heures à 17 heures"),
    ("Mobilité et distance", "le bus ne passe plus après 20 heures"),
    ("Sentiment d'illégitimité", "elles n'osent pas entrer"),
    ("Être consulté·e", "on nous demande nos bras, pas notre avis sur la programmation"),
    ("Transmission", "Je transmets des histoires, celles de mon pays et celles des livres de la médiathèque"),
    ("Pratiques numériques", "Nos sons, les gens du quartier les écoutent"),
    ("Espaces publics", "le centre social, la place du marché"),
]
COLLECTIVE_REFERENT = [
    ("Pratiques amateurs", "Je peins depuis trente ans, mais je n'ai jamais montré mes toiles"),
    ("Bénévolat et engagement", "je tiens la billetterie depuis six ans"),
    ("Sentiment d'illégitimité", "les lieux, ce n'est pas fait pour nous"),
    ("Équipements municipaux", "Au centre social, les parents reviennent avec les enfants"),
    ("Coût", "l'entrée est payante le soir"),
    ("Horaires", "il faut réserver trois semaines avant, en semaine, de 14 heures à 17 heures"),
    ("Horaires", "le bus ne passe plus après 20 heures"),
    ("Être consulté·e", "on nous demande nos bras, pas notre avis sur la programmation"),
    ("Transmission", "Je transmets des histoires, celles de mon pays et celles des livres de la médiathèque"),
]

PSEUDONYMS = [
    ("Hélène", "[la chargée de l'accueil des familles à la médiathèque]"),
    ("Karim", "[l'animateur jeunesse]"),
    ("Mme Lefèvre", "[l'adjointe à la culture]"),
    ("M. Garnier", "[un élu]"),
]

INTERVIEWS = [
    # (title, kind, day offset, place label, participants (label, profile), template, consultant's codings,
    #  referent's codings)
    ("Présidente d'une association de quartier", "semi_directive", 0, "Local de l'association",
     [("P1", "actor")], SEMI_DIRECTIVE, SEMI_CODINGS, SEMI_REFERENT),
    ("Groupe d'habitants et de bénévoles", "collective", 9, "Centre social du quartier",
     [("P1", "resident"), ("P2", "resident"), ("P3", "resident"), ("P4", "resident")], COLLECTIVE,
     COLLECTIVE_CODINGS, COLLECTIVE_REFERENT),
]  # fmt: skip


def _neighbourhoods(town: str) -> list[str]:
    from territoires.demo.surveys import TOWN_PROFILES

    profile = TOWN_PROFILES.get(town)
    names = [label for _code, label, _share in profile["neighbourhoods"]] if profile else []
    return (names[1:] or ["du Centre", "de la Gare"]) + ["de la Gare"]


def _guide(project, consultant) -> list[InterviewGuide]:
    if InterviewGuide.objects.filter(project=project).exists():
        return list(InterviewGuide.objects.filter(project=project).order_by("version"))
    first = services.guide_create(project=project, user=consultant, title=GUIDE_TITLE, introduction=GUIDE_INTRODUCTION)
    for theme_title, questions in GUIDE:
        theme = services.theme_save(guide=first, user=consultant, title=theme_title)
        for text, prompts in questions:
            services.question_save(theme=theme, user=consultant, text=text, prompts=prompts)
    second = services.guide_new_version(guide=first, user=consultant)
    last_theme = second.themes.order_by("-position").first()
    services.question_save(theme=last_theme, user=consultant, text=V2_QUESTION[0], prompts=V2_QUESTION[1])
    return [first, second]


def _codebook(project) -> dict[str, Code]:
    codes = {code.name: code for code in Code.objects.filter(project=project)}
    for position, (parent, name, colour, definition, example) in enumerate(CODES, start=1):
        if name not in codes:
            codes[name] = Code.objects.create(
                project=project, parent=codes.get(parent) if parent else None, name=name, colour=colour,
                definition=definition, example=example, position=position,
            )  # fmt: skip
    return codes


def _code(transcript, participants, codes, coder, pairs) -> None:
    text = transcript.text
    rows = []
    for name, quote in pairs:
        start = text.find(quote)
        if start < 0:
            continue
        speaker = _speaker(text, start, participants)
        rows.append(
            Coding(
                code=codes[name],
                project_id=transcript.interview.project_id,
                territory_id=transcript.interview.territory_id,
                transcript=transcript,
                participant=speaker,
                profile=speaker.profile if speaker else "",
                start=start,
                end=start + len(quote),
                quote=quote,
                transcript_version=transcript.version,
                coder=coder,
            )  # fmt: skip
        )
    Coding.objects.bulk_create(rows)


def _speaker(text: str, position: int, participants):
    line_start = text.rfind("\n", 0, position) + 1
    label = text[line_start : text.find(" :", line_start)] if " :" in text[line_start : line_start + 20] else ""
    return participants.get(label)


def _interviews(territory, consultant, guides, codes) -> bool:
    if Interview.objects.filter(territory=territory, is_synthetic=True).exists():
        return False
    town = territory.organisation.name
    q1, q2 = _neighbourhoods(town)[:2]
    referent = territory.referent or consultant
    day = datetime.date(2021, 10, 18)
    for title, kind, offset, place, people, template, own, theirs in INTERVIEWS:
        held_on = day + datetime.timedelta(days=offset)
        interview = services.interview_create(
            territory=territory, user=consultant,
            data={"title": title, "kind": kind, "held_on": held_on, "place_label": place, "interviewer": consultant,
                  "guide": guides[0], "consent_given": True, "consent_on": held_on,
                  "notes": "Entretien fictif de démonstration : les personnes et les propos sont inventés."},
            participants=[{"label": label, "profile": profile} for label, profile in people],
            is_synthetic=True,
        )  # fmt: skip
        transcript, _result = services.transcript_save(
            interview=interview, user=consultant, text=template.format(town=town, q1=q1, q2=q2)
        )
        participants = {p.label: p for p in interview.participants.all()}
        _code(transcript, participants, codes, consultant, own)
        if referent.pk != consultant.pk:
            _code(transcript, participants, codes, referent, theirs)
    return True


def _pseudonyms(territory, consultant) -> bool:
    if Pseudonym.objects.filter(territory=territory).exists():
        return False
    for name, replacement in PSEUDONYMS:
        services.pseudonym_save(territory=territory, user=consultant, name=name, replacement=replacement)
    return True


def load(project) -> bool:
    consultant = User.objects.filter(email=CONSULTANT).first()
    if consultant is None:
        return False
    created = not InterviewGuide.objects.filter(project=project).exists()
    guides = _guide(project, consultant)
    created = created or Code.objects.filter(project=project).count() < len(CODES)
    codes = _codebook(project)
    territories = Participation.objects.filter(project=project, role=Participation.Role.PARTICIPANT).select_related(
        "organisation", "project", "referent"
    )
    for territory in territories:
        created = _interviews(territory, consultant, guides, codes) or created
        created = _pseudonyms(territory, consultant) or created
    return created
