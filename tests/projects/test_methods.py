"""A project's method: picked from a template at creation, copied into the project, adapted there;
and the phase steps that follow it (in order, with who, when and a note, reopened after a question)."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from territoires.core.models import AuditEvent
from territoires.projects import selectors, services
from territoires.projects.methods import CULTURE_SLUG, GENERAL_SLUG, method_copy, template_by_slug
from territoires.projects.models import (
    CommitteeMember,
    Method,
    MethodStep,
    Participation,
    SharedProject,
    StepCompletion,
    method_of,
)
from territoires.projects.phases import PHASES, STEPS_BY_CODE
from tests.factories import MembershipFactory, OrganisationFactory, make_project

pytestmark = pytest.mark.django_db

CULTURE_WORDS = re.compile(r"cultur|non-publics", re.IGNORECASE)
Action = AuditEvent.Action


def readable(page: str) -> str:
    """What people read: the page without its attributes (field names and codes stay in English)."""
    return re.sub(r'\s[\w:-]+="[^"]*"', "", page)


def _create_project(client, facilitator, template, title):
    client.force_login(facilitator)
    response = client.post(
        reverse("projects:project_create"),
        {"title": title, "summary": "Trois à cinq collectivités", "method_template": template.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return SharedProject.objects.get(title=title)


def _facilitator():
    agency = OrganisationFactory(agency=True)
    return MembershipFactory(organisation=agency, role="facilitator").user


def _add_towns(project, facilitator, count=3):
    towns = []
    for _index in range(count):
        town = OrganisationFactory()
        services.participation_add(project=project, organisation=town, role="participant", user=facilitator)
        towns.append(town)
    return towns


def _participation(project, town) -> Participation:
    return Participation.objects.get(project=project, organisation=town)


def test_the_creation_form_offers_both_templates_the_general_one_first(client):
    client.force_login(_facilitator())
    page = client.get(reverse("projects:project_create")).content.decode()
    assert "Méthode générale" in page and "Action culturelle municipale" in page
    general = template_by_slug(GENERAL_SLUG)
    assert re.search(rf'value="{general.pk}"[^>]*checked', page)


def test_a_project_with_the_general_method_shows_no_culture_wording(client):
    facilitator = _facilitator()
    project = _create_project(client, facilitator, template_by_slug(GENERAL_SLUG), "Mobilités du quotidien")
    town = _add_towns(project, facilitator)[0]

    charter = services.charter_current(project)
    texts = [charter.title] + [f"{a.title} {a.body}" for a in charter.articles.all()]
    assert not [text for text in texts if CULTURE_WORDS.search(text)]
    assert "les responsables du projet de chaque collectivité" in " ".join(texts)
    assert "Mobilités du quotidien" in texts[1]  # article 1 names the project

    # Committee: the lead role's label, in the member form and on a member.
    committee_page = client.get(reverse("projects:committee_detail", args=[project.slug])).content.decode()
    assert "Responsable du projet dans la collectivité" in committee_page
    # Role codes stay (cultural_lead); what people read does not speak of culture.
    assert not CULTURE_WORDS.search(readable(committee_page))
    member = CommitteeMember.objects.create(
        committee=project.committee, user=facilitator, organisation=town, kind=CommitteeMember.Kind.CULTURAL_LEAD
    )
    assert member.get_kind_display() == "Responsable du projet dans la collectivité"

    # Territory sheet and steps.
    sheet = client.get(reverse("projects:territory_detail", args=[project.slug, town.slug])).content.decode()
    form = client.get(reverse("projects:territory_edit", args=[project.slug, town.slug])).content.decode()
    for page in (sheet, form):
        assert not CULTURE_WORDS.search(readable(page))
        assert "Acteurs et ressources du territoire" in page
    assert "Enquête auprès des habitants" in sheet
    labels = [step.label for step in method_of(project).steps.all()]
    assert len(labels) == 14 and not [label for label in labels if CULTURE_WORDS.search(label)]


def test_a_project_with_the_culture_method_keeps_the_reference_texts(client):
    facilitator = _facilitator()
    project = _create_project(client, facilitator, template_by_slug(CULTURE_SLUG), "Projet de référence")
    town = _add_towns(project, facilitator)[0]
    bodies = " ".join(a.body for a in services.charter_current(project).articles.all())
    assert "les responsables des affaires culturelles de chaque collectivité" in bodies
    sheet = client.get(reverse("projects:territory_detail", args=[project.slug, town.slug])).content.decode()
    assert "Paysage culturel" in sheet
    assert "Enquête auprès des habitants (publics et non-publics)" in sheet
    committee_page = client.get(reverse("projects:committee_detail", args=[project.slug])).content.decode()
    assert "Responsable des affaires culturelles" in committee_page
    member = CommitteeMember.objects.create(
        committee=project.committee, user=facilitator, organisation=town, kind=CommitteeMember.Kind.CULTURAL_LEAD
    )
    assert member.get_kind_display() == "Responsable des affaires culturelles"
    assert "Responsable des affaires culturelles" in str(member)


def test_the_culture_template_is_the_former_hard_coded_method():
    """Same codes, same French texts: existing completions stay valid and read the same."""
    culture = template_by_slug(CULTURE_SLUG)
    with translation.override("fr"):
        expected = [
            (phase.code, str(phase.label), [(step.code, str(step.label)) for step in phase.steps]) for phase in PHASES
        ]
    assert [
        (phase.code, phase.label, [(step.code, step.label) for step in phase.step_list])
        for phase in Method.objects.prefetch_related("phases", "steps").get(pk=culture.pk).phase_list()
    ] == expected
    assert culture.lead_role_label == "Responsable des affaires culturelles"
    assert culture.landscape_heading == "Paysage culturel"
    assert culture.articles.count() == 6


def test_editing_the_project_method_leaves_the_template_and_other_projects_alone(client):
    facilitator = _facilitator()
    general = template_by_slug(GENERAL_SLUG)
    first = _create_project(client, facilitator, general, "Premier projet")
    second = _create_project(client, facilitator, general, "Second projet")
    method = method_of(first)
    form = client.get(reverse("projects:project_method", args=[first.slug])).context["form"]
    data = {name: form[name].value() or "" for name in form.fields if not name.endswith("-remove")}
    data["lead_role_label"] = "Chef·fe de projet mobilités"
    data["landscape_heading"] = "Offre de transport"
    diagnostic = method.phases.get(code="diagnostic")
    data[f"phase-{diagnostic.pk}-label"] = "État des lieux"
    survey = method.steps.get(code="resident_survey")
    data[f"step-{survey.pk}-label"] = "Enquête déplacements"
    data[f"step-{method.steps.get(code='interviews').pk}-remove"] = "on"
    data[f"phase-{diagnostic.pk}-new"] = "Comptages routiers"

    response = client.post(reverse("projects:project_method", args=[first.slug]), data)
    assert response.status_code == 302, response.content.decode()[:3000]

    method = Method.objects.prefetch_related("phases", "steps").get(pk=method.pk)
    assert method.lead_role_label == "Chef·fe de projet mobilités"
    phase = method.phase_list()[0]
    assert phase.label == "État des lieux"
    assert [step.label for step in phase.step_list] == [
        "Cartographie des familles d'acteurs et des lieux",
        "Enquête déplacements",
        "Synthèse et tableaux de bord du diagnostic",
        "Comptages routiers",
    ]
    assert phase.step_list[-1].code == "diagnostic_1"
    for untouched in (Method.objects.get(pk=general.pk), method_of(second)):
        assert untouched.lead_role_label == "Responsable du projet dans la collectivité"
        assert untouched.steps.get(code="resident_survey").label == "Enquête auprès des habitants"
        assert untouched.steps.filter(code="interviews").exists()
        assert untouched.steps.count() == 14
    assert AuditEvent.objects.filter(action=Action.METHOD_CHANGED, project_id=first.pk).count() == 1


def test_a_step_some_territory_has_done_cannot_be_removed():
    world = make_project(participants=3)
    participation = _participation(world.project, world.towns[0])
    services.step_complete(participation=participation, step="actor_map", user=world.referents[0])
    method = method_of(world.project)
    actor_map = method.steps.get(code="actor_map")
    with pytest.raises(ValidationError, match="déjà franchi « Cartographie"):
        services_method_update(method, removed_steps=[actor_map.pk])
    assert method.steps.filter(code="actor_map").exists()


def services_method_update(method, **changes):
    from territoires.projects.methods import method_update

    arguments = {"values": {}, "phases": {}, "steps": {}, "new_steps": {}, "removed_steps": []}
    arguments.update(changes)
    method_update(method=method, user=None, **arguments)


def test_progress_counts_the_steps_of_the_project_method():
    world = make_project(participants=3)
    participation = _participation(world.project, world.towns[0])
    for code in ("actor_map", "interviews"):
        services.step_complete(participation=participation, step=code, user=None)
    method = method_of(world.project)
    # Four steps of the last phases removed: 2 of 10 steps done.
    removed = list(method.steps.filter(code__in=["survey_group_mobilised", "feedback_published", "first_review"]))
    services_method_update(method, removed_steps=[step.pk for step in removed[:2]])
    project = selectors.with_progress(SharedProject.objects.filter(pk=world.project.pk)).get()
    assert project.step_count == 12
    assert selectors.progress_of(project) == round(100 * 2 / (3 * 12))
    assert Participation.objects.get(pk=participation.pk).progress_percent == round(100 * 2 / 12)


def test_the_migration_copies_the_culture_method_into_existing_projects():
    """Projects made before methods existed get a copy of the culture template: same texts."""
    migration = importlib.import_module("territoires.projects.migrations.0003_seed_methods")
    world = make_project(participants=3)
    participation = _participation(world.project, world.towns[0])
    services.step_complete(participation=participation, step="actor_map", user=None)
    Method.objects.filter(project=world.project).delete()  # as before the migration

    migration.seed_and_copy(django_apps, None)
    migration.seed_and_copy(django_apps, None)  # run again: nothing doubles

    method = Method.objects.prefetch_related("phases", "steps").get(project=world.project)
    culture = template_by_slug(CULTURE_SLUG)
    assert method.template_id == culture.pk
    assert method.lead_role_label == "Responsable des affaires culturelles"
    assert method.landscape_heading == "Paysage culturel"
    assert sorted(method.step_codes()) == sorted(STEPS_BY_CODE)
    assert method.steps.get(code="resident_survey").label == "Enquête auprès des habitants (publics et non-publics)"
    assert Method.objects.templates().count() == 2
    assert Participation.objects.get(pk=participation.pk).progress_percent == 7  # 1 of 14, as before


def test_the_copy_function_copies_phases_steps_and_module_hints_not_the_template_itself():
    project = make_project(participants=3).project
    culture = template_by_slug(CULTURE_SLUG)
    Method.objects.filter(project=project).delete()
    copy = method_copy(source=culture, project=project)
    assert (copy.project, copy.template, copy.is_default) == (project, culture, False)
    assert copy.phases.count() == 5 and copy.steps.count() == 14
    assert {step.phase.method_id for step in copy.steps.select_related("phase")} == {copy.pk}
    assert copy.steps.get(code="resident_survey").filled_by == MethodStep.Module.SURVEYS
    copy.steps.filter(code="actor_map").update(label="Changé")
    assert culture.steps.get(code="actor_map").label == "Cartographie des familles d'acteurs et des lieux"


# Steps --------------------------------------------------------------------------------------------


def test_a_step_is_refused_before_the_earlier_steps_of_its_phase(client):
    world = make_project(participants=3)
    town = world.towns[0]
    participation = _participation(world.project, town)
    with pytest.raises(ValidationError, match="terminez d'abord « Plan d'action rédigé »"):
        services.step_complete(participation=participation, step="plan_adopted", user=world.referents[0])

    client.force_login(world.referents[0])
    url = reverse("projects:territory_step", args=[world.project.slug, town.slug])
    page = client.post(url, {"step": "diagnostic_synthesis"}, follow=True).content.decode()
    assert (
        "« Synthèse et tableaux de bord du diagnostic » ne peut pas encore être marquée faite : terminez d'abord "
        "« Cartographie des familles d'acteurs et des lieux », « Entretiens semi-directifs et collectifs », "
        "« Enquête auprès des habitants »" in page.replace("&#x27;", "'").replace("&quot;", '"')
    )
    assert not StepCompletion.objects.filter(participation=participation).exists()
    # A step of another phase does not wait for this one.
    assert client.post(url, {"step": "plan_drafted"}).status_code == 302
    assert StepCompletion.objects.filter(participation=participation, step="plan_drafted").exists()


def test_a_done_step_shows_who_when_and_the_note(client, django_capture_on_commit_callbacks):
    world = make_project(participants=3)
    town = world.towns[0]
    client.force_login(world.referents[0])
    url = reverse("projects:territory_step", args=[world.project.slug, town.slug])
    with django_capture_on_commit_callbacks(execute=True):  # the saved step drops the cached pages
        client.post(url, {"step": "actor_map", "note": "Carte partagée avec le service urbanisme"})
    completion = StepCompletion.objects.get(participation__organisation=town, step="actor_map")
    assert completion.completed_by == world.referents[0]
    page = client.get(reverse("projects:territory_detail", args=[world.project.slug, town.slug])).content.decode()
    assert f"par {world.referents[0].get_full_name()}" in page
    assert "Note : Carte partagée avec le service urbanisme" in page
    event = AuditEvent.objects.get(action=Action.PHASE_STEP_DONE, project_id=world.project.pk)
    assert event.details == {
        "step": "Cartographie des familles d'acteurs et des lieux",
        "note": "Carte partagée avec le service urbanisme",
    }


def test_steps_a_module_will_fill_in_say_so(client):
    world = make_project(participants=3)
    page = client.get(reverse("projects:territory_detail", args=[world.project.slug, world.towns[0].slug]))
    text = page.content.decode().replace("&#x27;", "'")
    assert "Sera renseignée automatiquement par le module « Enquête habitants » ; d'ici là" in text
    assert "Sera renseignée automatiquement par le module « Diagnostic territorial » ; d'ici là" in text
    assert "Sera renseignée automatiquement par le module « Plans d'action » ; d'ici là" in text
    # A module not installed says it is to come (the step's module named on a step of the method).
    from territoires.projects.models import MethodStep

    step = MethodStep(filled_by="unknown")
    assert step.filled_by_hint == ""


def test_reopening_asks_first_then_reopens_and_is_audited(client):
    world = make_project(participants=3)
    town = world.towns[0]
    participation = _participation(world.project, town)
    services.step_complete(participation=participation, step="actor_map", note="Carte", user=world.referents[0])
    client.force_login(world.referents[0])
    detail = client.get(reverse("projects:territory_detail", args=[world.project.slug, town.slug])).content.decode()
    reopen_url = reverse("projects:territory_step_reopen", args=[world.project.slug, town.slug, "actor_map"])
    # On the sheet, reopening is a link to a question, not a button that acts at once.
    assert f'href="{reopen_url}"' in detail
    assert 'name="done"' not in detail

    question = client.get(reopen_url)
    assert question.status_code == 200
    text = question.content.decode().replace("&#x27;", "'")
    assert "Rouvrir l'étape « Cartographie des familles d'acteurs et des lieux » ?" in text
    assert "« Carte »" in text
    assert StepCompletion.objects.filter(participation=participation, step="actor_map").exists()

    response = client.post(reopen_url)
    assert response.status_code == 302
    assert not StepCompletion.objects.filter(participation=participation, step="actor_map").exists()
    assert AuditEvent.objects.filter(action=Action.PHASE_STEP_UNDONE, project_id=world.project.pk).count() == 1
    # Sent again: nothing more happens, nothing more is logged.
    client.post(reopen_url)
    assert AuditEvent.objects.filter(action=Action.PHASE_STEP_UNDONE).count() == 1


def test_an_earlier_step_is_reopened_only_after_the_later_ones(client):
    world = make_project(participants=3)
    town = world.towns[0]
    participation = _participation(world.project, town)
    for code in ("actor_map", "interviews"):
        services.step_complete(participation=participation, step=code, user=None)
    client.force_login(world.referents[0])
    reopen_url = reverse("projects:territory_step_reopen", args=[world.project.slug, town.slug, "actor_map"])
    page = client.post(reopen_url, follow=True).content.decode().replace("&#x27;", "'")
    assert "ne peut pas être rouverte tant qu'une étape suivante de la phase est faite" in page
    assert StepCompletion.objects.filter(participation=participation).count() == 2
    assert "rouvrez-la d'abord" in client.get(reopen_url).content.decode().replace("&#x27;", "'")


def test_reopening_an_unknown_step_is_not_found(client):
    world = make_project(participants=3)
    client.force_login(world.referents[0])
    url = reverse("projects:territory_step_reopen", args=[world.project.slug, world.towns[0].slug, "inconnue"])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_admin_edits_templates_and_their_steps(admin_client):
    general = template_by_slug(GENERAL_SLUG)
    assert admin_client.get(reverse("admin:projects_methodtemplate_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:projects_methodtemplate_change", args=[general.pk])).status_code == 200
    phase = general.phases.get(code="diagnostic")
    page = admin_client.get(reverse("admin:projects_methodphase_change", args=[phase.pk]))
    assert page.status_code == 200
    assert "Enquête auprès des habitants" in page.content.decode()


def test_with_htmx_the_refusal_shows_in_the_progress_section(client):
    """htmx keeps only #avancement of the page it is sent back: the reason must be inside it."""
    world = make_project(participants=3)
    town = world.towns[0]
    client.force_login(world.referents[0])
    url = reverse("projects:territory_step", args=[world.project.slug, town.slug])
    response = client.post(url, {"step": "plan_adopted"}, follow=True, headers={"HX-Request": "true"})
    page = response.content.decode().replace("&#x27;", "'")
    section = page[page.index('<section id="avancement"') : page.index("</section>")]
    assert "terminez d'abord « Plan d'action rédigé »" in section
    # Without htmx, the message shows once, at the top of the page.
    page = client.post(url, {"step": "plan_adopted"}, follow=True).content.decode().replace("&#x27;", "'")
    assert page.count("terminez d'abord « Plan d'action rédigé »") == 1


def test_the_how_it_works_page_tells_the_general_method(client):
    page = readable(client.get(reverse("projects:about")).content.decode())
    assert "Enquête auprès des habitants" in page
    assert "mesurer les usages et les besoins" in page
    assert not CULTURE_WORDS.search(page.replace("Action culturelle municipale", ""))


def test_a_visitor_sees_when_a_step_was_done_not_who_nor_the_note(client, django_capture_on_commit_callbacks):
    world = make_project(participants=3, observers=1)
    town = world.towns[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.step_complete(
            participation=_participation(world.project, town),
            step="actor_map",
            note="Note interne",
            user=world.referents[0],
        )
    url = reverse("projects:territory_detail", args=[world.project.slug, town.slug])
    for viewer, sees in ((None, False), (world.observers[0], False), (world.agents[1], True)):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        page = client.get(url).content.decode()
        section = page[page.index('id="etape-actor_map"') :]
        section = section[: section.index("</li>")]
        assert "Faite le" in section
        assert ("Note interne" in section) is sees
        assert (world.referents[0].get_full_name() in section) is sees


def test_a_resent_method_form_adds_its_step_once(client):
    facilitator = _facilitator()
    project = _create_project(client, facilitator, template_by_slug(GENERAL_SLUG), "Projet renvoyé")
    url = reverse("projects:project_method", args=[project.slug])
    form = client.get(url).context["form"]
    assert 'name="submission_key"' in client.get(url).content.decode()
    data = {name: form[name].value() or "" for name in form.fields if not name.endswith("-remove")}
    diagnostic = method_of(project).phases.get(code="diagnostic")
    data[f"phase-{diagnostic.pk}-new"] = "Comptages"
    for _attempt in range(2):
        assert client.post(url, data).status_code == 302
    assert method_of(project).steps.filter(label="Comptages").count() == 1


def test_a_phase_keeps_at_least_one_step(client):
    facilitator = _facilitator()
    project = _create_project(client, facilitator, template_by_slug(GENERAL_SLUG), "Projet court")
    url = reverse("projects:project_method", args=[project.slug])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields if not name.endswith("-remove")}
    adoption = method_of(project).phases.get(code="adoption")
    for step in adoption.steps.all():
        data[f"step-{step.pk}-remove"] = "on"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Une phase garde au moins une étape" in response.content.decode()
    assert adoption.steps.count() == 2
