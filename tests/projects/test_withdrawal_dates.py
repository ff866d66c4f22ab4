"""Withdrawal from a shared project: three calendar months after the registered letter is received,
and not before the actions the party engaged are closed (charter, "Durée et retrait")."""

import calendar
import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from territoires.core.dates import add_calendar_months
from territoires.projects import services
from territoires.projects.models import Participation, Withdrawal
from tests.factories import OrganisationFactory, make_project, pdf_bytes

D = datetime.date


# Calendar months ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 5, 31), 3, D(2024, 8, 31)),
        (D(2022, 11, 30), 3, D(2023, 2, 28)),
        (D(2023, 11, 30), 3, D(2024, 2, 29)),  # 2024 is a leap year
        (D(2024, 11, 30), 3, D(2025, 2, 28)),
        (D(2021, 9, 20), 3, D(2021, 12, 20)),
        (D(2021, 10, 15), 3, D(2022, 1, 15)),  # across the new year
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 3, 31), 0, D(2024, 3, 31)),
    ],
)
def test_add_calendar_months(start, months, expected):
    assert add_calendar_months(start, months) == expected


@given(
    start=st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31)),
    months=st.integers(min_value=-240, max_value=240),
)
@example(start=D(2023, 11, 30), months=3)
@example(start=D(2024, 1, 31), months=1)
@example(start=D(2024, 2, 29), months=12)
def test_add_calendar_months_properties(start, months):
    result = add_calendar_months(start, months)
    month_index = start.month - 1 + months
    assert result.month == month_index % 12 + 1
    assert result.year == start.year + month_index // 12
    assert result.day <= start.day
    last_day = calendar.monthrange(result.year, result.month)[1]
    # Same day of the month, or the month's last day when the month is too short for it.
    assert result.day == start.day or (result.day == last_day < start.day)
    if months > 0:
        assert result > start
    elif months < 0:
        assert result < start
    else:
        assert result == start


@given(start=st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31)), months=st.integers(0, 120))
def test_months_later_never_skip_a_month(start, months):
    """A later start never yields an earlier end: the notice never shrinks."""
    following = start + datetime.timedelta(days=1)
    assert add_calendar_months(following, months) >= add_calendar_months(start, months)


# Withdrawal --------------------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


def _participation(world, index=0) -> Participation:
    return Participation.objects.get(project=world.project, organisation=world.towns[index])


def _notify(world, letter_received_on, index=0) -> Withdrawal:
    return services.withdrawal_notify(
        participation=_participation(world, index),
        letter_received_on=letter_received_on,
        reason="Changement de priorités",
        user=world.referents[index],
    )


@pytestmark_db
def test_the_notice_ends_three_calendar_months_after_the_letter():
    world = make_project(participants=4)
    withdrawal = _notify(world, D(2024, 5, 31))
    assert withdrawal.notice_ends_on == D(2024, 8, 31)
    assert withdrawal.effective_on is None
    assert _participation(world).participation_state == "withdrawal_notified"


@pytestmark_db
def test_the_notice_of_a_letter_received_on_30_november_ends_on_the_last_day_of_february():
    world = make_project(participants=4)
    assert _notify(world, D(2023, 11, 30), 0).notice_ends_on == D(2024, 2, 29)
    assert _notify(world, D(2022, 11, 30), 1).notice_ends_on == D(2023, 2, 28)


@pytestmark_db
@pytest.mark.parametrize(
    ("closed_on", "effective_on"),
    [
        (D(2024, 6, 15), D(2024, 8, 31)),  # actions closed during the notice: end of notice
        (D(2024, 8, 31), D(2024, 8, 31)),
        (D(2024, 10, 2), D(2024, 10, 2)),  # closed after the notice: the closing day
    ],
)
def test_the_withdrawal_takes_effect_at_the_later_of_notice_end_and_actions_closed(closed_on, effective_on):
    world = make_project(participants=4)
    withdrawal = _notify(world, D(2024, 5, 31))
    services.withdrawal_close_engaged_actions(withdrawal=withdrawal, closed_on=closed_on, user=world.facilitator)
    withdrawal.refresh_from_db()
    assert withdrawal.engaged_actions_closed_on == closed_on
    assert withdrawal.effective_on == effective_on
    assert _participation(world).participation_state == "withdrawn"


@pytestmark_db
def test_a_withdrawal_is_only_notified_until_its_effective_date():
    world = make_project(participants=4)
    letter = world.today - datetime.timedelta(days=10)
    withdrawal = _notify(world, letter)
    services.withdrawal_close_engaged_actions(withdrawal=withdrawal, closed_on=letter, user=world.facilitator)
    withdrawal.refresh_from_db()
    assert withdrawal.effective_on == add_calendar_months(letter, 3) > world.today
    assert _participation(world).participation_state == "withdrawal_notified"
    assert not withdrawal.is_effective()
    assert withdrawal.is_effective(today=withdrawal.effective_on)
    assert not withdrawal.is_effective(today=withdrawal.effective_on - datetime.timedelta(days=1))
    # Until then the town still counts as a participant and as a party to the charter.
    assert world.towns[0] in services.charter_parties(world.project)


@pytestmark_db
def test_a_withdrawal_without_the_receipt_date_is_refused():
    world = make_project(participants=4)
    with pytest.raises(ValidationError) as error:
        _notify(world, None)
    assert "Indiquez la date de réception" in error.value.message_dict["letter_received_on"][0]
    assert not Withdrawal.objects.exists()
    assert _participation(world).participation_state == "active"


@pytestmark_db
def test_a_letter_received_in_the_future_is_refused():
    world = make_project(participants=4)
    with pytest.raises(ValidationError, match="futur"):
        _notify(world, world.today + datetime.timedelta(days=1))
    assert not Withdrawal.objects.exists()


@pytestmark_db
def test_a_withdrawal_is_notified_once():
    world = make_project(participants=4)
    _notify(world, D(2024, 5, 31))
    with pytest.raises(ValidationError, match="déjà notifié"):
        _notify(world, D(2024, 6, 3))
    assert Withdrawal.objects.get().letter_received_on == D(2024, 5, 31)


@pytestmark_db
def test_actions_cannot_close_before_the_letter_nor_without_a_date():
    world = make_project(participants=4)
    withdrawal = _notify(world, D(2024, 5, 31))
    with pytest.raises(ValidationError, match="avant la réception"):
        services.withdrawal_close_engaged_actions(withdrawal=withdrawal, closed_on=D(2024, 5, 1), user=None)
    with pytest.raises(ValidationError, match="Indiquez la date de clôture"):
        services.withdrawal_close_engaged_actions(withdrawal=withdrawal, closed_on=None, user=None)
    withdrawal.refresh_from_db()
    assert withdrawal.effective_on is None


@pytestmark_db
def test_the_effective_date_once_fixed_is_not_moved_by_a_second_closing():
    world = make_project(participants=4)
    withdrawal = _notify(world, D(2024, 5, 31))
    services.withdrawal_close_engaged_actions(withdrawal=withdrawal, closed_on=D(2024, 6, 15), user=world.facilitator)
    with pytest.raises(ValidationError, match="déjà closes"):
        services.withdrawal_close_engaged_actions(
            withdrawal=Withdrawal.objects.get(pk=withdrawal.pk), closed_on=D(2025, 1, 10), user=world.facilitator
        )
    assert Withdrawal.objects.get(pk=withdrawal.pk).effective_on == D(2024, 8, 31)


@pytestmark_db
def test_an_observer_cannot_withdraw():
    world = make_project(participants=3, observers=1)
    observer = Participation.objects.get(organisation=world.observer_towns[0])
    with pytest.raises(ValidationError, match="Seule une collectivité participante"):
        services.withdrawal_notify(participation=observer, letter_received_on=D(2024, 5, 31), reason="", user=None)


def _withdraw_for_good(world, index):
    withdrawal = _notify(world, D(2024, 1, 15), index)
    services.withdrawal_close_engaged_actions(withdrawal=withdrawal, closed_on=D(2024, 2, 1), user=world.facilitator)


@pytestmark_db
def test_a_withdrawn_town_is_no_longer_a_charter_party():
    world = make_project(participants=4)
    _withdraw_for_good(world, 3)
    parties = services.charter_parties(world.project)
    assert world.towns[3] not in parties
    assert parties == [world.agency, *world.towns[:3]]

    # The remaining parties bring the charter into force without it.
    charter = services.charter_current(world.project)
    services.charter_sign(
        charter=charter,
        organisation=world.agency,
        user=world.facilitator,
        signatory_name="DG",
        signatory_title="ANCT",
        signed_on=D(2024, 3, 1),
    )
    for index, town in enumerate(world.towns[:3]):
        services.charter_sign(
            charter=charter,
            organisation=town,
            user=world.referents[index],
            signatory_name="Maire",
            signatory_title="Maire",
            signed_on=D(2024, 3, 5),
            deliberation={
                "deliberation_number": f"D-{index}",
                "deliberation_date": D(2024, 3, 1),
                "deliberative_body": "municipal_council",
                "members_in_office": 33,
                "members_present": 33,
                "members_represented": 0,
                "members_absent": 0,
                "votes_for": 33,
            },
            deliberation_document=_pdf(),
        )
    charter.refresh_from_db()
    assert charter.is_in_force

    # And it can no longer sign.
    with pytest.raises(ValidationError, match="n'est pas partie"):
        services.charter_sign(
            charter=charter,
            organisation=world.towns[3],
            user=world.referents[3],
            signatory_name="Maire",
            signatory_title="Maire",
            signed_on=D(2024, 3, 5),
            deliberation={
                "deliberation_number": "D-9",
                "deliberation_date": D(2024, 3, 1),
                "deliberative_body": "municipal_council",
                "members_in_office": 33,
                "members_present": 33,
                "members_represented": 0,
                "members_absent": 0,
                "votes_for": 33,
            },
            deliberation_document=_pdf(),
        )


@pytestmark_db
def test_a_withdrawn_town_frees_its_place_and_marks_no_more_steps():
    world = make_project(participants=5)
    _withdraw_for_good(world, 0)
    with pytest.raises(ValidationError, match="s'est retirée"):
        services.step_complete(participation=_participation(world, 0), step="actor_map", user=None)
    # Five places, one freed: a new town may join.
    services.participation_add(
        project=world.project, organisation=OrganisationFactory(), role="participant", user=world.facilitator
    )
    assert Participation.objects.filter(project=world.project).active_participants().count() == 5


@pytestmark_db
def test_the_withdrawal_page_announces_the_end_of_notice(client):
    world = make_project(participants=4)
    client.force_login(world.referents[0])
    url = reverse("projects:territory_withdrawal", args=[world.project.slug, world.towns[0].slug])
    response = client.post(url, {"letter_received_on": "2024-05-31", "reason": ""}, follow=True)
    assert response.status_code == 200
    assert "il prendra effet au plus tôt le 31/08/2024" in response.content.decode()
    assert _participation(world).participation_state == "withdrawal_notified"


@pytestmark_db
def test_the_withdrawal_page_refuses_a_missing_date_in_french(client):
    world = make_project(participants=4)
    client.force_login(world.referents[0])
    url = reverse("projects:territory_withdrawal", args=[world.project.slug, world.towns[0].slug])
    response = client.post(url, {"letter_received_on": "", "reason": "Budget"})
    assert response.status_code == 400
    assert "Indiquez la date de réception du courrier recommandé." in response.content.decode()
    assert not Withdrawal.objects.exists()


@pytestmark_db
def test_closing_the_actions_twice_on_the_page_shows_why_it_is_refused(client):
    world = make_project(participants=4)
    _notify(world, D(2024, 5, 31))
    client.force_login(world.facilitator)
    url = reverse("projects:territory_withdrawal", args=[world.project.slug, world.towns[0].slug])
    assert client.post(url, {"closed_on": "2024-06-15"}).status_code == 302
    again = client.post(url, {"closed_on": "2025-01-10"})
    assert again.status_code == 400
    assert "Les actions engagées sont déjà closes" in html.unescape(again.content.decode())
    assert Withdrawal.objects.get().effective_on == D(2024, 8, 31)


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("d.pdf", pdf_bytes(), content_type="application/pdf")
