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


def test_every_working_page_for_the_role_that_uses_it(page, axe, login, built):
    """The non-negotiable applies to every page, not only the public ones."""
    import datetime

    from territoires.projects import services
    from territoires.projects.models import Meeting

    slug = built.project.slug
    town = built.towns[0].slug
    committee = built.project.committee
    meeting = services.meeting_save(
        meeting=Meeting(
            committee=committee,
            title="Comité de lancement",
            starts_at=datetime.datetime(2021, 10, 12, 14, 0, tzinfo=datetime.UTC),
            place="Niort",
            agenda="1. Calendrier",
            minutes="Le calendrier est validé.",
        ),
        decisions=["Le diagnostic dure trois mois."],
        user=built.facilitator,
    )
    services.committee_member_add(
        committee=committee,
        person=built.referents[0],
        organisation=built.towns[0],
        kind="cultural_lead",
        user=built.facilitator,
    )
    decision = services.decision_record(
        meeting=meeting,
        text="Organiser une rencontre entre pairs",
        owner=built.referents[0],
        due_on=datetime.date(2022, 3, 31),
        user=built.facilitator,
    )
    services.withdrawal_notify(
        participation=built.project.participations.get(organisation=built.towns[1]),
        letter_received_on=datetime.date(2022, 1, 10),
        reason="",
        user=built.facilitator,
    )

    login(built.facilitator)
    for path in [
        "/mon-espace/",
        "/projets/nouveau/",
        f"/projets/{slug}/modifier/",
        f"/projets/{slug}/participants/",
        f"/projets/{slug}/journal/",
        f"/projets/{slug}/copil/",
        f"/projets/{slug}/copil/decisions/",
        f"/projets/{slug}/copil/reunions/nouvelle/",
        f"/projets/{slug}/copil/reunions/{meeting.pk}/",
        f"/projets/{slug}/copil/reunions/{meeting.pk}/modifier/",
        f"/projets/{slug}/copil/decisions/{decision.pk}/",
        f"/projets/{slug}/copil/decisions/?status=all&overdue=on",
        f"/projets/{slug}/territoires/{built.towns[1].slug}/retrait/",
        f"/projets/{slug}/methode/",
        "/projets/",
        "/a-propos/",
    ]:
        assert_accessible(page, axe, path)

    services.step_complete(
        participation=built.project.participations.get(organisation=built.towns[0]),
        step="actor_map",
        note="Carte partagée",
        user=built.referents[0],
    )
    page.context.clear_cookies()
    login(built.referents[0])
    for path in [
        f"/projets/{slug}/territoires/{town}/etapes/actor_map/rouvrir/",
        "/mon-espace/",
        "/themes/proposer/",
        f"/projets/{slug}/territoires/{town}/",
        f"/projets/{slug}/territoires/{town}/modifier/",
        f"/projets/{slug}/territoires/{town}/retrait/",
        f"/projets/{slug}/copil/reunions/{meeting.pk}/",
        f"/projets/{slug}/copil/decisions/{decision.pk}/",
    ]:
        assert_accessible(page, axe, path)

    # The charter text can be edited only before anyone signs: a draft project of its own.
    draft = make_project(participants=3, launched=False, title="Projet en préparation")
    page.context.clear_cookies()
    login(draft.facilitator)
    assert_accessible(page, axe, f"/projets/{draft.project.slug}/charte/modifier/")
    assert page.get_by_role("button", name="Publier cette version").is_visible()

    page.context.clear_cookies()
    for path in [
        "/compte/mot-de-passe/oublie/",
        "/accessibilite/",
        "/donnees-personnelles/",
        "/page-qui-n-existe-pas/",
    ]:
        if path.startswith("/page-"):
            page.goto(path)
            violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
            assert not violations, describe(violations)
        else:
            assert_accessible(page, axe, path)
