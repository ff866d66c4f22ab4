"""The co-design part of the demo: a plan, two workshops, ideas linked to findings, an objective
with criteria and a closed majority-judgment vote for each town; loading twice adds nothing."""

import pytest
from django.urls import reverse

from territoires.codesign import services
from territoires.codesign.models import Ballot, CodesignPlan, Idea, Objective, Workshop
from territoires.demo import codesign as codesign_demo
from territoires.demo import diagnostic as diagnostic_demo
from territoires.demo import loader
from territoires.demo import qualitative as qualitative_demo
from territoires.projects.models import SharedProject

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(monkeypatch):
    monkeypatch.setattr(loader, "MODULE_DEMOS", [])
    loader.load_demo()
    project = SharedProject.objects.get(title=loader.data.PROJECT["title"])
    diagnostic_demo.load(project)
    qualitative_demo.load(project)
    assert codesign_demo.load(project) is True
    return project


def test_every_town_has_its_co_design(client, project):
    assert CodesignPlan.objects.filter(project=project).count() == 4
    for plan in CodesignPlan.objects.filter(project=project):
        assert plan.methods and plan.families.exists() and plan.milestones.count() == 4
        assert plan.workshops.count() == 2
        assert plan.ideas.filter(finding__isnull=False).exists()
        assert plan.ideas.filter(status="pending").count() == 1
        objective = Objective.objects.get(plan=plan)
        assert objective.criteria.count() == 2 and objective.findings.exists()
        ballot = Ballot.objects.get(plan=plan)
        assert ballot.status == "closed" and ballot.method == "majority_judgment"
        assert ballot.votes.count() == len(codesign_demo.VOTES)
        assert len(services.ballot_result(ballot).rows) == 3
    assert Workshop.objects.filter(plan__project=project, title__startswith="Assises de la Culture").exists()
    assert Workshop.objects.filter(plan__project=project, title__startswith="Les Debouts de la culture").exists()
    bourges = CodesignPlan.objects.get(project=project, territory__organisation__name="Bourges")
    page = client.get(bourges.get_absolute_url()).content.decode()
    assert "Les Debouts de la culture" in page
    ballot = Ballot.objects.get(plan=bourges)
    assert "Profil de mérite" in client.get(ballot.get_absolute_url()).content.decode()
    territory = reverse("projects:territory_detail", args=[project.slug, "bourges"])
    assert "Voir le plan de co-construction" in client.get(territory).content.decode()


def test_loading_twice_adds_nothing(project):
    counts = (Workshop.objects.count(), Idea.objects.count(), Ballot.objects.count())
    assert codesign_demo.load(project) is False
    assert (Workshop.objects.count(), Idea.objects.count(), Ballot.objects.count()) == counts
