"""The plain-SQL reads of every signed-in page answer exactly what the ORM would."""

import pytest
from django.utils import timezone

from territoires.accounts.models import Membership
from territoires.core.sql import any_row, count_rows, select_rows
from territoires.notifications.models import Notification
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _notification(recipient, *, read=False):
    return Notification.objects.create(
        recipient=recipient,
        verb="mention",
        text="Vous êtes mentionné",
        url="/",
        read_at=timezone.now() if read else None,
    )


def test_rows_of_one_user_only():
    user, other = UserFactory(), UserFactory()
    town, agency = OrganisationFactory(), OrganisationFactory(agency=True)
    MembershipFactory(user=user, organisation=town, role=Membership.Role.REFERENT)
    MembershipFactory(user=user, organisation=agency, role=Membership.Role.FACILITATOR)
    MembershipFactory(user=other, organisation=town, role=Membership.Role.AGENT)
    rows = select_rows(Membership, ("organisation", "role"), user=user.pk)
    assert dict(rows) == {town.pk: Membership.Role.REFERENT, agency.pk: Membership.Role.FACILITATOR}
    assert select_rows(Membership, ("organisation", "role"), user=UserFactory().pk) == []


def test_count_and_exists_with_null_conditions():
    user, other = UserFactory(), UserFactory()
    for read in (False, False, True):
        _notification(user, read=read)
    _notification(other)
    assert count_rows(Notification, recipient=user.pk, read_at=None) == 2
    assert count_rows(Notification, recipient=other.pk, read_at=None) == 1
    assert any_row(Notification, recipient=other.pk, read_at=None)
    Notification.objects.filter(recipient=other).update(read_at=timezone.now())
    assert not any_row(Notification, recipient=other.pk, read_at=None)
    assert count_rows(Notification, recipient=other.pk, read_at=None) == 0
