"""On a phone: a facilitator required to use a second factor sets it up (QR code, code, backup
codes) and signs in with it; a person downloads their data and closes their account. Each page
passes axe-core."""

import re
import time
import zipfile

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from territoires.accounts.models import Membership, User
from tests.browser.test_accessibility import BLOCKING, describe
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.browser


def accessible(page, axe):
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, f"axe-core sur {page.url} : {describe(violations)}"
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} déborde : {widths[0]} px pour {widths[1]} px"


def sign_in(page, email):
    page.goto("/compte/connexion/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.wait_for_load_state()


def code_of(user, steps_ahead=0):
    device = TOTPDevice.objects.get(user=user, confirmed__in=[True, False])
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def test_a_facilitator_sets_up_the_second_factor_on_a_phone(phone, axe, transactional_db, settings):
    settings.TWO_FACTOR_REQUIRED = True
    user = MembershipFactory(organisation=OrganisationFactory(agency=True), role=Membership.Role.FACILITATOR).user
    sign_in(phone, user.email)
    assert "/compte/double-authentification/" in phone.url
    expect(phone.get_by_text("Votre rôle (animation ANCT")).to_be_visible()
    phone.get_by_role("button", name="Commencer l'activation").click()
    qr = phone.locator(".tec-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150, "le QR code doit rester lisible sur un téléphone"
    accessible(phone, axe)
    phone.fill("input[name=code]", "000000" if code_of(user) != "000000" else "111111")
    phone.get_by_role("button", name="Activer la double authentification").click()
    expect(phone.get_by_text("Code incorrect").first).to_be_visible()
    phone.fill("input[name=code]", code_of(user))
    phone.get_by_role("button", name="Activer la double authentification").click()
    expect(phone.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    assert len(re.findall(r"<code>[a-z0-9]+</code>", phone.content())) == 10
    accessible(phone, axe)
    phone.get_by_role("link", name="J'ai noté mes codes").click()
    assert phone.url.endswith("/mon-espace/")

    # Signing in again: the password, then the code.
    phone.context.clear_cookies()
    sign_in(phone, user.email)
    assert phone.url.endswith("/compte/connexion/code/")
    accessible(phone, axe)
    phone.fill("input[name=code]", code_of(user, steps_ahead=1))
    phone.get_by_role("button", name="Valider").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/mon-espace/")


def test_a_person_downloads_their_data_then_closes_their_account(phone, axe, transactional_db):
    user = MembershipFactory(role=Membership.Role.AGENT, user=UserFactory(first_name="Inès", last_name="Moreau")).user
    sign_in(phone, user.email)
    phone.goto("/compte/")
    accessible(phone, axe)
    phone.get_by_role("button", name="Préparer le téléchargement de mes données").click()
    # Tests run tasks inline: the download is ready when the page comes back.
    link = phone.get_by_role("link", name=re.compile("Télécharger"))
    expect(link).to_be_visible()
    with phone.expect_download() as download:
        link.click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert "donnees-personnelles.json" in archive.namelist()
        assert "Inès" in archive.read("donnees-personnelles.json").decode()

    phone.get_by_role("link", name="Fermer mon compte…").click()
    accessible(phone, axe)
    phone.fill("input[name=password]", "pas-le-bon")
    phone.locator("label[for=id_understood]").click()
    phone.get_by_role("button", name="Fermer définitivement mon compte").click()
    expect(phone.get_by_text("Mot de passe incorrect").first).to_be_visible()
    phone.fill("input[name=password]", PASSWORD)
    phone.locator("label[for=id_understood]").click() if not phone.is_checked("input[name=understood]") else None
    phone.get_by_role("button", name="Fermer définitivement mon compte").click()
    expect(phone.get_by_text("Votre compte est fermé")).to_be_visible()
    user.refresh_from_db()
    assert user.closed_at and str(user) == "Ancien·ne membre"
    assert not User.objects.filter(email__startswith="ines").exists()
