import datetime

from territoires.diagnostic.coding import services
from territoires.diagnostic.interviews.models import Interview, InterviewParticipant, Pseudonym, Transcript

TEXT = (
    "Enquêteur : Comment participez-vous à la vie culturelle du quartier ?\n"
    "Marie Dupont : Je tiens la bibliothèque de rue avec l'association le mercredi. "
    "Les enfants viennent, les parents restent, on parle de tout.\n"
    "Enquêteur : Et la médiathèque ?\n"
    "Marie Dupont : Elle est loin, les horaires ne collent pas avec le travail."
)


def territory(world, index=0):
    participation = world.project.participations.get(organisation=world.towns[index])
    return participation


def make_transcript(world, index=0, text=TEXT, participants=(("P1", "resident"),), title="Bibliothèque de rue"):
    interview = Interview.objects.create(
        territory=territory(world, index), title=title, held_on=datetime.date(2021, 11, 3), is_synthetic=True
    )
    for position, (label, profile) in enumerate(participants):
        InterviewParticipant.objects.create(interview=interview, label=label, profile=profile, position=position)
    Pseudonym.objects.get_or_create(
        territory=interview.territory, name="Marie Dupont", defaults={"replacement": "[une bénévole]"}
    )
    return Transcript.objects.create(interview=interview, text=text)


def make_codes(world, user=None):
    user = user or world.consultant
    access = services.code_create(project=world.project, user=user, name="Accès", colour="#c9191e")
    hours = services.code_create(project=world.project, user=user, name="Horaires", parent=access)
    sociability = services.code_create(project=world.project, user=user, name="Sociabilité", colour="#18753c")
    return access, hours, sociability


def span(text, words):
    start = text.index(words)
    return start, start + len(words)
