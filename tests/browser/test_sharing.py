"""A person registers for a peer event in the browser; event, news and lesson pages pass axe-core."""

import pytest

from territoires.sharing.models import Lesson, NewsPost, PeerEvent, Registration
from tests.browser.helpers import PHONE, new_context, watch_errors
from tests.factories import ThemeFactory, UserFactory, make_project
from tests.sharing.world import event, lesson, news

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def built(transactional_db):
    built = make_project(participants=4, observers=1)
    built.event = event(built, audience=PeerEvent.Audience.PUBLIC, capacity=1, title="Rencontre à Guichen")
    built.lesson = lesson(built, visibility=Lesson.Visibility.PUBLIC, title="Associer les habitants dès le diagnostic")
    built.lesson.themes.set([ThemeFactory(title="Culture et participation")])
    built.news = news(built, audience=NewsPost.Audience.PUBLIC, title="Restitution du diagnostic")
    built.first, built.second = UserFactory(), UserFactory()
    return built


def assert_accessible(page, axe, path=None):
    if path is not None:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path} répond {response and response.status}"
    page.wait_for_load_state("load")
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, f"axe-core sur {page.url} : " + "; ".join(
        f"[{v['impact']}] {v['id']}: {v['help']} ({[n['html'][:120] for n in v['nodes'][:3]]})" for v in violations
    )


def test_a_person_takes_the_last_seat_and_the_next_one_waits(page, axe, login, built, browser, live_server):
    path = built.event.get_absolute_url()
    login(built.first)
    page.goto(path)
    assert_accessible(page, axe)
    page.get_by_role("button", name="M'inscrire").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text="Vous êtes inscrit·e à cette rencontre").count() == 1
    assert page.get_by_role("button", name="Annuler mon inscription").is_visible()
    assert page.get_by_role("link", name="Rejoindre la visioconférence").count() == 1
    assert_accessible(page, axe)

    # Someone else, on a phone, finds the event full and joins the waiting list.
    phone = new_context(browser, live_server, viewport=PHONE)
    other = phone.new_page()
    errors = watch_errors(other)
    from tests.factories import PASSWORD

    other.goto("/compte/connexion/")
    other.fill("input[name=username]", built.second.email)
    other.fill("input[name=password]", PASSWORD)
    other.get_by_role("button", name="Se connecter").click()
    other.wait_for_load_state()
    other.goto(path)
    other.get_by_role("button", name="M'inscrire sur la liste d'attente").click()
    other.wait_for_load_state()
    assert "liste d'attente (position 1)" in other.inner_text("main")
    assert_accessible(other, axe)

    # The first person cancels: the seat goes to the second.
    page.get_by_role("button", name="Annuler mon inscription").click()
    page.wait_for_load_state()
    assert "Votre inscription est annulée" in page.inner_text("main")
    assert Registration.objects.get(event=built.event, user=built.second).status == "confirmed"
    other.goto(path)
    assert other.get_by_role("button", name="Annuler mon inscription").is_visible()
    assert not errors
    phone.close()


def test_sharing_pages_pass_axe_for_a_visitor_and_a_member(page, axe, login, built):
    slug = built.project.slug
    for path in [
        "/actualites/",
        "/rencontres/",
        "/retours-d-experience/",
        f"/retours-d-experience/?theme={built.lesson.themes.get().pk}",
        built.lesson.get_absolute_url(),
        built.news.get_absolute_url(),
        built.event.get_absolute_url(),
        f"/projets/{slug}/actualites/",
        f"/projets/{slug}/rencontres/",
        f"/projets/{slug}/retours-d-experience/",
    ]:
        assert_accessible(page, axe, path)
    login(built.referents[0])
    for path in [
        f"/projets/{slug}/actualites/nouvelle/",
        f"/projets/{slug}/rencontres/nouvelle/",
        f"/projets/{slug}/retours-d-experience/nouveau/",
        f"/projets/{slug}/retours-d-experience/{built.lesson.pk}/modifier/",
        built.event.get_absolute_url(),  # with the registrations table
    ]:
        assert_accessible(page, axe, path)
    # A form sent empty shows its errors accessibly.
    page.goto(f"/projets/{slug}/retours-d-experience/nouveau/")
    page.get_by_role("button", name="Publier").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() >= 1
    assert_accessible(page, axe)
