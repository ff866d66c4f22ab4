"""The plain-SQL reads of every signed-in page answer exactly what the ORM would."""

import pytest
from django.utils import timezone

from territoires.accounts.models import Membership
from territoires.core.sql import any_row, count_rows, first_instance, select_rows
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


def test_first_instance_is_the_model_the_orm_would_load():
    from territoires.accounts.models import User

    user = UserFactory(first_name="Élise", last_name="Ménard")
    loaded = first_instance(User, id=user.pk)
    expected = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert first_instance(User, id=user.pk + 1000) is None


def test_the_session_user_is_loaded_only_while_active(client):
    from territoires.accounts.backends import AccountBackend

    backend = AccountBackend()
    user = UserFactory()
    assert backend.get_user(str(user.pk)) == user
    assert backend.get_user("pas-un-nombre") is None
    assert backend.get_user(str(user.pk + 1000)) is None
    client.force_login(user)
    assert client.get("/mon-espace/").status_code == 200
    user.is_active = False
    user.save()
    assert backend.get_user(str(user.pk)) is None
    assert client.get("/mon-espace/").status_code == 302  # logged out, sent to the login page


def test_a_forged_thread_id_is_a_404_never_a_500(client, demo_project):
    client.force_login(demo_project.referents[0])
    slug = demo_project.project.slug
    for forged in ("99999999999999999999999999", "0", "12"):
        assert client.get(f"/projets/{slug}/espace/{forged}/").status_code == 404


def test_in_conditions_order_and_limit():
    users = [UserFactory() for _ in range(3)]
    town = OrganisationFactory()
    for user in users:
        MembershipFactory(user=user, organisation=town, role=Membership.Role.AGENT)
    wanted = [users[0].pk, users[2].pk]
    rows = select_rows(Membership, ("user",), user=wanted, order_by=("-user",))
    assert rows == [(users[2].pk,), (users[0].pk,)]
    assert select_rows(Membership, ("user",), user=wanted, order_by=("user",), limit=1) == [(users[0].pk,)]
    assert select_rows(Membership, ("user",), user=[]) == []
    assert count_rows(Membership, organisation=town.pk, user={users[1].pk}) == 1


def test_first_instance_converts_json_uuid_and_dates_as_the_orm():
    import uuid

    from territoires.surveys.collection import response_submit
    from territoires.surveys.models import Response
    from tests.surveys.factories import make_survey, valid_answers

    built = make_survey()
    stored = response_submit(
        deployment=built.deployment, answers=valid_answers(), channel="online", idempotency_key=str(uuid.uuid4())
    ).response
    loaded = first_instance(Response, id=stored.pk)
    expected = Response.objects.get(pk=stored.pk)
    for field in Response._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert isinstance(loaded.idempotency_key, uuid.UUID) and isinstance(loaded.answers, dict)
    assert not loaded._state.adding


def test_the_session_user_comes_with_their_memberships_in_one_query(django_assert_num_queries):
    from territoires.accounts.access import memberships_of
    from territoires.accounts.backends import AccountBackend

    user, lone = UserFactory(), UserFactory()
    town, agency = OrganisationFactory(), OrganisationFactory(agency=True)
    MembershipFactory(user=user, organisation=town, role=Membership.Role.REFERENT)
    MembershipFactory(user=user, organisation=agency, role=Membership.Role.FACILITATOR)
    with django_assert_num_queries(1):
        loaded = AccountBackend().get_user(str(user.pk))
        assert memberships_of(loaded) == {town.pk: Membership.Role.REFERENT, agency.pk: Membership.Role.FACILITATOR}
        assert loaded.email == user.email
    with django_assert_num_queries(1):
        assert memberships_of(AccountBackend().get_user(str(lone.pk))) == {}
