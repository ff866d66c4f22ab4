"""The interviews of the demo: the guide in two versions, two labelled synthetic interviews per town
with their transcripts, pseudonyms, a shared hierarchical codebook and two coders who overlap;
loading twice adds nothing."""

import pytest
from django.urls import reverse

from territoires.demo import interviews, loader
from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.interviews.models import Interview, InterviewGuide, Pseudonym, Transcript
from territoires.projects.models import SharedProject

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(monkeypatch):
    monkeypatch.setattr(loader, "MODULE_DEMOS", [])
    loader.load_demo()
    project = SharedProject.objects.get(title=loader.data.PROJECT["title"])
    assert interviews.load(project) is True
    return project


def test_each_town_has_two_coded_synthetic_interviews(client, project):
    guides = list(InterviewGuide.objects.filter(project=project).order_by("version"))
    assert [g.version for g in guides] == [1, 2] and guides[1].is_current
    count = lambda guide: sum(t.questions.count() for t in guide.themes.all())  # noqa: E731
    assert count(guides[1]) == count(guides[0]) + 1
    codes = Code.objects.filter(project=project)
    assert 15 <= codes.count() <= 20 and codes.filter(parent__isnull=False).count() >= 12
    towns = project.participations.filter(role="participant")
    assert towns.count() == 4
    for town in towns:
        held = Interview.objects.filter(territory=town)
        assert held.count() == 2 and all(i.is_synthetic for i in held)
        assert set(held.values_list("kind", flat=True)) == {"semi_directive", "collective"}
        for interview in held:
            transcript = Transcript.objects.get(interview=interview)
            words = len(transcript.text.split())
            assert 600 <= words <= 1200, words
            assert "fictif" in transcript.text
            codings = Coding.objects.filter(transcript=transcript)
            for coding in codings:
                assert transcript.text[coding.start : coding.end] == coding.quote
            coders = set(codings.values_list("coder_id", flat=True))
            assert len(coders) == 2
            # The two coders coded some of the same passages, sometimes with the same code.
            by_coder = {c: set(codings.filter(coder_id=c).values_list("start", "end", "code_id")) for c in coders}
            first, second = by_coder.values()
            assert first & second and first - second
        assert Pseudonym.objects.filter(territory=town).count() == 4
    client.force_login(project.consultancy.memberships.get().user)
    interview = Interview.objects.filter(territory__organisation__name="Niort").first()
    body = client.get(interview.get_absolute_url()).content.decode()
    assert "entretien fictif" in body and "Version 1" in body
    assert client.get(reverse("interviews:guide", args=[project.slug])).status_code == 200


def test_loading_twice_adds_nothing(project):
    counts = (Interview.objects.count(), Coding.objects.count(), Code.objects.count(), Pseudonym.objects.count())
    assert interviews.load(project) is False
    assert (
        Interview.objects.count(),
        Coding.objects.count(),
        Code.objects.count(),
        Pseudonym.objects.count(),
    ) == counts
