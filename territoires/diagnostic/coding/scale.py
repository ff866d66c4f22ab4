"""Scales the qualitative coding up for `make bench ONLY=diagnostic.coding` (bench/diagnostic_coding.py):
400 synthetic interviews of about 8,000 words over the four territories of the reference project,
a codebook of 120 codes (12 themes × 9 sub-codes + the 12 themes), 20,000 coded excerpts, and one
interview holding 200 codings (the "transcript page" figure).

Idempotent: the interviews made here carry TITLE_PREFIX and the codes CODE_PREFIX; only what is
missing is added (running it again with the same figures changes nothing). Rows are written with
bulk_create, marked synthetic; no audit event is written (nobody acted). Product code never calls
this.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction

from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.interviews.models import Interview, InterviewParticipant, Transcript
from territoires.projects.models import SharedProject

REFERENCE_TITLE = "Concevoir l'action culturelle municipale avec les habitants"
TITLE_PREFIX = "Entretien de charge n° "
CODE_PREFIX = "Charge · "
DENSE_TITLE = TITLE_PREFIX + "1"  # the interview with DENSE_CODINGS codings
DENSE_CODINGS = 200
DENSE_TOWN = "Niort"
PROFILES = [choice for choice, _label in InterviewParticipant.Profile.choices]
WORDS = [
    "habitant",
    "quartier",
    "médiathèque",
    "spectacle",
    "association",
    "jeunes",
    "parents",
    "concert",
    "atelier",
    "théâtre",
    "bibliothèque",
    "festival",
    "voisin",
    "place",
    "marché",
    "centre",
    "social",
    "école",
    "musique",
    "danse",
    "exposition",
    "lecture",
    "bénévole",
    "mairie",
    "horaires",
    "accès",
    "transport",
    "gratuit",
    "tarif",
    "programme",
    "rencontre",
    "fête",
    "parc",
    "salle",
    "culture",
    "pratique",
    "amateur",
    "numérique",
    "patrimoine",
    "musée",
    "cinéma",
    "famille",
    "enfants",
    "aînés",
    "quartiers",
    "nord",
    "sud",
    "ville",
    "projet",
    "envie",
    "temps",
]


@dataclass
class CodingScaleReport:
    interviews: int
    codes: int
    codings: int
    project_slug: str
    dense_transcript_id: int


def _text(rng: random.Random, words: int) -> str:
    sentences, count = [], 0
    while count < words:
        length = rng.randint(8, 22)
        sentence = " ".join(rng.choice(WORDS) for _ in range(length))
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        count += length
    # Paragraphs of ~6 sentences, like a transcript's turns.
    return "\n\n".join(" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6))


def _codes(project, total: int) -> list[Code]:
    existing = {code.name: code for code in Code.objects.filter(project=project, name__startswith=CODE_PREFIX)}
    themes = max(1, total // 10)
    per_theme = max(0, (total - themes) // themes)
    palette = ["#1f6feb", "#c9191e", "#18753c", "#b34000", "#6a6af4", "#a94645", "#3558a2", "#716043"]
    for t in range(themes):
        name = f"{CODE_PREFIX}thème {t + 1}"
        if name not in existing:
            existing[name] = Code.objects.create(
                project=project, name=name, colour=palette[t % len(palette)], position=t,
                definition=f"Thème fictif n° {t + 1} du banc d'essai.",
            )  # fmt: skip
        for s in range(per_theme):
            sub = f"{CODE_PREFIX}thème {t + 1}.{s + 1}"
            if sub not in existing:
                existing[sub] = Code.objects.create(
                    project=project, parent=existing[name], name=sub, colour=palette[(t + s) % len(palette)],
                    position=s, definition=f"Sous-code fictif {t + 1}.{s + 1}.",
                )  # fmt: skip
    return list(existing.values())


def scale_coding(*, interviews: int = 400, words: int = 8000, codings: int = 20_000, codes: int = 120,
                 seed: int = 17) -> CodingScaleReport:  # fmt: skip
    project = SharedProject.objects.get(title=REFERENCE_TITLE)
    territories = [p for p in project.participations.select_related("organisation") if p.is_participant]
    # The dense interview (n° 1) goes to Niort, whose referent the benchmarks sign in as (bench/pages.py).
    territories.sort(key=lambda t: (t.organisation.name != DENSE_TOWN, t.pk))
    coder = project.consultancy.memberships.select_related("user").first() if project.consultancy_id else None
    coder_id = coder.user_id if coder else None
    with transaction.atomic():
        code_rows = _codes(project, codes)
        existing = Interview.objects.filter(project=project, title__startswith=TITLE_PREFIX).count()
        rng = random.Random(seed + existing)  # noqa: S311 (synthetic benchmark data, not a secret)
        new = []
        for index in range(existing, interviews):
            new.append(
                Interview(
                    territory=territories[index % len(territories)], project=project,
                    title=f"{TITLE_PREFIX}{index + 1}", held_on=datetime.date(2021, 10, 1 + index % 28),
                    is_synthetic=True, consent_given=True, notes="Entretien fictif du banc d'essai.",
                )
            )  # fmt: skip
        Interview.objects.bulk_create(new, batch_size=200)
        participants, transcripts = [], []
        for interview in new:
            participants.append(InterviewParticipant(interview=interview, label="P1", profile=rng.choice(PROFILES)))
            transcripts.append(Transcript(interview=interview, text=_text(rng, words)))
        InterviewParticipant.objects.bulk_create(participants, batch_size=500)
        for start in range(0, len(transcripts), 50):
            Transcript.objects.bulk_create(transcripts[start : start + 50])

        rows = list(
            Transcript.objects.filter(interview__project=project, interview__title__startswith=TITLE_PREFIX)
            .values_list("pk", "interview__territory_id", "interview__title")
            .order_by("pk")
        )
        dense_id = next(pk for pk, _t, title in rows if title == DENSE_TITLE)
        have = Coding.objects.filter(transcript_id__in=[pk for pk, _t, _title in rows]).count()
        profiles = dict(
            InterviewParticipant.objects.filter(interview__transcript__pk__in=[pk for pk, _t, _ in rows]).values_list(
                "interview__transcript__pk", "profile"
            )
        )
        participant_ids = dict(
            InterviewParticipant.objects.filter(interview__transcript__pk__in=[pk for pk, _t, _ in rows]).values_list(
                "interview__transcript__pk", "pk"
            )
        )
        leaves = [code for code in code_rows if code.parent_id is not None] or code_rows
        plan = []
        if have < codings:
            dense_have = Coding.objects.filter(transcript_id=dense_id).count()
            plan += [dense_id] * max(0, DENSE_CODINGS - dense_have)
            others = [pk for pk, _t, title in rows if pk != dense_id]
            while len(plan) < codings - have:
                plan.append(rng.choice(others))
        texts = {}
        new_codings = []
        territory_of = {pk: territory for pk, territory, _title in rows}
        for transcript_id in plan:
            if transcript_id not in texts:
                texts[transcript_id] = Transcript.objects.values_list("text", flat=True).get(pk=transcript_id)
            text = texts[transcript_id]
            length = rng.randint(40, 400)
            start = rng.randrange(0, max(1, len(text) - length))
            end = min(len(text), start + length)
            new_codings.append(
                Coding(
                    code=rng.choice(leaves), project=project, territory_id=territory_of[transcript_id],
                    transcript_id=transcript_id, participant_id=participant_ids.get(transcript_id),
                    profile=profiles.get(transcript_id, ""), start=start, end=end, quote=text[start:end],
                    memo="Mémo fictif." if rng.random() < 0.2 else "", coder_id=coder_id,
                )
            )  # fmt: skip
            if len(texts) > 64:  # keep memory bounded: texts are ~50 kB each
                texts.clear()
        Coding.objects.bulk_create(new_codings, batch_size=2000)
    return CodingScaleReport(
        interviews=len(rows),
        codes=len(code_rows),
        codings=have + len(new_codings),
        project_slug=project.slug,
        dense_transcript_id=dense_id,
    )
