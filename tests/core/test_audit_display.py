"""The journal speaks French: every detail that any module writes has a label, codes show their
labels, foreign keys their names, dates in full."""

import ast
import datetime
import html
from pathlib import Path

import pytest
from django.urls import reverse

from territoires.accounts.models import Membership
from territoires.core.audit import AUDIT_DETAILS, audit_detail_rows, audit_log
from territoires.core.models import AuditEvent
from territoires.projects import services
from tests.factories import make_project
from tests.sharing.world import news

SOURCE = Path(__file__).resolve().parents[2] / "territoires"
STRUCTURAL = {"actor", "action", "target", "project_id"}


def _audit_keywords():
    """(file, keyword) for every keyword argument given to audit_log() in the code base."""
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "audit_log":
                for keyword in node.keywords:
                    if keyword.arg is None:  # **details: its keys are the ones listed where they are built
                        continue
                    if keyword.arg not in STRUCTURAL:
                        yield path.relative_to(SOURCE.parent), keyword.arg


def test_every_detail_written_to_the_journal_has_a_french_label():
    keywords = list(_audit_keywords())
    assert len(keywords) > 20  # the scan does find the calls
    missing = sorted({f"{key} ({path})" for path, key in keywords if key not in AUDIT_DETAILS})
    assert not missing, "Details without a label in core/audit.py AUDIT_DETAILS: " + ", ".join(missing)


def test_decision_changes_built_as_a_dict_have_labels_too():
    # decision_update passes **details: its keys are the decision's fields that it may change.
    assert {"text", "owner", "due_on", "status"} <= set(AUDIT_DETAILS)


def _page(client, project):
    response = client.get(reverse("projects:project_audit_log", args=[project.slug]))
    assert response.status_code == 200
    return html.unescape(response.content.decode().split("<tbody>")[1])


@pytest.mark.django_db
def test_the_journal_shows_labels_names_and_dates_not_codes(client):
    world = make_project(participants=3, launched=True)
    project, niort = world.project, world.towns[0]
    participation = project.participations.get(organisation=niort)
    # Each kind of entry as its module writes it.
    news(world, audience="public")  # sharing: status="published"
    audit_log(  # surveys' export: territory=<name>, format=<code>
        actor=world.facilitator,
        action=AuditEvent.Action.SURVEY_EXPORT_REQUESTED,
        target=project,
        project_id=project.pk,
        format="xlsx",
        territory=niort.name,
    )
    services.withdrawal_notify(
        participation=participation,
        letter_received_on=datetime.date(2022, 1, 10),
        reason="Budget",
        user=world.facilitator,
    )
    # A detail naming a foreign key of the target reads as the object's name; a choice as its label.
    audit_log(
        actor=world.facilitator,
        action=AuditEvent.Action.PUBLICATION_CHANGED,
        target=participation,
        project_id=project.pk,
        organisation=str(niort.pk),
        observer_status="accepted",
    )
    client.force_login(world.facilitator)
    page = _page(client, project)
    for words in (
        "statut : Publié",
        "territoire : " + niort.name,
        "format : Excel (XLSX)",
        "courrier reçu le : 10 janvier 2022",
        "fin du préavis : 10 avril 2022",
        "organisation : " + niort.name,
        "rôle : Collectivité participante",
        "publication : publié",
        "collectivités participantes : 3",
    ):
        assert words in page, words
    for code in ("status :", "territory :", "published", "xlsx", "2022-01-10", "participant<", "launched"):
        assert code not in page, code


@pytest.mark.django_db
def test_a_role_change_reads_with_role_labels():
    world = make_project(participants=3, launched=False, public=False)
    membership = Membership.objects.filter(organisation=world.towns[0], role=Membership.Role.AGENT).first()
    event = audit_log(
        actor=world.facilitator,
        action=AuditEvent.Action.ROLE_CHANGED,
        target=membership,
        previous="agent",
        role="referent",
    )
    assert audit_detail_rows(event) == [("rôle précédent", "Agent"), ("rôle", "Référent·e")]


@pytest.mark.django_db
def test_a_foreign_key_whose_object_is_gone_says_so():
    world = make_project(participants=3, launched=False, public=False)
    participation = world.project.participations.first()
    event = audit_log(
        actor=None, action=AuditEvent.Action.PARTICIPANT_ADDED, target=participation, organisation="999999"
    )
    assert audit_detail_rows(event) == [("organisation", "n° 999999 (supprimé)")]
