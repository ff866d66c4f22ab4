"""Links between actors: validation with French messages (no self-link, no actor outside the
project, no duplicate), links derived from objects of engagement, merges, the pages and the JSON
scoped to what each person reads, and the analysis task with its progress."""

import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from territoires.core.models import AuditEvent
from territoires.diagnostic import network_services, services
from territoires.diagnostic.models import Link, NetworkAnalysis
from tests.diagnostic.helpers import make_entry
from tests.diagnostic.network_helpers import make_actor, make_link
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_project(observers=1)


def link_form_data(from_actor, to_actor, **overrides):
    return {
        "submission_key": str(uuid.uuid4()),
        "source": from_actor.pk,
        "target": to_actor.pk,
        "kind": "funding",
        "direction": "directed",
        "intensity": "2",
        "start_year": "2019",
        "end_year": "",
        "provenance": "declared",
        "note": "",
        **overrides,
    }


def test_a_referent_adds_a_link_once_even_if_the_form_is_resent(client, world):
    a, b = make_actor(world, "Théâtre"), make_actor(world, "Centre social", family_name="Acteurs sociaux et éducatifs")
    client.force_login(world.referents[0])
    url = reverse("diagnostic:link_create", args=[world.project.slug])
    assert client.get(url).status_code == 200
    data = link_form_data(a, b)
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == 302 and again.status_code == 302
    link = Link.objects.get()
    assert (link.source, link.target, link.kind, link.direction, link.start_year) == (a, b, "funding", "directed", 2019)
    assert link.territory_id == a.territory_id and link.project == world.project
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DIRECTORY_LINK_CREATED).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target": "self"}, "target", "Un acteur ne peut pas être lié à lui-même."),
        ({"start_year": "2020", "end_year": "2018"}, "end_year", "L'année de fin ne peut précéder l'année de début."),
        ({"start_year": "1492"}, "start_year", "Indiquez une année à partir de 1900."),
        ({"start_year": "deux mille"}, "start_year", "Indiquez une année en chiffres"),
        ({"provenance": "engagement"}, "provenance", "Sélectionnez un choix valide"),
        ({"kind": "friendship"}, "kind", "Sélectionnez un choix valide"),
        ({"target": "other_project"}, "target", "Choisissez un acteur de ce projet dans la liste."),
        ({"target": "place"}, "target", "Choisissez un acteur de ce projet dans la liste."),
        ({"source": "other_town"}, "source", "Choisissez un acteur de votre territoire dans la liste."),
        ({"target": "99999999999999999999"}, "target", "Choisissez un acteur de ce projet"),
    ],
)
def test_bad_links_are_refused_with_a_french_message_and_change_nothing(client, world, overrides, field, message):
    a, b = make_actor(world, "Théâtre"), make_actor(world, "Centre social")
    other = make_project(title="Ailleurs")
    stranger = make_actor(other, "Acteur d'ailleurs")
    place = make_entry(world, "place")
    far = make_actor(world, "Acteur de la ville Y", index=1)
    values = {"self": a.pk, "other_project": stranger.pk, "place": place.pk, "other_town": far.pk}
    overrides = {key: values.get(value, value) for key, value in overrides.items()}
    client.force_login(world.referents[0])
    response = client.post(
        reverse("diagnostic:link_create", args=[world.project.slug]), link_form_data(a, b, **overrides)
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Link.objects.exists()


def test_the_service_refuses_what_the_form_would(world):
    a, b = make_actor(world, "A"), make_actor(world, "B")
    other = make_actor(make_project(title="Ailleurs"), "Ailleurs")
    place = make_entry(world, "place")
    with pytest.raises(ValidationError, match="lié à lui-même"):
        make_link(world, a, a)
    with pytest.raises(ValidationError, match="Choisissez un acteur de ce projet"):
        make_link(world, a, other)
    with pytest.raises(ValidationError, match="n'est pas un acteur"):
        make_link(world, a, place)
    make_link(world, a, b, direction=Link.Direction.MUTUAL)
    with pytest.raises(ValidationError, match="déjà enregistré"):
        make_link(world, a, b)
    # A mutual link is the same link read from the other end.
    with pytest.raises(ValidationError, match="déjà enregistré"):
        make_link(world, b, a)
    make_link(world, a, b, kind=Link.Kind.FUNDING)  # another kind is another link
    assert Link.objects.count() == 2


def test_links_across_territories_of_the_project_are_kept_by_the_source_territory(world):
    a, far = make_actor(world, "A"), make_actor(world, "Lointain", index=1)
    link = make_link(world, a, far)
    assert link.territory_id == a.territory_id
    assert world.referents[0].has_perm("diagnostic.change_link", link)
    assert not world.referents[1].has_perm("diagnostic.change_link", link)


def test_co_organising_an_object_of_engagement_makes_links_kept_in_step(world):
    a, b, c = make_actor(world, "A"), make_actor(world, "B"), make_actor(world, "C")
    place = make_entry(world, "place")
    festival = make_entry(world, "engagement", name="Festival", involved=[a, b, c, place])
    assert network_services.links_derive_from_engagements(project=world.project) == (3, 0)
    assert network_services.links_derive_from_engagements(project=world.project) == (0, 0)
    derived = Link.objects.filter(provenance=Link.Provenance.ENGAGEMENT)
    assert {(link.source_id, link.target_id) for link in derived} == {(a.pk, b.pk), (a.pk, c.pk), (b.pk, c.pk)}
    assert all(link.engagement_id == festival.pk for link in derived)
    # Derived links are not edited by hand.
    assert not world.referents[0].has_perm("diagnostic.change_link", derived[0])
    with pytest.raises(ValidationError):
        network_services.link_delete(link=derived[0], user=world.referents[0])
    services.entry_update(
        entry=festival, user=world.referents[0], data={"involved": [a, b], "engagement_type": "festival"}
    )
    assert network_services.links_derive_from_engagements(project=world.project) == (0, 2)
    assert Link.objects.filter(provenance=Link.Provenance.ENGAGEMENT).count() == 1


def test_a_merge_moves_the_duplicates_links_to_the_kept_actor(world):
    kept, duplicate, partner = make_actor(world, "Kept"), make_actor(world, "Kept bis"), make_actor(world, "Partner")
    make_link(world, duplicate, partner)
    make_link(world, kept, duplicate, kind=Link.Kind.TRAINING)  # would become a self-link
    services.entries_merge(kept=kept, duplicate=duplicate, user=world.referents[0])
    assert [(link.source_id, link.target_id) for link in Link.objects.all()] == [(kept.pk, partner.pk)]


def test_the_json_and_the_table_show_each_person_what_they_may_read(client, world):
    a, b = make_actor(world, "Public A"), make_actor(world, "Public B")
    draft = make_actor(world, "Brouillon secret", publish=False)
    make_link(world, a, b, kind=Link.Kind.FUNDING)
    make_link(world, a, draft)
    make_link(world, b, a, kind=Link.Kind.TRAINING, provenance=Link.Provenance.INTERVIEW, note="Dit en entretien")
    url = reverse("diagnostic:network_json", args=[world.project.slug])
    page = reverse("diagnostic:network", args=[world.project.slug])

    def seen(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        data = json.loads(client.get(url).content)
        return {node[1] for node in data["nodes"]}, len(data["links"]), client.get(page).content.decode()

    names, links, body = seen(None)
    assert names == {"Public A", "Public B"} and links == 1
    assert "Brouillon secret" not in body and "Formation" not in body
    names, links, body = seen(world.observers[0])
    assert names == {"Public A", "Public B"} and links == 1
    names, links, body = seen(world.referents[0])
    assert names == {"Public A", "Public B", "Brouillon secret"} and links == 3
    names, links, _body = seen(world.referents[1])  # another territory: no drafts of town X, but a member
    assert names == {"Public A", "Public B"} and links == 2


def test_the_network_filters_are_the_directorys_and_bad_values_are_not_a_500(client, world):
    a = make_actor(world, "Théâtre", family_name="Institutions culturelles")
    b = make_actor(world, "Asso", family_name="Associations")
    c = make_actor(world, "Autre asso", family_name="Associations")
    make_link(world, a, b)
    make_link(world, b, c, kind=Link.Kind.TRAINING)
    url = reverse("diagnostic:network_json", args=[world.project.slug])
    family_id = b.family_id
    data = json.loads(client.get(url, {"famille": family_id}).content)
    assert {node[1] for node in data["nodes"]} == {"Asso", "Autre asso"} and len(data["links"]) == 1
    data = json.loads(client.get(url, {"q": "thé"}).content)
    assert [node[1] for node in data["nodes"]] == ["Théâtre"] and data["links"] == []
    for bad in (
        {"famille": "abc"},
        {"territoire": "nulle-part"},
        {"quartier": "x" * 500},
        {"q": "\x00"},
        {"page": "-1"},
    ):
        assert client.get(url, bad).status_code == 200
        assert client.get(reverse("diagnostic:network", args=[world.project.slug]), bad).status_code == 200


def test_the_json_is_cached_until_the_next_change(client, world, django_assert_max_num_queries):
    a, b = make_actor(world, "A"), make_actor(world, "B")
    url = reverse("diagnostic:network_json", args=[world.project.slug])
    assert json.loads(client.get(url).content)["links"] == []
    make_link(world, a, b)  # bumps the content version after commit
    from territoires.core.cache import bump_content_version

    bump_content_version()
    assert len(json.loads(client.get(url).content)["links"]) == 1


def test_the_analysis_runs_in_the_background_shows_progress_and_is_not_queued_twice(
    client, world, django_capture_on_commit_callbacks
):
    a, b, c = make_actor(world, "A"), make_actor(world, "B", family_name="Entreprises"), make_actor(world, "Seul")
    make_link(world, a, b, intensity=3)
    client.force_login(world.consultant)
    url = reverse("diagnostic:network_analyse", args=[world.project.slug])
    # A second request while the first is queued returns the first.
    first = network_services.network_analysis_request(project=world.project, territory=None, user=world.consultant)
    assert (
        network_services.network_analysis_request(project=world.project, territory=None, user=world.consultant) == first
    )
    NetworkAnalysis.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    analysis = NetworkAnalysis.objects.get()
    assert analysis.status == "done" and analysis.progress == 100 and analysis.finished_at is not None
    assert (analysis.node_count, analysis.link_count) == (3, 1)
    assert analysis.results["isolated"] == [c.pk]
    assert analysis.results["nodes"][str(a.pk)][:2] == [1, 3]
    assert analysis.results["brokers"][0][0] in (a.pk, b.pk)
    page = client.get(reverse("diagnostic:network_metrics", args=[world.project.slug])).content.decode()
    assert "Passeurs entre familles" in page and "Seul" in page and "Calculé le" in page
    status = client.get(reverse("diagnostic:network_analysis_status", args=[world.project.slug, analysis.pk]))
    assert "Terminé" in status.content.decode()


def test_a_failed_analysis_says_so(world, monkeypatch):
    from territoires.diagnostic import network_metrics

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(network_metrics, "compute", broken)
    analysis = NetworkAnalysis.objects.create(project=world.project)
    network_metrics.analysis_run(analysis_id=analysis.pk)
    analysis.refresh_from_db()
    assert analysis.status == "failed" and "Relancez-le" in analysis.error


def test_editing_and_deleting_a_link(client, world):
    a, b, c = make_actor(world, "A"), make_actor(world, "B"), make_actor(world, "C")
    link = make_link(world, a, b)
    client.force_login(world.agents[0])
    url = reverse("diagnostic:link_edit", args=[link.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, link_form_data(a, c, kind="programming", intensity="3"))
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.target, link.kind, link.intensity) == (c, "programming", 3)
    bad = client.post(url, link_form_data(a, a))
    assert bad.status_code == 400
    assert client.post(reverse("diagnostic:link_delete", args=[link.pk])).status_code == 302
    assert not Link.objects.exists()
    # Deleting it again (a resent form) is not an error.
    assert client.post(reverse("diagnostic:link_delete", args=[link.pk])).status_code == 302


def test_an_actors_card_lists_the_links_its_reader_may_see(client, world):
    a, b = make_actor(world, "Théâtre"), make_actor(world, "Centre social")
    make_link(world, a, b, kind=Link.Kind.VENUE_LOAN, direction=Link.Direction.DIRECTED)
    make_link(world, b, a, kind=Link.Kind.TRAINING, provenance=Link.Provenance.INTERVIEW)
    body = client.get(a.get_absolute_url()).content.decode()
    assert "Prêt ou mise à disposition d&#x27;un lieu" in body and "Formation" not in body
    client.force_login(world.referents[0])
    body = client.get(a.get_absolute_url()).content.decode()
    assert "Formation" in body and f"?acteur={a.pk}" in body
    place = make_entry(world, "place")
    assert "Liens de coopération" not in client.get(place.get_absolute_url()).content.decode()


def test_a_duplicate_link_sent_through_the_form_is_refused_in_french(client, world):
    a, b = make_actor(world, "A"), make_actor(world, "B")
    client.force_login(world.referents[0])
    url = reverse("diagnostic:link_create", args=[world.project.slug])
    assert client.post(url, link_form_data(a, b)).status_code == 302
    again = client.post(url, link_form_data(a, b))  # a new form, not a resent one
    assert again.status_code == 400
    assert "déjà enregistré" in again.content.decode()
    assert Link.objects.count() == 1


def test_links_derived_in_bulk_show_in_the_cached_network(client, world, django_capture_on_commit_callbacks):
    a, b = make_actor(world, "A"), make_actor(world, "B")
    make_entry(world, "engagement", name="Fête", involved=[a, b])
    url = reverse("diagnostic:network_json", args=[world.project.slug])
    assert json.loads(client.get(url).content)["links"] == []
    with django_capture_on_commit_callbacks(execute=True):
        network_services.links_derive_from_engagements(project=world.project)
    assert len(json.loads(client.get(url).content)["links"]) == 1
