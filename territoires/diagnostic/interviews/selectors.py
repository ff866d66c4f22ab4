"""Reading interviews: a territory's list and its filters."""

from django.db.models import Count, Exists, OuterRef, Q

from territoires.diagnostic.interviews.models import Interview, InterviewParticipant, Transcript


def territory_interviews(territory):
    return (
        Interview.objects.filter(territory=territory)
        .select_related("place", "interviewer", "guide")
        .annotate(
            participant_count=Count("participants", distinct=True),
            has_transcript=Exists(Transcript.objects.filter(interview=OuterRef("pk"))),
        )
        .order_by("-held_on", "-pk")
    )


def filter_interviews(interviews, query):
    kind = query.get("type", "")
    if kind in Interview.Kind.values:
        interviews = interviews.filter(kind=kind)
    profile = query.get("profil", "")
    if profile in InterviewParticipant.Profile.values:
        interviews = interviews.filter(
            Exists(InterviewParticipant.objects.filter(interview=OuterRef("pk"), profile=profile))
        )
    state = query.get("transcription", "")
    if state == "oui":
        interviews = interviews.filter(has_transcript=True)
    elif state == "non":
        interviews = interviews.filter(has_transcript=False)
    text = query.get("q", "").strip()[:100]
    if text and "\x00" not in text:
        interviews = interviews.filter(
            Q(title__icontains=text) | Q(place_label__icontains=text) | Q(place__name__icontains=text)
        )
    return interviews
