import datetime
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from territoires.projects import services
from tests.factories import pdf_bytes

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def new_context(browser, live_server, **options):
    """A browser context on the live server; any request elsewhere (fonts, tiles, analytics) is refused."""
    options = {"viewport": DESKTOP, "locale": "fr-FR", **options}
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(live_server.url) else route.abort(),
    )
    return context


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def deliberation(number="D-2021-100", *, members=39, votes_for=35, against=2, abstentions=2):
    return {
        "deliberation_number": number,
        "deliberation_date": datetime.date(2021, 9, 20),
        "deliberative_body": "municipal_council",
        "members_in_office": members,
        "members_present": members - 3,
        "members_represented": 2,
        "members_absent": 3,
        "votes_for": votes_for - 1,
        "votes_against": against,
        "abstentions": abstentions,
        "not_taking_part": 0,
    }


def sign_all_but_last(built):
    """The agency and every town but the last sign through the service; returns the charter."""
    project = built.project
    charter = services.charter_current(project)
    services.charter_sign(
        charter=charter,
        organisation=built.agency,
        user=built.facilitator,
        signatory_name="Yves Le Breton",
        signatory_title="Directeur général de l'ANCT",
        signed_on=datetime.date(2021, 9, 1),
    )
    for index, (town, referent) in enumerate(zip(built.towns[:-1], built.referents[:-1], strict=True)):
        services.charter_sign(
            charter=charter,
            organisation=town,
            user=referent,
            signatory_name=f"Maire {index}",
            signatory_title="Maire",
            signed_on=datetime.date(2021, 9, 25),
            deliberation=deliberation(f"D-2021-{300 + index}"),
            deliberation_document=SimpleUploadedFile(f"deliberation-{index}.pdf", pdf_bytes(), "application/pdf"),
        )
    return charter
