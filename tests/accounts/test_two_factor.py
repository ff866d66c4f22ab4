"""Two-factor sign-in: set-up with a QR code, sign-in with a code or a backup code, wrong and
replayed codes refused and counted by django-axes, and required for facilitators and admins."""

import html
import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from territoires.accounts import two_factor
from territoires.accounts.models import Membership
from territoires.core.models import AuditEvent
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
CODE = reverse("accounts:login_code")
SETUP = reverse("accounts:two_factor")
DASHBOARD = reverse("projects:dashboard")


@pytest.fixture(autouse=True)
def _no_wait_between_codes(settings):
    # django-otp makes a person wait 1, 2, 4… seconds after each wrong code; tests that send a right
    # code after a wrong one would otherwise have to sleep (the throttle has its own test below).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def text(response) -> str:
    return html.unescape(response.content.decode())


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enable(client, user) -> list[str]:
    """Set-up as a person does it: start, read the QR page, type the code; returns the backup codes."""
    client.force_login(user)
    assert client.post(SETUP, {"action": "start"}).status_code == 302
    page = client.get(SETUP)
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"action": "confirm", "code": code_of(device)})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:two_factor_codes")
    codes_page = text(client.get(response["Location"]))
    codes = re.findall(r"<code>([a-z0-9]+)</code>", codes_page)
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    client.logout()
    return codes


def sign_in(client, user):
    return client.post(LOGIN, {"username": user.email, "password": PASSWORD})


def test_set_up_shows_a_qr_code_and_a_secret_and_needs_a_right_code(client):
    user = UserFactory()
    client.force_login(user)
    client.post(SETUP, {"action": "start"})
    page = text(client.get(SETUP))
    assert "<svg" in page and "QR code à scanner" in page
    device = TOTPDevice.objects.get(user=user)
    assert two_factor.totp_secret_text(device).replace(" ", "") in page.replace(" ", "")
    wrong = client.post(SETUP, {"action": "confirm", "code": "000000" if code_of(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "Code incorrect" in text(wrong)
    device.refresh_from_db()
    assert not device.confirmed and not two_factor.has_second_factor(user)
    client.post(SETUP, {"action": "confirm", "code": code_of(device)})
    assert two_factor.has_second_factor(user)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TWO_FACTOR_ENABLED, target_id=user.pk).exists()
    # The codes are shown once: the page cannot be opened again to read them.
    client.get(reverse("accounts:two_factor_codes"))
    assert client.get(reverse("accounts:two_factor_codes")).status_code == 302


def test_sign_in_asks_for_the_code_after_the_password(client):
    user = UserFactory()
    enable(client, user)
    response = sign_in(client, user)
    assert response.status_code == 302 and response["Location"] == CODE
    assert "_auth_user_id" not in client.session  # not signed in with the password alone
    assert client.get(DASHBOARD).status_code == 302
    device = TOTPDevice.objects.get(user=user)
    # The set-up used the current time step's code: the next one (the application's next code).
    response = client.post(CODE, {"code": code_of(device, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(DASHBOARD).status_code == 200


def test_a_wrong_code_is_refused_and_a_right_one_then_works(client):
    user = UserFactory()
    enable(client, user)
    sign_in(client, user)
    device = TOTPDevice.objects.get(user=user)
    wrong = "123456" if code_of(device) != "123456" else "654321"
    response = client.post(CODE, {"code": wrong})
    assert response.status_code == 400 and "Code incorrect ou déjà utilisé" in text(response)
    assert "_auth_user_id" not in client.session
    assert client.post(CODE, {"code": code_of(device, steps_ahead=1)}).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_replayed_code_is_refused(client):
    user = UserFactory()
    enable(client, user)
    device = TOTPDevice.objects.get(user=user)
    # The code of the next time step (the set-up used the current one), within the tolerated drift.
    code = code_of(device, steps_ahead=1)
    sign_in(client, user)
    assert client.post(CODE, {"code": code}).status_code == 302
    client.logout()
    sign_in(client, user)
    replay = client.post(CODE, {"code": code})
    assert replay.status_code == 400 and "déjà utilisé" in text(replay)
    assert "_auth_user_id" not in client.session


def test_a_backup_code_signs_in_once(client):
    user = UserFactory()
    codes = enable(client, user)
    sign_in(client, user)
    response = client.post(CODE, {"code": codes[0].upper()}, follow=True)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "il vous en reste 9" in text(response)
    client.logout()
    sign_in(client, user)
    assert client.post(CODE, {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_the_code_step_expires(client, monkeypatch):
    user = UserFactory()
    enable(client, user)
    sign_in(client, user)
    later = time.time() + two_factor.PENDING_SECONDS + 1
    monkeypatch.setattr(two_factor.time, "time", lambda: later)
    response = client.post(CODE, {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_the_code_page_without_a_password_first_sends_to_sign_in(client):
    assert client.get(CODE)["Location"] == LOGIN
    assert client.post(CODE, {"code": "123456"})["Location"] == LOGIN


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory()
    codes = enable(client, user)
    sign_in(client, user)
    statuses = [client.post(CODE, {"code": f"99999{i}"}).status_code for i in range(3)]
    assert statuses == [400, 400, 429]
    # Locked: even a right backup code is refused, and so is the password for a new attempt.
    assert client.post(CODE, {"code": codes[0]}).status_code == 429
    assert "_auth_user_id" not in client.session
    assert sign_in(client, user).status_code == 429


def test_the_device_slows_down_guesses(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    user = UserFactory()
    enable(client, user)
    device = TOTPDevice.objects.get(user=user)
    sign_in(client, user)
    client.post(CODE, {"code": "000001" if code_of(device) != "000001" else "000002"})
    response = client.post(CODE, {"code": code_of(device, steps_ahead=1)})
    assert response.status_code == 400 and "attendez quelques secondes" in text(response)


def test_new_backup_codes_replace_the_old_ones(client):
    user = UserFactory()
    old = enable(client, user)
    client.force_login(user)
    response = client.post(SETUP, {"action": "renew", "code": old[0]})
    assert response["Location"] == reverse("accounts:two_factor_codes")
    new = re.findall(r"<code>([a-z0-9]+)</code>", text(client.get(response["Location"])))
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(new)


def test_disabling_needs_a_code(client):
    user = UserFactory()
    codes = enable(client, user)
    client.force_login(user)
    assert client.post(SETUP, {"action": "disable", "code": "pas-un-code"}).status_code == 400
    assert two_factor.has_second_factor(user)
    client.post(SETUP, {"action": "disable", "code": codes[1]})
    assert not two_factor.has_second_factor(user)
    client.logout()
    assert sign_in(client, user)["Location"] == DASHBOARD  # the password alone again


# Required roles ----------------------------------------------------------------------------------


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def facilitator():
    return MembershipFactory(organisation=OrganisationFactory(agency=True), role=Membership.Role.FACILITATOR).user


@pytest.mark.parametrize(
    "make_user, must",
    [
        (facilitator, True),
        (lambda: UserFactory(is_staff=True), True),
        (lambda: UserFactory(is_staff=True, is_superuser=True), True),
        (
            lambda: (
                MembershipFactory(
                    organisation=OrganisationFactory(agency=True), role=Membership.Role.PLATFORM_ADMIN
                ).user
            ),
            True,
        ),
        (lambda: MembershipFactory(role=Membership.Role.REFERENT).user, False),
        (lambda: MembershipFactory(role=Membership.Role.AGENT).user, False),
        (lambda: UserFactory(), False),
    ],
)
def test_required_roles_are_sent_to_set_up_from_every_page(client, required, make_user, must):
    user = make_user()
    client.force_login(user)
    response = client.get(DASHBOARD)
    if must:
        assert response.status_code == 302 and response["Location"].startswith(SETUP)
        assert client.get(SETUP).status_code == 200
    else:
        assert response.status_code == 200


def test_a_facilitator_sets_up_then_works_and_cannot_disable(client, required):
    user = facilitator()
    client.force_login(user)
    assert client.get("/admin/")["Location"].startswith(SETUP) or client.get(DASHBOARD).status_code == 302
    client.post(SETUP, {"action": "start"})
    device = TOTPDevice.objects.get(user=user)
    client.post(SETUP, {"action": "confirm", "code": code_of(device)})
    assert client.get(DASHBOARD).status_code == 200  # this session is verified
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    response = client.post(SETUP, {"action": "disable", "code": codes[0]})
    assert response.status_code == 400 and "ne peut pas être désactivée" in text(response)
    assert two_factor.has_second_factor(user)


def test_a_session_opened_without_the_code_must_type_it(client, required):
    user = facilitator()
    enable(client, user)
    client.force_login(user)  # e.g. a session from before the second factor was set up
    response = client.get(DASHBOARD)
    assert response["Location"].startswith(CODE)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(f"{CODE}?next={DASHBOARD}", {"code": code_of(device, steps_ahead=1), "next": DASHBOARD})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200


def test_the_code_page_never_redirects_elsewhere(client):
    user = UserFactory()
    enable(client, user)
    client.post(LOGIN, {"username": user.email, "password": PASSWORD, "next": "https://ailleurs.example/"})
    device = TOTPDevice.objects.get(user=user)
    response = client.post(CODE, {"code": code_of(device, steps_ahead=1)})
    assert response["Location"] == DASHBOARD


def test_the_admin_signs_in_through_the_platforms_page_and_its_code(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    enable(client, admin)
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next=%2Fadmin%2Faccounts%2Fuser%2F"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    # Posting the password to the admin's page signs no one in.
    client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("production, required", [("1", "True"), ("0", "False")])
def test_production_requires_the_second_factor_by_default(production, required):
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = {
        "PATH": "/usr/bin:/bin",
        "PRODUCTION": production,
        "SECRET_KEY": "une-cle-de-test-assez-longue-pour-la-production-0123456789",
        "ALLOWED_HOSTS": "territoires.example.gouv.fr",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.TWO_FACTOR_REQUIRED)"],
        cwd=django_settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == required
