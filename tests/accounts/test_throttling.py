"""Sign-in and password-reset throttling: a clear French message, nothing more tried, and a way for
the platform admin to unlock an account."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password_reset")


@pytest.fixture(autouse=True)
def _throttling_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5


def _sign_in(client, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def test_wrong_passwords_lock_the_account_then_the_right_one_is_refused_too(client):
    user = UserFactory()
    for _attempt in range(4):
        response = _sign_in(client, user.email, "pas-le-bon")
        assert response.status_code == 200
        assert "Adresse électronique ou mot de passe incorrect" in response.content.decode()
    locked = _sign_in(client, user.email, "pas-le-bon")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Connexion suspendue" in page and "Réessayez dans 15 minutes" in page
    # The attacker who then finds the right password is not let in.
    right = _sign_in(client, user.email, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_address_is_counted_whatever_its_case_or_spaces(client):
    user = UserFactory()
    spellings = [user.email.upper(), f" {user.email} ", user.email.title(), user.email, user.email.upper()]
    for spelling in spellings:
        _sign_in(client, spelling, "pas-le-bon")
    assert _sign_in(client, user.email, PASSWORD).status_code == 429


def test_other_accounts_and_clients_are_not_locked_by_one_account(client):
    victim, colleague = UserFactory(), UserFactory()
    for _attempt in range(6):
        _sign_in(client, victim.email, "pas-le-bon")
    response = _sign_in(client, colleague.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_a_success_before_the_limit_starts_the_count_again(client):
    user = UserFactory()
    for _attempt in range(4):
        _sign_in(client, user.email, "pas-le-bon")
    assert _sign_in(client, user.email, PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        _sign_in(client, user.email, "pas-le-bon")
    assert _sign_in(client, user.email, PASSWORD).status_code == 302


def test_the_admin_unlocks_an_account(client):
    from axes.models import AccessAttempt

    user = UserFactory()
    for _attempt in range(5):
        _sign_in(client, user.email, "pas-le-bon")
    attempt = AccessAttempt.objects.get(username=user.email)
    assert attempt.ip_address == "127.0.0.0"  # the network only, never the whole address
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and user.email in listing.content.decode()
    client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    client.logout()
    assert _sign_in(client, user.email, PASSWORD).status_code == 302


def test_the_admin_unlocks_from_the_command_line(client):
    user = UserFactory()
    for _attempt in range(5):
        _sign_in(client, user.email, "pas-le-bon")
    call_command("axes_reset_username", user.email, verbosity=0)
    assert _sign_in(client, user.email, PASSWORD).status_code == 302


def test_password_reset_sends_at_most_three_links_an_hour_to_one_address(client):
    user = UserFactory()
    answers = [client.post(RESET, {"email": user.email}) for _attempt in range(21)]
    assert len(mail.outbox) == 3
    assert all(answer.status_code == 302 for answer in answers[:3])
    refused = answers[3]
    assert refused.status_code == 200
    assert "Trop de demandes de lien" in refused.content.decode()


def test_password_reset_answers_alike_for_unknown_addresses(client):
    answers = [client.post(RESET, {"email": "personne@exemple.fr"}) for _attempt in range(4)]
    assert [answer.status_code for answer in answers] == [302, 302, 302, 200]
    assert len(mail.outbox) == 0


def test_password_reset_limits_one_client_spraying_many_addresses(client):
    for index in range(31):
        client.post(RESET, {"email": f"cible{index}@exemple.fr"})
    refused = client.post(RESET, {"email": "encore@exemple.fr"})
    assert "Trop de demandes de lien" in refused.content.decode()
