"""A small coded corpus for the REFI-QDA tests: a codebook with a hierarchy, two interviews with
transcripts (one with non-ASCII text and a memo), a resident's coded text, codings by two coders."""

import datetime
import io
import zipfile

from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.expression import services as expression_services
from territoires.diagnostic.interviews.models import Interview, InterviewParticipant, Transcript
from tests.factories import make_project

TEXT_ONE = (
    "Enquêteur : qu'est-ce qui vous fait venir à la médiathèque ?\n\n"
    "P1 : Les ateliers du mercredi, surtout. Mais les horaires… c'est compliqué quand on travaille. "
    "Et l'été, tout est fermé — 🎭 même le théâtre de verdure."
)
TEXT_TWO = "P2 : Le festival de quartier, c'est là qu'on se rencontre entre voisins. Sans lui, rien."
EXPRESSION_TEXT = "Je suis bénévole au centre social et j'organise la fête des voisins chaque printemps."


def code(project, name, parent=None, **fields):
    return Code.objects.create(project=project, name=name, parent=parent, **fields)


def interview(territory, title, text, *, profile="resident"):
    item = Interview.objects.create(territory=territory, title=title, held_on=datetime.date(2021, 10, 12))
    participant = InterviewParticipant.objects.create(interview=item, label="P1", profile=profile)
    transcript = Transcript.objects.create(interview=item, text=text)
    return item, transcript, participant


def coding(code_obj, *, transcript=None, expression=None, text, needle, coder=None, memo="", participant=None):
    start = text.index(needle)
    end = start + len(needle)
    source = transcript.interview if transcript else expression
    return Coding.objects.create(
        code=code_obj, project=code_obj.project, territory=source.territory, transcript=transcript,
        expression=expression, participant=participant, profile=participant.profile if participant else "",
        start=start, end=end, quote=text[start:end], memo=memo, coder=coder,
    )  # fmt: skip


def build_corpus(world=None):
    world = world or make_project()
    project = world.project
    world.x = project.participations.get(organisation=world.towns[0])
    world.y = project.participations.get(organisation=world.towns[1])
    world.access = code(project, "Accès", colour="#1f6feb", definition="Ce qui empêche ou permet de venir.",
                        example="« les horaires… c'est compliqué »")  # fmt: skip
    world.hours = code(project, "Horaires", parent=world.access, colour="#c9191e", definition="Heures d'ouverture.")
    world.summer = code(project, "Fermeture estivale", parent=world.hours, colour="#18753c")
    world.sociability = code(project, "Sociabilité", colour="#6a6af4", definition="Se retrouver.")
    world.unused = code(project, "Code sans codage", colour="#b34000")
    _i1, world.t1, p1 = interview(world.x, "Usagère de la médiathèque", TEXT_ONE)
    _i2, world.t2, p2 = interview(world.y, "Habitant, quartier nord", TEXT_TWO, profile="actor")
    coder_a, coder_b = world.consultant, world.facilitator
    world.codings = [
        coding(world.hours, transcript=world.t1, text=TEXT_ONE, needle="les horaires… c'est compliqué quand on travaille",
               coder=coder_a, memo="Revient dans trois entretiens.\nÀ creuser.", participant=p1),
        coding(world.access, transcript=world.t1, text=TEXT_ONE, needle="Les ateliers du mercredi", coder=coder_b,
               participant=p1),
        coding(world.summer, transcript=world.t1, text=TEXT_ONE, needle="tout est fermé — 🎭 même le théâtre",
               coder=coder_a, participant=p1),
        coding(world.sociability, transcript=world.t2, text=TEXT_TWO, needle="c'est là qu'on se rencontre entre voisins",
               coder=coder_b, memo="Le festival comme lieu de rencontre.", participant=p2),
    ]  # fmt: skip
    prompt = expression_services.prompt_set(
        territory=world.x, user=world.referents[0], question="Qu'est-ce qui fait de vous un acteur ?", is_open=True
    )
    world.expression, _created = expression_services.expression_submit(prompt=prompt, text=EXPRESSION_TEXT)
    world.codings.append(
        coding(
            world.sociability,
            expression=world.expression,
            text=EXPRESSION_TEXT,
            needle="la fête des voisins",
            coder=coder_a,
        )  # fmt: skip
    )
    return world


def zip_bytes(members: dict[str, bytes | str], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
    return buffer.getvalue()
