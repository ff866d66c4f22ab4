"""The facilitator's path in a browser: propose a theme, turn a theme with interests into a project,
invite a person into a commune unknown to the platform, and the invitee accepts through the mailed
link on a phone. axe-core finds no serious or critical violation on these pages."""

import re

import pytest
from django.core import mail
from django.test import override_settings

from territoires.accounts.models import Membership, Organisation, User
from territoires.projects import services
from territoires.projects.models import SharedProject
from tests.browser.helpers import PHONE, new_context, watch_errors
from tests.browser.test_accessibility import BLOCKING, describe
from tests.factories import MembershipFactory, OrganisationFactory, ThemeFactory

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def assert_no_blocking_violation(page, axe):
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, f"axe-core sur {page.url} :\n{describe(violations)}"


def test_facilitator_converts_invites_and_the_invitee_accepts_on_a_phone(
    page, axe, login, browser, live_server, transactional_db
):
    agency = OrganisationFactory(agency=True, name="ANCT")
    facilitator = MembershipFactory(organisation=agency, role=Membership.Role.FACILITATOR).user
    theme = ThemeFactory(title="Alimentation durable dans les cantines")
    for name in ("Niort", "Lorient", "Angers"):
        services.theme_interest_express(theme=theme, organisation=OrganisationFactory(name=name), user=None)
    login(facilitator)

    # The facilitator proposes a theme.
    page.goto("/themes/proposer/")
    assert_no_blocking_violation(page, axe)
    page.get_by_label("Intitulé du thème").fill("Accès aux droits dans les quartiers")
    page.get_by_label("Pourquoi ce thème ?").fill("Aller vers les habitants qui ne demandent pas leurs droits.")
    page.get_by_role("button", name="Proposer").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Accès aux droits dans les quartiers"

    # Converting the theme: the three interested towns are pre-filled as participants.
    page.goto(f"/themes/{theme.slug}/creer-projet/")
    assert_no_blocking_violation(page, axe)
    for name in ("Niort", "Lorient", "Angers"):
        assert page.get_by_role("group", name=name).get_by_label("Participante").is_checked()
    page.get_by_role("group", name="Angers").get_by_text("Observatrice").click()  # DSFR: the label covers the radio
    page.get_by_role("button", name="Créer le projet").click()
    page.wait_for_load_state()
    project = SharedProject.objects.get(theme=theme)
    assert {p.organisation.name: p.role for p in project.participations.all()} == {
        "Niort": "participant",
        "Lorient": "participant",
        "Angers": "observer",
    }
    # Towns already in the project are not offered again.
    options = page.locator("select[name=organisation] option").all_inner_texts()
    assert not {"Niort", "Lorient", "Angers"} & set(options)

    # Inviting a person into a commune unknown to the platform, from the participants page.
    page.get_by_role("link", name=re.compile("Inviter une personne")).click()
    page.wait_for_load_state()
    assert_no_blocking_violation(page, axe)
    page.get_by_label("Adresse électronique de la personne invitée").fill("maire@guichen.fr")
    page.get_by_label("Code INSEE de la commune à ajouter").fill("35 126")
    page.get_by_label("Nom de la commune à ajouter").fill("Guichen")
    page.get_by_label("Rôle").select_option("referent")
    with override_settings(SITE_URL=live_server.url):
        page.get_by_role("button", name="Envoyer l'invitation").click()
        page.wait_for_load_state()
        assert page.get_by_role("alert").count() >= 1  # the malformed code, in French
        assert_no_blocking_violation(page, axe)
        page.get_by_label("Code INSEE de la commune à ajouter").fill("35126")
        page.get_by_role("button", name="Envoyer l'invitation").click()
        page.wait_for_load_state()
    guichen = Organisation.objects.get(insee_code="35126")
    assert "/participants/" in page.url
    assert page.locator("select[name=organisation] option:checked").inner_text() == "Guichen"

    # The invitee opens the mailed link on a phone and creates an account.
    link = re.search(r"http\S+/compte/invitation/\S+/", mail.outbox[-1].body).group(0)
    assert link.startswith(live_server.url)
    phone = new_context(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    invitee = phone.new_page()
    errors = watch_errors(invitee)
    invitee.goto(link)
    assert_no_blocking_violation(invitee, axe)
    widths = invitee.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
    invitee.get_by_label("Prénom").fill("Claire")
    invitee.get_by_label("Nom", exact=True).fill("Leroy")
    invitee.locator("input[name=password1]").fill("Guichen-en-commun-35")  # its label holds the hint too
    invitee.get_by_label("Confirmation du mot de passe").fill("Guichen-en-commun-35")
    invitee.get_by_role("button", name="Créer mon compte et rejoindre").click()
    invitee.wait_for_load_state()
    assert "/mon-espace/" in invitee.url
    assert Membership.objects.get(user=User.objects.get(email="maire@guichen.fr")).organisation == guichen
    # The link is used up.
    assert invitee.goto(link).status == 410
    phone.close()
    assert not errors
