"""The REFI-QDA exchange in the browser: a consultant prepares the project's .qdpx and downloads it,
imports a hostile file and reads its problems (nothing changed); axe-core finds no serious or
critical violation on the exchange page, its error state and a state page; the page holds at 390 px."""

import io
import zipfile

import pytest

from territoires.diagnostic.coding.models import Coding
from tests.browser.test_accessibility import BLOCKING, describe
from tests.diagnostic.qdpx_helpers import build_corpus, zip_bytes

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _accessible(page, axe):
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)


def test_a_consultant_exports_then_refuses_a_hostile_file(page, login, axe, transactional_db, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    world = build_corpus()
    login(world.consultant)
    page.goto(f"/diagnostic/codage/echange/projet/{world.project.slug}/")
    _accessible(page, axe)
    page.get_by_role("button", name="Préparer le fichier .qdpx").click()
    page.wait_for_load_state()
    assert "Le fichier est prêt" in page.inner_text("main")
    _accessible(page, axe)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le fichier .qdpx").click()
    with zipfile.ZipFile(download_info.value.path()) as archive:
        assert "project.qde" in archive.namelist()

    page.goto(f"/diagnostic/codage/echange/projet/{world.project.slug}/")
    bomb = zip_bytes({"project.qde": "<a/>", "../../evil.txt": "x"})
    page.set_input_files("#id_qdpx-file", files=[{"name": "hostile.qdpx", "mimeType": "application/zip",
                                                   "buffer": bomb}])  # fmt: skip
    page.select_option("#id_qdpx-territory", str(world.x.pk))
    before = Coding.objects.count()
    page.get_by_role("button", name="Importer le projet").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "rien n'a été modifié" in text and "sort de l'archive" in text
    assert Coding.objects.count() == before
    _accessible(page, axe)

    # A wrong file type: the form says so, on the page, at a phone's width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/diagnostic/codage/echange/projet/{world.project.slug}/")
    page.set_input_files("#id_qdc-file", files=[{"name": "grille.pdf", "mimeType": "application/pdf",
                                                  "buffer": io.BytesIO(b"%PDF").getvalue()}])  # fmt: skip
    page.get_by_role("button", name="Importer la grille").click()
    page.wait_for_load_state()
    assert "extension .qdc ou .xml" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _accessible(page, axe)
    page.screenshot(path=str(tmp_path / "exchange-390.png"), full_page=True)
