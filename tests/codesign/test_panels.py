"""Panels drawn by lot: quotas hold, the draw replays from its seed (also in another process),
quotas the pool cannot meet are refused before drawing and name the stratum, the CSV import takes
all lines or none, the public form stores a volunteer once, the record shows no name."""

import io
import json
import os
import random
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from territoires.codesign.panels import draw as drawing
from territoires.codesign.panels import services
from territoires.codesign.panels.models import Draw, Panel, Volunteer
from tests.codesign.world import build_world

pytestmark = pytest.mark.django_db

HOODS = "centre: Centre-ville\nnord: Quartier nord\nsud: Quartier sud"
AGES = ["15-24", "25-34", "35-49", "50-64", "65-79", "80+"]


def make_panel(world, *, size=8, algorithm="legacy", volunteers=60, seed=3):
    panel = services.panel_save(
        panel=Panel(plan=world.plan, title="Convention culture", kind="convention", purpose="Quelle culture ?",
                    size=size, algorithm=algorithm),
        user=world.referents[0], neighbourhoods_text=HOODS,
    )  # fmt: skip
    services.panel_set_status(panel=panel, status="recruiting", user=world.referents[0])
    rng = random.Random(seed)
    Volunteer.objects.bulk_create(
        Volunteer(
            panel=panel, name=f"Volontaire {i}", email=f"v{i}@example.org", contact_key=f"e:v{i}@example.org",
            age_band=rng.choice(AGES), sex=rng.choice("fm"), neighbourhood=rng.choice(["centre", "nord", "sud"]),
            non_audience=rng.choice(["oui", "non", "non"]), consent=True,
        )
        for i in range(volunteers)
    )  # fmt: skip
    panel.refresh_from_db()
    return panel


def loose_quotas(panel):
    quotas = {
        "age_band": {code: [0, panel.size] for code in AGES},
        "sex": {
            "f": [panel.size // 2 - 1, panel.size // 2 + 1],
            "m": [panel.size // 2 - 1, panel.size // 2 + 1],
            "x": [0, 1],
        },
        "neighbourhood": {code: [2, panel.size] for code in ("centre", "nord", "sud")},
        "non_audience": {"oui": [2, panel.size], "non": [0, panel.size]},
    }
    return services.panel_quotas_save(panel=panel, quotas=quotas, user=None)


@pytest.fixture(autouse=True)
def _commit_callbacks_run(django_capture_on_commit_callbacks):
    """The draw is queued after commit: run those callbacks (the task runs inline in tests)."""
    global on_commit
    on_commit = django_capture_on_commit_callbacks


def request_draw(**kwargs):
    with on_commit(execute=True):
        return services.draw_request(**kwargs)


def withdraw(**kwargs):
    with on_commit(execute=True):
        return services.volunteer_withdraw(**kwargs)


on_commit = None


def assert_quotas_hold(draw):
    members = Volunteer.objects.filter(pk__in=draw.selected)
    assert members.count() == draw.seats
    for feature, values in draw.quotas.items():
        for value, (low, high) in values.items():
            n = sum(1 for m in members if getattr(m, feature) == value)
            assert low <= n <= high, (feature, value, n, low, high)


@pytest.mark.parametrize("algorithm", ["legacy", "maximin"])
def test_draw_holds_quotas_and_replays_from_its_seed(algorithm):
    world = build_world()
    panel = make_panel(world, size=6 if algorithm == "maximin" else 10, algorithm=algorithm,
                       volunteers=30 if algorithm == "maximin" else 80)  # fmt: skip
    loose_quotas(panel)
    draw = request_draw(panel=panel, user=world.facilitator)
    draw.refresh_from_db()  # the task ran inline (tests run tasks immediately)
    assert draw.status == Draw.Status.DONE, draw.error
    assert_quotas_hold(draw)
    panel.refresh_from_db()
    assert panel.status == Panel.Status.DRAWN
    same, replayed = services.draw_replay(draw=draw)
    assert same and sorted(replayed) == sorted(draw.selected)
    # Probabilities per category are published and sum (weighted by pool) to the seats.
    total = sum(draw.probabilities["sex"][value] * draw.pool_counts["sex"][value] for value in draw.pool_counts["sex"])
    assert total == pytest.approx(draw.seats, rel=1e-3)


def test_replay_in_another_process_with_another_hash_seed_gives_the_same_panel_and_prints_nothing_else(tmp_path):
    pool = [{"a": random.Random(i).choice("xyz"), "b": random.Random(i * 7).choice("pq")} for i in range(40)]
    quotas = {"a": {"x": [1, 4], "y": [1, 4], "z": [1, 4]}, "b": {"p": [2, 4], "q": [2, 4]}}
    first = drawing.draw(pool, quotas, 6, algorithm="maximin", seed=424242)
    script = (
        "import json,sys; from territoires.codesign.panels import draw as d;"
        "data=json.load(open(sys.argv[1]));"
        "print(json.dumps(d.draw(data['pool'], data['quotas'], 6, algorithm='maximin', seed=424242).selected))"
    )
    data_file = tmp_path / "record.json"
    data_file.write_text(json.dumps({"pool": pool, "quotas": quotas}))
    env = {**os.environ, "PYTHONHASHSEED": "987", "DJANGO_SETTINGS_MODULE": "config.settings"}
    output = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + script, str(data_file)],
        capture_output=True, text=True, env=env, check=True, timeout=300,
    )  # fmt: skip
    assert json.loads(output.stdout.strip().splitlines()[-1]) == first.selected
    # The solver's banner ("Running HiGHS … Copyright") does not reach the server's output.
    assert "HiGHS" not in output.stdout and len(output.stdout.strip().splitlines()) == 1


def test_quotas_the_pool_cannot_meet_are_refused_before_drawing_naming_the_stratum():
    world = build_world()
    panel = make_panel(world, size=10, volunteers=40)
    quotas = dict(panel.quotas)
    Volunteer.objects.filter(panel=panel, age_band="80+").update(age_band="65-79")
    quotas["age_band"] = {code: [0, 10] for code in AGES}
    quotas["age_band"]["80+"] = [2, 4]
    services.panel_quotas_save(panel=panel, quotas=quotas, user=None)
    with pytest.raises(ValidationError) as refused:
        request_draw(panel=panel, user=world.facilitator)
    assert "Tranche d'âge : 80 ans ou plus" in " ".join(refused.value.messages)
    assert "vivier n'en compte que 0" in " ".join(refused.value.messages)
    assert not Draw.objects.filter(panel=panel).exists()


def test_jointly_infeasible_quotas_are_named():
    pool = [{"a": "x", "b": "p"}] * 5 + [{"a": "y", "b": "q"}] * 5
    quotas = {"a": {"x": [3, 3], "y": [0, 5]}, "b": {"p": [0, 1], "q": [0, 5]}}  # x people are all p
    with pytest.raises(drawing.DrawRefused) as refused:
        drawing.draw(pool, quotas, 4, algorithm="legacy", seed=5, labels={"a": "A", "b": "B"})
    text = " ".join(refused.value.messages)
    assert "Strate" in text and ("A : x" in text or "B : p" in text)


def test_withdrawal_of_a_member_draws_a_replacement_the_same_way():
    world = build_world()
    panel = make_panel(world, size=8, volunteers=80)
    loose_quotas(panel)
    draw = request_draw(panel=panel, user=world.facilitator)
    draw.refresh_from_db()
    leaving = Volunteer.objects.get(pk=draw.selected[0])
    replacement = withdraw(volunteer=leaving, user=world.facilitator)
    replacement.refresh_from_db()
    assert replacement.status == Draw.Status.DONE, replacement.error
    assert replacement.kind == Draw.Kind.REPLACEMENT and len(replacement.selected) == 1
    assert replacement.selected[0] not in draw.selected
    members = services.panel_members(panel)
    assert len(members) == panel.size and leaving not in members
    assert services.draw_replay(draw=replacement)[0]
    for feature, values in panel.quotas.items():
        for value, (low, high) in values.items():
            assert low <= sum(1 for m in members if getattr(m, feature) == value) <= high


CSV_HEADER = "nom;email;telephone;tranche_age;sexe;quartier;aucun_lieu_culturel\n"


def test_csv_import_takes_every_line_or_none_and_names_each_bad_line():
    world = build_world()
    panel = make_panel(world, volunteers=1)
    good = (
        CSV_HEADER
        + "Ada Lovelace;ada@example.org;;25-34;f;centre;oui\nAlan Turing;;06 12 34 56 78;35-49;h;Quartier nord;non\n"
    )
    assert services.volunteers_import_csv(panel=panel, data=good.encode(), user=world.referents[0]) == 2
    bad = (
        CSV_HEADER
        + "Grace Hopper;grace@example.org;;25-34;f;centre;oui\n"
        + "Inconnu;x@example.org;;12-14;f;lune;peut-être\n"
        + "Double;ada@example.org;;25-34;f;centre;oui\n"
        + "Deux fois;deux@example.org;;25-34;f;centre;oui\n"
        + "Deux fois bis;DEUX@example.org;;25-34;f;centre;oui\n"
    )
    with pytest.raises(ValidationError) as error:
        services.volunteers_import_csv(panel=panel, data=bad.encode(), user=world.referents[0])
    messages = error.value.messages
    assert messages[0] == "Aucune ligne n'a été importée."
    assert any(
        m.startswith("Ligne 3 :") and "tranche d'âge inconnu·e « 12-14 »" in m and "quartier inconnu·e « lune »" in m
        for m in messages
    )
    assert any(m.startswith("Ligne 4 :") and "déjà dans le vivier" in m for m in messages)
    assert any(m.startswith("Ligne 6 :") and "même contact qu'à la ligne 5" in m for m in messages)
    assert not Volunteer.objects.filter(name="Grace Hopper").exists()
    with pytest.raises(ValidationError) as missing:
        services.volunteers_import_csv(panel=panel, data=b"nom;email\nA;a@example.org\n", user=None)
    assert "Colonnes manquantes" in missing.value.messages[0] and "tranche_age" in missing.value.messages[0]


def test_public_form_stores_a_volunteer_once_and_refuses_bad_input(client):
    world = build_world()
    panel = make_panel(world, volunteers=0)
    url = panel.get_public_url()
    page = client.get(url)
    assert page.status_code == 200 and "Au cours des 12 derniers mois" in page.content.decode()
    data = {
        "name": "Camille Habitante", "email": "camille@example.org", "phone": "", "age_band": "25-34", "sex": "f",
        "neighbourhood": "nord", "non_audience": "oui", "consent": "on",
        "submission_key": "2b0f3c9e-4a59-4f0e-8a57-6f0d8c1b2a11",
    }  # fmt: skip
    first = client.post(url, data)
    assert first.status_code == 302
    again = client.post(url, data)  # the same form sent twice
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Volunteer.objects.filter(panel=panel).count() == 1
    thanks = client.get(first["Location"])
    assert "vivier" in thanks.content.decode()
    twice = client.post(
        url, {**data, "submission_key": "3b0f3c9e-4a59-4f0e-8a57-6f0d8c1b2a11", "email": "CAMILLE@example.org"}
    )
    assert twice.status_code == 400 and "déjà inscrit" in twice.content.decode()
    for bad in ({"neighbourhood": "lune"}, {"age_band": "9-12"}, {"consent": ""}, {"email": "", "phone": ""}):
        response = client.post(url, {**data, "submission_key": "", **bad})
        assert response.status_code == 400
    assert Volunteer.objects.filter(panel=panel).count() == 1
    thanks_url = first["Location"].split("?")[0]
    for wrong in ("WRONG", "ZZZZ-ZZZZ"):  # malformed, and well-formed but unknown: both said, neither found
        unknown = client.get(thanks_url, {"code": wrong})
        assert unknown.status_code == 404 and "ne correspond à aucun volontaire" in unknown.content.decode()
        assert 'name="code"' in unknown.content.decode()  # and the code can be typed again
    # Someone coming back without the link's code can type it, and reads which panel this is.
    bare = client.get(thanks_url).content.decode()
    assert 'name="code"' in bare and panel.title in bare
    volunteer = Volunteer.objects.get(panel=panel)
    typed = client.get(thanks_url, {"code": volunteer.receipt_code.lower()}).content.decode()
    assert "vivier" in typed and 'name="code"' not in typed


def test_public_record_shows_algorithm_seed_and_probabilities_never_names(client):
    world = build_world()
    panel = make_panel(world, size=8, volunteers=60)
    loose_quotas(panel)
    draw = request_draw(panel=panel, user=world.facilitator, seed=777)
    body = client.get(panel.get_record_url()).content.decode()
    assert "777" in body and "Probabilité de sélection" in body
    assert "Volontaire " not in body and "@example.org" not in body
    data = client.get(reverse("codesign:draw_record_json", args=[draw.pk])).json()
    assert data["seed"] == 777 and "Volontaire" not in json.dumps(data)
    replayed = drawing.draw(
        [dict(zip(data["features"], row, strict=True)) for row in data["pool"]], data["quotas"], data["seats"],
        algorithm=data["algorithm"], seed=data["seed"],
    )  # fmt: skip
    assert replayed.selected == data["selected_positions"]


def test_demo_panel_has_a_labelled_synthetic_pool_and_a_done_draw(client):
    from territoires.demo import panels as demo

    world = build_world()
    data = {**demo.TOWNS["Niort"], "pool": 120, "size": 12}
    demo._town(world.plan, data, world.facilitator)
    panel = Panel.objects.get(plan=world.plan, title=data["title"])
    assert panel.volunteers.count() == 120 and not panel.volunteers.filter(synthetic=False).exists()
    draw = panel.draws.get()
    assert draw.status == Draw.Status.DONE and len(draw.selected) == 12
    assert services.draw_replay(draw=draw)[0]
    assert "20220315" in client.get(panel.get_record_url()).content.decode()


def test_replay_command_from_the_published_data_file(client, tmp_path):
    from django.core.management import call_command

    world = build_world()
    panel = make_panel(world, size=8, volunteers=60)
    loose_quotas(panel)
    draw = request_draw(panel=panel, user=world.facilitator)
    record = tmp_path / "tirage.json"
    record.write_bytes(client.get(reverse("codesign:draw_record_json", args=[draw.pk])).content)
    out = io.StringIO()
    call_command("panel_draw_replay", "--file", str(record), stdout=out)
    assert "le même panel" in out.getvalue()
    call_command("panel_draw_replay", str(draw.pk), stdout=out)
    data = json.loads(record.read_text())
    data["selected_positions"] = data["selected_positions"][1:] + [len(data["pool"]) + 5]
    record.write_text(json.dumps(data))
    with pytest.raises(SystemExit):
        call_command("panel_draw_replay", "--file", str(record), stdout=io.StringIO())


def test_each_drawn_volunteer_with_an_address_gets_one_e_mail_saying_what_for_and_how_to_decline(mailoutbox):
    from territoires.codesign.panels.tasks import notify_drawn_volunteers

    world = build_world()
    panel = make_panel(world, size=10, volunteers=80)
    loose_quotas(panel)
    # Someone who left only a phone number may be drawn: no e-mail for them.
    Volunteer.objects.filter(panel=panel, name__in=[f"Volontaire {i}" for i in range(0, 80, 2)]).update(email="")
    for number, volunteer in enumerate(Volunteer.objects.filter(panel=panel)):
        volunteer.receipt_code = f"CODE{number:04d}"
        volunteer.save(update_fields=["receipt_code"])
    draw = request_draw(panel=panel, user=world.facilitator)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DONE, draw.error
    drawn = list(Volunteer.objects.filter(pk__in=draw.selected))
    with_address = sorted(v.email for v in drawn if v.email)
    assert with_address and len(with_address) < len(drawn)
    assert sorted(message.to[0] for message in mailoutbox) == with_address
    message = next(m for m in mailoutbox if m.to[0] == with_address[0])
    volunteer = next(v for v in drawn if v.email == with_address[0])
    assert message.subject == "Vous avez été tiré·e au sort : Convention culture"
    assert f"Bonjour {volunteer.name}," in message.body
    assert "le panel « Convention culture » (Convention citoyenne)" in message.body
    assert "Quelle culture ?" in message.body
    assert "répondez simplement à ce courriel pour vous désister" in message.body
    assert message.reply_to == [panel.created_by.email]
    assert f"/volontariat/{panel.public_token}/merci/?code={volunteer.receipt_code}" in message.body
    assert "(s)" not in message.body
    # The task run again (a worker retried it) sends nothing more; nobody else was written to.
    assert notify_drawn_volunteers.call(draw.pk) == 0
    assert len(mailoutbox) == len(with_address)
    assert not Volunteer.objects.filter(panel=panel, drawn_notified_at__isnull=False).exclude(pk__in=draw.selected)
    # The demo's fictitious volunteers (addresses on example.org) are never written to.
    Volunteer.objects.filter(pk__in=draw.selected).update(drawn_notified_at=None, synthetic=True)
    assert notify_drawn_volunteers.call(draw.pk) == 0


def test_a_replacement_is_told_they_take_the_place_of_someone_who_withdrew(mailoutbox):
    world = build_world()
    panel = make_panel(world, size=10, volunteers=80)
    loose_quotas(panel)
    draw = request_draw(panel=panel, user=world.facilitator)
    draw.refresh_from_db()
    leaving = Volunteer.objects.get(pk=draw.selected[0])
    mailoutbox.clear()
    replacement = withdraw(volunteer=leaving, user=world.facilitator)
    replacement.refresh_from_db()
    assert replacement.status == Draw.Status.DONE, replacement.error
    (message,) = mailoutbox
    assert message.to == [Volunteer.objects.get(pk=replacement.selected[0]).email]
    assert "Une personne s'est désistée du panel « Convention culture »" in message.body


def test_a_panel_question_longer_than_two_thousand_characters_is_refused_with_a_message():
    """The question is read on the public volunteer form (a walk-through pasted 20,000 characters
    and made that form 23,800 px tall on a phone)."""
    from territoires.codesign.panels.forms import PanelForm

    data = {"title": "Panel", "kind": "panel", "purpose": "x" * 2001, "size": 10, "algorithm": "legacy"}
    form = PanelForm(data)
    assert not form.is_valid()
    assert "2000" in " ".join(form.errors["purpose"])
    data["purpose"] = "Comment ouvrir la médiathèque le dimanche ?"
    assert "purpose" not in PanelForm(data).errors
