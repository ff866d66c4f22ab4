"""Divergence and definition: ideas from every origin, the residents' box with moderation and a
receipt code, merges that keep the trail, comments, objectives with criteria linked back."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from territoires.codesign import services
from territoires.codesign.models import CodesignPlan, Idea, Objective
from territoires.core.receipts import receipt_find
from tests.codesign.world import build_world
from tests.community.test_bad_input import close_keeping_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "yellow").save(buffer, "PNG")
    return buffer.getvalue()


def team_idea(world, title, **kwargs):
    kwargs.setdefault("source", Idea.Source.TEAM)
    return services.idea_create(plan=world.plan, user=world.referents[0], title=title, **kwargs)


def test_ideas_link_to_what_prompted_them(world):
    from_workshop = team_idea(
        world, "Une fête des voisins culturelle", source="workshop", workshop=world.workshop, tags=["fête", "quartiers"]
    )
    from_finding = team_idea(world, "Soirées jeunes à la médiathèque", source="finding", finding=world.finding)
    assert from_workshop.workshop == world.workshop
    assert sorted(tag.name for tag in from_workshop.tags.all()) == ["fête", "quartiers"]
    assert from_finding.finding == world.finding
    assert list(world.finding.codesign_ideas.all()) == [from_finding]
    with pytest.raises(ValidationError) as refused:
        team_idea(world, "Sans atelier", source="workshop")
    assert "workshop" in refused.value.message_dict
    other_workshop = world.workshop
    other_workshop.plan_id = world.other_plan.pk
    with pytest.raises(ValidationError):
        services.idea_create(
            plan=world.plan, user=world.referents[0], title="X", source="workshop", workshop=other_workshop
        )


def test_resident_idea_box_moderation_and_receipt(client, world, django_capture_on_commit_callbacks):
    url = reverse("codesign:idea_box", args=[world.plan.ideas_token])
    closed = client.post(url, {"title": "Une idée", "submission_key": "x"})
    assert closed.status_code == 400 and "fermée" in closed.content.decode()
    CodesignPlan.objects.filter(pk=world.plan.pk).update(ideas_open=True)
    key = client.get(url).context["form"].initial["submission_key"]
    data = {"title": "Un cinéma en plein air l'été", "body": "Au parc", "submission_key": key}
    sent = client.post(url, data)
    assert sent.status_code == 302
    assert client.post(url, data)["Location"] == sent["Location"]
    idea = Idea.objects.get()
    assert idea.status == "pending" and idea.source == "online" and idea.receipt_code
    assert receipt_find(idea.receipt_code)[1] == idea
    follow = client.get(sent["Location"]).content.decode()
    assert idea.receipt_code in follow and "attend la relecture" in follow
    # Not on the wall before moderation, for the public.
    wall = reverse("codesign:idea_wall", args=[world.plan.pk])
    assert "cinéma en plein air" not in client.get(wall).content.decode()
    with pytest.raises(ValidationError) as refused:
        services.idea_moderate(idea=idea, user=world.referents[0], decision="rejected")
    assert "note" in refused.value.message_dict
    # The public wall is cached until the next committed co-design write (codesign/views/ideas.py).
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_moderate(idea=idea, user=world.referents[0], decision="published")
    assert "cinéma en plein air" in client.get(wall).content.decode()
    unknown = client.get(reverse("codesign:receipt"), {"code": "ZZZZZZZZZZ"})
    assert unknown.status_code == 404 and "Aucune contribution" in unknown.content.decode()


def test_merge_keeps_the_trail_and_refuses_merging_into_itself(client, world):
    kept = team_idea(world, "Ouvrir la médiathèque le dimanche")
    duplicate = team_idea(world, "Médiathèque ouverte le dimanche", tags=["horaires"])
    objective = services.objective_save(
        objective=Objective(plan=world.plan, title="Élargir les horaires"), user=world.referents[0], ideas=[duplicate]
    )
    with pytest.raises(ValidationError, match="elle-même"):
        services.idea_merge(kept=kept, duplicate=kept, user=world.referents[0])
    services.idea_merge(kept=kept, duplicate=duplicate, user=world.referents[0])
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept
    assert [tag.name for tag in kept.tags.all()] == ["horaires"]
    assert kept in objective.ideas.all()
    assert services.merged_trail(kept) == [duplicate]
    with pytest.raises(ValidationError, match="déjà été fusionnée"):
        services.idea_merge(kept=kept, duplicate=duplicate, user=world.referents[0])
    client.force_login(world.referents[0])
    response = client.post(reverse("codesign:idea_merge", args=[kept.pk]), {"duplicate": kept.pk}, follow=True)
    assert "elle-même" in response.content.decode()
    assert client.get(duplicate.get_absolute_url())["Location"] == kept.get_absolute_url()
    page = client.get(kept.get_absolute_url()).content.decode()
    assert "Médiathèque ouverte le dimanche" in page


def test_team_form_with_photo_and_bad_photo(client, world):
    client.force_login(world.agents[0])
    url = reverse("codesign:idea_create", args=[world.plan.pk])
    bad = client.post(url, {"title": "X", "source": "team", "photo": SimpleUploadedFile("a.png", b"not an image")})
    assert bad.status_code == 400 and "image" in bad.content.decode()
    good = client.post(
        url,
        {
            "title": "Kiosque à musique",
            "source": "workshop",
            "workshop": world.workshop.pk,
            "photo": SimpleUploadedFile("postit.png", png()),
            "tags": "musique, parc",
        },
    )
    assert good.status_code == 302
    idea = Idea.objects.get(title="Kiosque à musique")
    assert idea.photo
    photo = client.get(reverse("codesign:idea_photo", args=[idea.pk]))
    assert photo.status_code == 200
    assert b"".join(photo.streaming_content) == png()
    close_keeping_connection(photo)
    client.logout()
    assert client.get(reverse("codesign:idea_photo", args=[idea.pk])).status_code == 302


def test_a_photo_sent_as_a_page_is_served_as_an_image(client, world):
    """The name a photo was sent with decides nothing: an image named "postit.html" goes out as
    image/png, named after the idea, in a sandbox — never as a page of the platform's origin."""
    client.force_login(world.agents[0])
    url = reverse("codesign:idea_create", args=[world.plan.pk])
    posted = {"title": "Affiche", "source": "team", "photo": SimpleUploadedFile("postit.html", png())}
    assert client.post(url, posted).status_code == 302
    idea = Idea.objects.get(title="Affiche")
    photo = client.get(reverse("codesign:idea_photo", args=[idea.pk]))
    assert photo["Content-Type"] == "image/png"
    assert photo["Content-Disposition"] == f'inline; filename="photo-idee-{idea.pk}.png"'
    assert "sandbox" in photo["Content-Security-Policy"]
    close_keeping_connection(photo)
    # A photo gone from the disk is a 404, not a server error.
    idea.photo.storage.delete(idea.photo.name)
    assert client.get(reverse("codesign:idea_photo", args=[idea.pk])).status_code == 404


def test_comments(client, world):
    idea = team_idea(world, "Des ateliers d'écriture")
    client.force_login(world.referents[1])  # another town of the project: a member, may comment
    client.post(reverse("codesign:idea_comment", args=[idea.pk]), {"body": "Bonne idée, à Niort aussi."})
    client.post(reverse("codesign:idea_comment", args=[idea.pk]), {"body": "  "})
    assert [c.body for c in idea.comments.all()] == ["Bonne idée, à Niort aussi."]


def test_objective_with_criteria_links_back_to_ideas_and_findings(client, world):
    idea = team_idea(world, "Soirées jeunes", source="finding", finding=world.finding)
    objective = services.objective_save(
        objective=Objective(plan=world.plan, title="Faire venir les 15-25 ans"),
        user=world.referents[0],
        ideas=[idea],
        findings=[world.finding],
    )
    services.criterion_add(
        objective=objective,
        user=world.referents[0],
        indicator="Part des 15-25 ans inscrits",
        unit="%",
        baseline=Decimal("8"),
        target=Decimal("15"),
        source="Fichier des inscrits",
    )
    with pytest.raises(ValidationError):
        services.criterion_add(
            objective=objective,
            user=world.referents[0],
            indicator="X",
            unit="%",
            baseline=Decimal("1"),
            target=Decimal("1"),
            source="Y",
        )
    with pytest.raises(ValidationError):
        services.objective_save(
            objective=objective,
            user=world.referents[0],
            ideas=[],
            findings=[
                world.draft_finding.__class__.objects.create(
                    synthesis=world.draft_finding.synthesis,
                    project=world.project,
                    territory=world.y,
                    statement="Ailleurs",
                )
            ],
        )
    assert list(world.finding.codesign_objectives.all()) == [objective]
    assert list(idea.objectives.all()) == [objective]
    page = client.get(objective.get_absolute_url()).content.decode()
    assert "Part des 15-25 ans inscrits" in page and "Soirées jeunes" in page
    assert "Les 15-25 ans ne fréquentent pas" in page
    # A bad criterion over HTTP: 400, nothing added.
    client.force_login(world.referents[0])
    response = client.post(
        objective.get_absolute_url(), {"indicator": "Y", "unit": "%", "baseline": "abc", "target": "3", "source": "S"}
    )
    assert response.status_code == 400
    assert objective.criteria.count() == 1


def test_wall_filters(client, world):
    team_idea(world, "Idée atelier", source="workshop", workshop=world.workshop, tags=["jeunesse"])
    team_idea(world, "Idée équipe")
    wall = reverse("codesign:idea_wall", args=[world.plan.pk])
    page = client.get(wall, {"origine": "workshop"}).content.decode()
    assert "Idée atelier" in page and "Idée équipe" not in page
    page = client.get(
        wall, {"origine": "n'importe", "etiquette": "99999999999999999999", "q": "équipe"}
    ).content.decode()
    assert "Idée équipe" in page and "Idée atelier" not in page


def test_team_retags_an_idea_others_cannot(client, world):
    idea = team_idea(world, "Idée à étiqueter", tags=["ancienne"])
    url = reverse("codesign:idea_tags", args=[idea.pk])
    client.force_login(world.observers[0])
    assert client.post(url, {"tags": "pirate"}).status_code == 403
    client.force_login(world.agents[0])
    client.post(url, {"tags": "jeunesse,  soirées , "})
    assert sorted(tag.name for tag in idea.tags.all()) == ["jeunesse", "soirées"]
    # A NUL character (sent as multipart, past the middleware) is dropped, not sent to the database.
    client.post(url, {"tags": "jeu\x00nesse,\x00"})
    assert sorted(tag.name for tag in idea.tags.all()) == ["jeunesse"]


def test_an_idea_from_a_survey_topic_of_this_territory(client, world):
    from territoires.surveys.models import Deployment, TextTopics
    from tests.surveys.factories import make_survey

    survey = make_survey(project_ns=world).survey
    deployment = Deployment.objects.get(survey=survey, participation=world.x)
    other = Deployment.objects.get(survey=survey, participation=world.y)
    topics = [{"label": "horaires, soir, week-end", "count": 14, "keywords": ["horaires"], "examples": []}]
    mine = TextTopics.objects.create(
        survey=survey, question_code="idees", scope=str(deployment.pk), status="done", topics=topics
    )
    TextTopics.objects.create(
        survey=survey,
        question_code="idees",
        scope=str(other.pk),
        status="done",
        topics=[{"label": "ailleurs", "count": 3}],
    )
    client.force_login(world.referents[0])
    url = reverse("codesign:idea_create", args=[world.plan.pk])
    form = client.get(url).context["form"]
    labels = [label for _key, label in form.fields["survey_topic"].choices]
    assert any("horaires, soir, week-end" in label for label in labels)
    assert not any("ailleurs" in label for label in labels)
    key = next(key for key, label in form.fields["survey_topic"].choices if "horaires" in label)
    assert client.post(url, {"title": "Ouvrir en soirée", "source": "survey", "survey_topic": key}).status_code == 302
    idea = Idea.objects.get(title="Ouvrir en soirée")
    assert (idea.survey_topics, idea.survey_topic_label) == (mine, "horaires, soir, week-end")
    # A survey idea without its topic: refused, nothing stored.
    assert client.post(url, {"title": "Sans thème", "source": "survey"}).status_code == 400
    assert not Idea.objects.filter(title="Sans thème").exists()
