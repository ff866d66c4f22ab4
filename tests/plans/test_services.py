"""The plan's lifecycle and its refusals: each bad input gets its French message and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from territoires.diagnostic import services as directory
from territoires.plans import services
from territoires.plans.diff import versions_diff
from territoires.plans.models import Action, ActionPlan, Measurement, PlanAdoption
from territoires.projects.models import StepCompletion
from tests.factories import make_project
from tests.plans.helpers import DELIBERATION, adopt, deliberation_pdf, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def ns():
    return make_project()


def test_one_plan_per_territory(ns):
    plan, territory, *_ = make_plan(ns)
    with pytest.raises(ValidationError, match="déjà un plan"):
        services.plan_create(territory=territory, user=ns.referents[0], title="Second")
    assert ActionPlan.objects.filter(territory=territory).count() == 1


def test_adoption_locks_the_plan_marks_the_timeline_and_keeps_the_version(ns):
    plan, territory, axis, objective, actions, _indicator = make_plan(ns)
    user = ns.referents[0]
    adoption = adopt(plan, user)
    plan.refresh_from_db()
    assert plan.status == ActionPlan.Status.ADOPTED
    assert plan.adopted_version == adoption.version
    assert adoption.kind == PlanAdoption.Kind.ADOPTION
    assert adoption.version.snapshot["actions"][0]["title"] == "Action 1"
    done = set(StepCompletion.objects.filter(participation=territory).values_list("step", flat=True))
    assert {"plan_drafted", "plan_adopted"} <= done
    # Locked: the structure does not change…
    with pytest.raises(ValidationError, match="adopté"):
        services.action_save(plan=plan, user=user, objective=objective, data={"title": "Ajout"})
    assert plan.actions.count() == 2
    # …but the follow-up goes on.
    followed = services.action_follow_up(action=actions[0], user=user, status="in_progress", progress=30)
    assert followed.progress == 30
    # Adopting twice is refused, and records nothing more.
    with pytest.raises(ValidationError, match="déjà adopté"):
        services.plan_adopt(
            plan=plan, user=user, deliberation=dict(DELIBERATION), deliberation_document=deliberation_pdf()
        )
    assert PlanAdoption.objects.filter(plan=plan).count() == 1


def test_an_amendment_is_adopted_by_its_own_deliberation_and_the_public_keeps_the_adopted_version(ns):
    from territoires.plans.selectors import plan_structure

    plan, _territory, _axis, objective, _actions, _indicator = make_plan(ns)
    user = ns.referents[0]
    first = adopt(plan, user)
    services.plan_amend(plan=plan, user=user)
    plan.refresh_from_db()
    assert plan.status_label == "Adopté, modification en cours"
    services.action_save(plan=plan, user=user, objective=objective, data={"title": "Action ajoutée par l'avenant"})
    services.plan_submit(plan=plan, user=user)
    plan.refresh_from_db()
    # An amendment before the council reads as such, not as a first plan "submitted to the vote".
    assert plan.status_label == "Adopté, modification soumise au vote"
    services.plan_withdraw_submission(plan=plan, user=user)
    plan.refresh_from_db()
    public = plan_structure(plan, public=True)
    titles = [row.title for axis in public["axes"] for o in axis.objectives for row in o.actions]
    assert "Action ajoutée par l'avenant" not in titles and "Action 1" in titles
    second = adopt(plan, user)
    assert second.kind == PlanAdoption.Kind.AMENDMENT and second.version.number > first.version.number
    plan.refresh_from_db()
    public = plan_structure(plan, public=True)
    assert "Action ajoutée par l'avenant" in [
        row.title for axis in public["axes"] for o in axis.objectives for row in o.actions
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"votes_for": 10}, "votes_for"),  # the votes do not add up to present + represented
        ({"votes_for": 1, "votes_against": 34}, "votes_for"),  # more against than for: not adopted
        ({"members_absent": 3}, "members_absent"),  # present + absent ≠ in office
        ({"deliberation_date": datetime.date(2099, 1, 1)}, "deliberation_date"),
        ({"deliberation_number": ""}, "deliberation_number"),
    ],
)
def test_a_deliberation_that_does_not_hold_is_refused_and_changes_nothing(ns, change, field):
    plan, *_ = make_plan(ns)
    services.plan_submit(plan=plan, user=ns.referents[0])
    with pytest.raises(ValidationError) as refused:
        services.plan_adopt(
            plan=plan,
            user=ns.referents[0],
            deliberation={**DELIBERATION, **change},
            deliberation_document=deliberation_pdf(),
        )
    assert field in refused.value.message_dict
    plan.refresh_from_db()
    assert plan.status == ActionPlan.Status.SUBMITTED and plan.adopted_version is None
    assert not PlanAdoption.objects.exists()


def test_adoption_needs_a_real_pdf_and_a_submitted_plan(ns):
    from django.core.files.uploadedfile import SimpleUploadedFile

    plan, *_ = make_plan(ns)
    with pytest.raises(ValidationError, match="Soumettez d'abord"):
        services.plan_adopt(
            plan=plan, user=ns.referents[0], deliberation=dict(DELIBERATION), deliberation_document=deliberation_pdf()
        )
    services.plan_submit(plan=plan, user=ns.referents[0])
    fake = SimpleUploadedFile("deliberation.pdf", b"<html>%PDF-1.4</html>", content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        services.plan_adopt(
            plan=plan, user=ns.referents[0], deliberation=dict(DELIBERATION), deliberation_document=fake
        )
    assert "deliberation_document" in refused.value.message_dict
    assert not PlanAdoption.objects.exists()


def test_two_editors_of_one_action_the_second_is_warned_not_overwriting(ns):
    plan, _territory, _axis, objective, actions, _indicator = make_plan(ns)
    opened_at = actions[0].revision
    services.action_save(
        plan=plan,
        user=ns.referents[0],
        objective=objective,
        action=actions[0],
        data={"title": "Titre de Camille"},
        expected_revision=opened_at,
    )
    with pytest.raises(ValidationError, match="pendant que vous la modifiiez"):
        services.action_save(
            plan=plan,
            user=ns.agents[0],
            objective=objective,
            action=actions[0],
            data={"title": "Titre de Dominique"},
            expected_revision=opened_at,
        )
    assert Action.objects.get(pk=actions[0].pk).title == "Titre de Camille"


def test_an_action_cannot_be_its_own_ancestor_nor_link_another_territorys_cards(ns):
    plan, _territory, _axis, objective, actions, _indicator = make_plan(ns)
    user = ns.referents[0]
    child = services.action_save(
        plan=plan, user=user, objective=objective, parent=actions[0], data={"title": "Sous-action"}
    )
    with pytest.raises(ValidationError, match="elle-même"):
        services.action_save(
            plan=plan, user=user, objective=objective, action=actions[0], parent=child, data={"title": "Action 1"}
        )
    other_territory = ns.project.participations.get(organisation=ns.towns[1])
    elsewhere = directory.entry_create(
        territory=other_territory,
        kind="actor",
        user=ns.referents[1],
        data={"name": "Compagnie d'ailleurs"},
        publish=True,
    )
    with pytest.raises(ValidationError) as refused:
        services.action_save(
            plan=plan, user=user, objective=objective, partners=[elsewhere], data={"title": "Avec partenaire"}
        )
    assert "partners" in refused.value.message_dict
    assert not Action.objects.filter(title="Avec partenaire").exists()


def test_an_origin_must_belong_to_the_plans_project(ns):
    plan, _territory, _axis, _objective, actions, _indicator = make_plan(ns)
    other = make_project(title="Autre projet")
    foreign = directory.entry_create(
        territory=other.project.participations.get(organisation=other.towns[0]),
        kind="place",
        user=other.referents[0],
        data={"name": "Lieu d'un autre projet"},
        publish=True,
    )
    with pytest.raises(ValidationError):
        services.origin_add(action=actions[0], user=ns.referents[0], kind="diagnostic.entry", target_id=foreign.pk)
    with pytest.raises(ValidationError):
        services.origin_add(action=actions[0], user=ns.referents[0], kind="inconnu", target_id=1)
    own = directory.entry_create(
        territory=plan.territory, kind="place", user=ns.referents[0], data={"name": "Médiathèque"}, publish=True
    )
    services.origin_add(action=actions[0], user=ns.referents[0], kind="diagnostic.entry", target_id=own.pk)
    services.origin_add(action=actions[0], user=ns.referents[0], kind="diagnostic.entry", target_id=own.pk)  # resent
    assert actions[0].origins.count() == 1


def test_measurements_before_the_baseline_in_the_future_or_in_another_unit_are_refused(ns):
    *_, indicator = make_plan(ns)
    user = ns.referents[0]
    with pytest.raises(ValidationError, match="précéder la valeur de départ"):
        services.measurement_add(
            indicator=indicator, user=user, measured_on=datetime.date(2021, 12, 31), value=Decimal(120)
        )
    with pytest.raises(ValidationError, match="futur"):
        services.measurement_add(
            indicator=indicator, user=user, measured_on=datetime.date(2099, 1, 1), value=Decimal(120)
        )
    with pytest.raises(ValidationError, match="se mesure en « personnes »"):
        services.measurement_add(
            indicator=indicator, user=user, measured_on=datetime.date(2023, 1, 1), value=Decimal(12), unit="%"
        )
    services.measurement_add(indicator=indicator, user=user, measured_on=datetime.date(2023, 1, 1), value=Decimal(150))
    with pytest.raises(ValidationError, match="existe déjà"):
        services.measurement_add(
            indicator=indicator, user=user, measured_on=datetime.date(2023, 1, 1), value=Decimal(160)
        )
    assert Measurement.objects.count() == 1


def test_a_csv_import_is_all_or_nothing_and_names_every_bad_line(ns):
    plan, *_ = make_plan(ns)
    user = ns.referents[0]
    bad = (
        "indicateur;date;valeur;unité\n"
        "Habitants des quartiers touchés;31/03/2023;150;personnes\n"
        "Indicateur inventé;31/03/2023;1;\n"
        "Habitants des quartiers touchés;2023-06-30;douze;\n"
        "Habitants des quartiers touchés;30/09/2023;12;%\n"
    ).encode()
    with pytest.raises(ValidationError) as refused:
        services.measurements_import(plan=plan, user=user, content=bad)
    messages = " ".join(refused.value.messages)
    assert "ligne 3" in messages and "Indicateur inventé" in messages
    assert "ligne 4" in messages and "ligne 5" in messages
    assert not Measurement.objects.exists()
    good = 'indicateur,date,valeur,source\nHabitants des quartiers touchés,31/03/2023,"150,5",Billetterie\n'.encode(
        "cp1252"
    )
    assert services.measurements_import(plan=plan, user=user, content=good) == 1
    assert Measurement.objects.get().value == Decimal("150.5")
    with pytest.raises(ValidationError, match="1 mesure existe déjà à cette date"):
        services.measurements_import(plan=plan, user=user, content=good)
    with pytest.raises(ValidationError, match="Il manque"):
        services.measurements_import(plan=plan, user=user, content=b"nom;valeur\nx;1\n")


def test_versions_are_compared_in_words(ns):
    plan, _territory, _axis, objective, actions, _indicator = make_plan(ns)
    user = ns.referents[0]
    first = services.plan_version_save(plan=plan, user=user)
    assert services.plan_version_save(plan=plan, user=user) == first  # nothing new: no new version
    services.action_save(
        plan=plan,
        user=user,
        objective=objective,
        action=actions[0],
        data={"title": "Action 1", "lead": "Médiathèque", "budget": Decimal("15000")},
    )
    services.action_delete(action=actions[1], user=user)
    services.action_save(plan=plan, user=user, objective=objective, data={"title": "Résidence d'artistes"})
    second = services.plan_version_save(plan=plan, user=user)
    sentences = versions_diff(first.snapshot, second.snapshot)
    assert "L'action « Résidence d'artistes » est ajoutée." in sentences
    assert "L'action « Action 2 » est retirée." in sentences
    assert any(
        s.startswith("Action « Action 1 » :") and "pilote : « (vide) » → « Médiathèque »" in s and "budget" in s
        for s in sentences
    )
    assert versions_diff(second.snapshot, second.snapshot) == []


def test_outcomes_say_what_became_of_words(ns):
    from tests.surveys.factories import make_survey

    built = make_survey(project_ns=ns)
    plan, _territory, _axis, _objective, actions, _indicator = make_plan(ns)
    question = built.survey.questions.exclude(kind="note").first()
    user = ns.referents[0]
    with pytest.raises(ValidationError, match="quelle action"):
        services.outcome_set(plan=plan, user=user, kind="surveys.question", target_id=question.pk, status="kept")
    with pytest.raises(ValidationError, match="pourquoi"):
        services.outcome_set(plan=plan, user=user, kind="surveys.question", target_id=question.pk, status="not_kept")
    with pytest.raises(ValidationError):
        services.outcome_set(
            plan=plan, user=user, kind="diagnostic.entry", target_id=1, status="kept", action=actions[0]
        )
    outcome = services.outcome_set(
        plan=plan, user=user, kind="surveys.question", target_id=question.pk, status="kept", action=actions[0]
    )
    again = services.outcome_set(
        plan=plan,
        user=user,
        kind="surveys.question",
        target_id=question.pk,
        status="not_kept",
        explanation="Hors compétence communale.",
    )
    assert again.pk == outcome.pk and again.action is None
