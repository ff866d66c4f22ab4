"""Resource base in the browser: a referent publishes a resource with a PDF, a visitor finds it through
search and downloads it; axe-core finds no serious or critical violation on the library, search and
resource pages (desktop and phone)."""

import pytest

from tests.browser.helpers import PHONE, new_context
from tests.factories import make_project, pdf_bytes
from tests.library.helpers import make_resource

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def built(transactional_db):
    return make_project(participants=3)


def assert_accessible(page, axe, path):
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} répond {response and response.status}"
    page.wait_for_load_state("load")
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, f"axe-core sur {path} : " + "; ".join(
        f"[{v['impact']}] {v['id']}: {[n['html'][:120] for n in v['nodes'][:3]]}" for v in violations
    )


def test_referent_publishes_a_pdf_and_a_visitor_finds_and_downloads_it(
    page, login, built, browser, live_server, tmp_path
):
    pdf = tmp_path / "guide-mediatheques.pdf"
    pdf.write_bytes(pdf_bytes())
    login(built.referents[0])
    page.goto("/ressources/")
    page.get_by_role("link", name="Publier une ressource").click()
    page.select_option("select[name=kind]", "method")
    page.fill("input[name=title]", "Ouvrir les médiathèques le dimanche <script>alert(1)</script>")
    page.fill("textarea[name=summary]", "Retour d'expérience sur l'ouverture dominicale des médiathèques de quartier.")
    page.fill("textarea[name=body]", "## Étapes\n\n- Consulter les habitants\n- <img src=x onerror=alert(2)>")
    page.select_option("select[name=project]", str(built.project.pk))
    page.set_input_files("input[name=files]", str(pdf))
    page.get_by_role("button", name="Publier", exact=True).click()
    page.wait_for_load_state()
    assert "La ressource est publiée." in page.inner_text("main")
    assert page.locator("main script, main img[src=x]").count() == 0

    visitor_context = new_context(browser, live_server, viewport=PHONE, accept_downloads=True)
    visitor = visitor_context.new_page()
    dialogs = []
    visitor.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    visitor.goto("/recherche/")
    visitor.fill("#champ-recherche", "MEDIATHEQUE dimanches")
    visitor.locator("#champ-recherche").press("Enter")
    visitor.wait_for_load_state()
    assert "1 résultat" in visitor.inner_text("main")
    assert visitor.locator("main mark").first.inner_text().lower().startswith("médiathèque")
    visitor.locator("main h2 a").first.click()
    visitor.wait_for_load_state()
    with visitor.expect_download() as download:
        visitor.locator("a.fr-download__link").first.click()
    assert download.value.suggested_filename == "guide-mediatheques.pdf"
    with open(download.value.path(), "rb") as downloaded:
        assert downloaded.read(5) == b"%PDF-"
    assert not dialogs
    visitor_context.close()


def test_library_search_and_resource_pages_are_accessible(page, axe, login, built, browser, live_server):
    resource = make_resource(built, title="Guide des médiathèques", body="## Étapes\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    paths = ["/ressources/", "/ressources/?kind=method", "/recherche/", "/recherche/?q=médiathèques", "/recherche/?q=",
             "/recherche/?q=médiatèque", "/recherche/?q=zzzqqq", "/recherche/?q=médiathèques&category=resource",
             resource.get_absolute_url(), f"/ressources/projet/{built.project.slug}/"]  # fmt: skip
    for path in paths:
        assert_accessible(page, axe, path)
    phone_context = new_context(browser, live_server, viewport=PHONE)
    phone = phone_context.new_page()
    for path in ("/ressources/", "/recherche/?q=médiathèques", "/recherche/?q=médiatèque", resource.get_absolute_url()):
        assert_accessible(phone, axe, path)
    phone_context.close()
    login(built.referents[0])
    for path in (
        "/ressources/nouveau/",
        f"/ressources/{resource.slug}/modifier/",
        f"/ressources/{resource.slug}/historique/",
    ):
        assert_accessible(page, axe, path)
