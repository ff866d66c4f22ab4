"""axe-core finds no serious or critical violation on the main pages, for a visitor and a referent."""

import pytest

from tests.browser.helpers import sign_all_but_last
from tests.factories import ThemeFactory, make_project

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def built(transactional_db):
    built = make_project(participants=3)
    sign_all_but_last(built)
    ThemeFactory(title="Les tiers-lieux culturels en milieu rural")
    return built


def describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def assert_accessible(page, axe, path):
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} répond {response and response.status}"
    page.wait_for_load_state("load")
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, f"axe-core sur {path} : {len(violations)} violation(s)\n{describe(violations)}"


def test_public_pages_for_a_visitor(page, axe, built):
    slug = built.project.slug
    for path in [
        "/",
        f"/projets/{slug}/",
        f"/projets/{slug}/charte/",
        f"/projets/{slug}/territoires/{built.towns[0].slug}/",
    ]:
        assert_accessible(page, axe, path)


def test_login_page_theme_list_and_signing_form(page, axe, login, built):
    assert_accessible(page, axe, "/compte/connexion/")
    login(built.referents[-1])
    assert_accessible(page, axe, "/themes/")
    form_path = f"/projets/{built.project.slug}/charte/signer/{built.towns[-1].slug}/"
    assert_accessible(page, axe, form_path)
    # The same form, sent empty, with its error messages.
    page.get_by_role("button", name="Enregistrer la signature").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").count() >= 1
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, f"axe-core sur {form_path} (erreurs) :\n{describe(violations)}"
