"""A town's referent signs the charter in the browser; the last signature puts it in force."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from territoires.projects.models import Charter, Signature
from tests.browser.helpers import sign_all_but_last
from tests.factories import make_project, pdf_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def almost_signed(transactional_db):
    built = make_project(participants=3)
    charter = sign_all_but_last(built)
    return built, charter


def open_signing_form(page, built):
    town = built.towns[-1]
    page.goto(f"/projets/{built.project.slug}/charte/")
    expect(page.get_by_text("En cours de signature : 3 parties signataires sur 4")).to_be_visible()
    page.get_by_role("link", name=f"Signer pour {town.name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Signer la charte pour {town.name}")


def fill_signature(page, *, votes_for, document):
    page.locator("[name=signatory_name]").fill("Jeanne Martin")
    page.locator("[name=signatory_title]").fill("Maire")
    page.locator("[name=signed_on]").fill("2021-09-27")
    page.locator("[name=deliberation_number]").fill("D-2021-317")
    page.locator("[name=deliberation_date]").fill("2021-09-20")
    page.locator("[name=deliberative_body]").select_option("municipal_council")
    page.locator("[name=members_in_office]").fill("45")
    page.locator("[name=votes_for]").fill(str(votes_for))
    page.locator("[name=votes_against]").fill("0")
    page.locator("[name=abstentions]").fill("0")
    page.locator("[name=not_taking_part]").fill("0")
    page.locator("[name=members_present]").fill("39")
    page.locator("[name=members_represented]").fill("5")
    page.locator("[name=members_absent]").fill("6")
    page.locator("[name=deliberation_document]").set_input_files(str(document))


def test_last_town_signs_and_the_charter_comes_into_force(page, login, almost_signed, tmp_path):
    built, charter = almost_signed
    document = tmp_path / "deliberation-niort.pdf"
    document.write_bytes(pdf_bytes())

    login(built.referents[-1])
    open_signing_form(page, built)
    fill_signature(page, votes_for=44, document=document)
    page.get_by_role("button", name="Enregistrer la signature").click()

    expect(page).to_have_url(re.compile(rf"/projets/{built.project.slug}/charte/$"))
    expect(page.get_by_role("status")).to_contain_text("la charte est en vigueur")
    expect(page.get_by_text(re.compile(r"^En vigueur depuis le"))).to_be_visible()
    block = page.locator(".tec-signature-block", has=page.get_by_role("heading", name=built.towns[-1].name))
    expect(block).to_contain_text("Signée")
    expect(block).to_contain_text("Jeanne Martin, Maire")
    expect(block).to_contain_text("Délibération n° D-2021-317 du 20 septembre 2021 (Conseil municipal)")
    expect(block).to_contain_text("présents : 39 ; représentés (pouvoirs) : 5 ; absents : 6 ; votants : 44")
    expect(block).to_contain_text("Pour : 44 ; contre : 0")
    expect(block.get_by_role("link", name=f"Délibération de {built.towns[-1].name} (PDF)")).to_be_visible()

    charter.refresh_from_db()
    assert charter.is_in_force
    signature = Signature.objects.get(charter=charter, organisation=built.towns[-1])
    assert signature.deliberation_number == "D-2021-317"
    with signature.deliberation_document.open("rb") as stored:
        assert stored.read() == pdf_bytes()


def test_bad_deliberation_shows_french_errors_and_stores_nothing(page, login, almost_signed, tmp_path, settings):
    built, charter = almost_signed
    fake_pdf = tmp_path / "deliberation.pdf"
    fake_pdf.write_bytes(b"PK\x03\x04 ceci est un document de traitement de texte, pas un PDF")

    login(built.referents[-1])
    open_signing_form(page, built)
    # 40 + 0 + 0 + 0 make 40, for 39 present and 5 represented; and the file is not a PDF.
    fill_signature(page, votes_for=40, document=fake_pdf)
    page.get_by_role("button", name="Enregistrer la signature").click()

    expect(page.get_by_role("alert")).to_contain_text("Le formulaire comporte des erreurs")
    expect(page.get_by_role("alert")).to_contain_text("rien n'a été enregistré")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Ce fichier n'est pas un PDF")
    # The error summary links to the field in error.
    page.get_by_role("alert").get_by_role("link", name="Délibération (PDF)").click()
    expect(page.locator("[name=deliberation_document]")).to_be_focused()
    # The vote check runs once the form itself is valid: send a real PDF with the wrong votes.
    document = tmp_path / "vraie-deliberation.pdf"
    document.write_bytes(pdf_bytes())
    page.locator("[name=deliberation_document]").set_input_files(str(document))
    page.get_by_role("button", name="Enregistrer la signature").click()
    expect(main).to_contain_text("Les voix ne tombent pas juste")
    expect(main).to_contain_text("font 40, or présents et représentés font 44 votants")
    expect(page.get_by_role("alert").get_by_role("link", name="Pour")).to_be_visible()
    # What the referent typed is kept.
    expect(page.locator("[name=deliberation_number]")).to_have_value("D-2021-317")

    assert not Signature.objects.filter(organisation=built.towns[-1]).exists()
    assert Signature.objects.filter(charter=charter).count() == 3
    assert not Charter.objects.get(pk=charter.pk).is_in_force
    stored_files = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert len(stored_files) == 2, stored_files  # the two towns that signed before
