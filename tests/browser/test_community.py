"""In the browser: a member mentions another, who sees the notification and follows it to the
message; the discussion pages have no serious or critical accessibility violation (axe-core)."""

import pytest

from territoires.community import services
from territoires.community.models import ProjectSpace
from tests.factories import ThemeFactory, make_project

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def built(transactional_db):
    built = make_project(observers=1)
    ProjectSpace.objects.create(project=built.project, observer_access=ProjectSpace.ObserverAccess.SHARED)
    built.thread = services.thread_create(
        user=built.consultant,
        title="Comparer nos guides d'entretien",
        body="Voici la **trame commune** du guide.\n\n- parcours\n- pratiques culturelles\n\n"
        f"@{built.referents[2].first_name} {built.referents[2].last_name}, tu relis ?",
        project=built.project,
        shared_with_observers=True,
    )
    services.message_post(user=built.referents[1], thread=built.thread, body="Merci, je relis.")
    built.public_thread = services.thread_create(
        user=built.referents[2], title="La médiathèque hors les murs", body="Qui l'a essayée ?", theme=ThemeFactory()
    )
    return built


def assert_accessible(page, axe, path):
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} répond {response and response.status}"
    page.wait_for_load_state("load")
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    details = "\n".join(
        f"[{v['impact']}] {v['id']}: {v['help']} {[n['html'][:150] for n in v['nodes'][:3]]}" for v in violations
    )
    assert not violations, f"axe-core sur {path} :\n{details}"


def test_a_mentioned_member_sees_the_notification(page, context, login, built):
    author, mentioned = built.referents[0], built.referents[1]
    login(author)
    page.goto(built.thread.get_absolute_url())
    page.get_by_label("Votre réponse").fill(
        f"@{mentioned.first_name} {mentioned.last_name} pouvez-vous ajouter vos deux questions ?"
    )
    page.get_by_role("button", name="Publier la réponse").click()
    page.wait_for_load_state()
    assert "Votre réponse est publiée" in page.inner_text("body")
    assert "#message-3" in page.url

    context.clear_cookies()
    login(mentioned)
    page.goto("/notifications/")
    notification = page.get_by_role("link", name=f"vous a mentionné·e dans « {built.thread.title} »")
    assert "1 notification non lue" in page.inner_text("#unread-count")
    notification.click()
    page.wait_for_load_state()
    assert page.url.endswith("#message-3")
    assert "pouvez-vous ajouter vos deux questions" in page.inner_text("#message-3")
    assert page.locator("#message-3 .mention").all_inner_texts() == [f"@{mentioned.first_name} {mentioned.last_name}"]
    page.goto("/notifications/")
    assert "Aucune notification non lue" in page.inner_text("#unread-count")


def test_discussion_pages_are_accessible(page, context, axe, login, built):
    assert_accessible(page, axe, "/discussions/")
    assert_accessible(page, axe, built.public_thread.get_absolute_url())
    login(built.referents[0])
    assert_accessible(page, axe, built.thread.get_absolute_url())
    assert_accessible(page, axe, f"/projets/{built.project.slug}/espace/")
    assert_accessible(page, axe, f"/projets/{built.project.slug}/espace/nouvelle/")
    assert_accessible(page, axe, "/notifications/")
    assert_accessible(page, axe, "/notifications/preferences/")
    context.clear_cookies()
    login(built.observers[0])
    assert_accessible(page, axe, built.thread.get_absolute_url())
