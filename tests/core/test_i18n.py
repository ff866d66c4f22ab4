"""The English version: chosen with the language cookie, complete, and compiled.

French stays the default. A string marked for translation but left untranslated in
locale/en/LC_MESSAGES/django.po fails ``test_every_message_is_translated``. To update the catalogue:
``manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=bench --ignore=tests --no-obsolete``,
translate the new entries, then ``manage.py compilemessages --ignore=.venv`` and commit both files.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
HTML_LANG = re.compile(r'<html[^>]*\blang="([^"]+)"')
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _unquote(line):
    """The text of a quoted .po string line: "a \\"b\\"" -> a "b"."""
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse_po(path):
    """Entries of a .po file as dicts: msgid, msgid_plural, msgstr (a list), flags. Obsolete entries are skipped."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set(), "msgctxt": None}
        field = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry = None
                break
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                if field[0] == "msgstr":
                    entry["msgstr"][field[1]] += _unquote(line)
                else:
                    entry[field[0]] += _unquote(line)
            else:
                keyword = line.split(" ", 1)[0]
                match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if match:
                    field = ("msgstr", int(match.group(1)))
                    entry["msgstr"][field[1]] = _unquote(line)
                elif keyword == "msgstr":
                    field = ("msgstr", 0)
                    entry["msgstr"][0] = _unquote(line)
                else:
                    field = (keyword, None)
                    entry[keyword] = _unquote(line)
        if entry is not None and (entry["msgid"] or entry["msgstr"]):
            entry["msgstr"] = [entry["msgstr"][index] for index in sorted(entry["msgstr"])]
            entries.append(entry)
    return [entry for entry in entries if entry["msgid"]]  # drop the header


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    match = HTML_LANG.search(html)
    assert match, f"no <html lang> on {url}"
    return match.group(1), html


@pytest.mark.django_db
def test_home_page_in_english_with_the_cookie_and_in_french_without(client, demo_project):
    french_lang, french = _page(client, reverse("projects:home"))
    assert french_lang == "fr"
    assert "Projets partagés récents" in french
    assert "Recent shared projects" not in french

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # Same URL just after: the anonymous page cache must keep one copy per language.
    english_lang, english = _page(client, reverse("projects:home"))
    assert english_lang == "en"
    for text in [
        "Rethinking a public policy with residents, across several local authorities",
        "Recent shared projects",
        "Follow the shared projects",
        "How it works",
        "Version française",
    ]:
        assert text in english, text
    assert "Projets partagés récents" not in english
    assert "Comment ça marche" not in english


@pytest.mark.django_db
def test_project_page_in_english(english, demo_project):
    lang, html = _page(english, demo_project.project.get_absolute_url())
    assert lang == "en"
    assert demo_project.project.title in html  # user content is not translated
    for text in ["Participating territories", "Project progress", "Observer local authorities", "Charter", "From"]:
        assert text in html, text
    for text in ["Territoires participants", "Avancement du projet", "Collectivités observatrices"]:
        assert text not in html, text


@pytest.mark.django_db
def test_project_page_in_french_without_the_cookie(client, demo_project):
    lang, html = _page(client, demo_project.project.get_absolute_url())
    assert lang == "fr"
    assert "Territoires participants" in html
    assert "Participating territories" not in html


@pytest.mark.django_db
def test_an_english_browser_still_gets_french_without_the_cookie(client, demo_project):
    """English is an explicit choice (the footer link), not a guess from Accept-Language."""
    response = client.get(demo_project.project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response.status_code == 200
    assert HTML_LANG.search(response.content.decode()).group(1) == "fr"
    assert "Territoires participants" in response.content.decode()


@pytest.mark.django_db
def test_login_page_in_english_and_french(client):
    lang, html = _page(client, reverse("accounts:login"))
    assert lang == "fr"
    assert "Mot de passe oublié ?" in html

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    lang, html = _page(client, reverse("accounts:login"))
    assert lang == "en"
    for text in ["Sign in", "Forgotten your password?", "Email address", "Password"]:
        assert text in html, text
    assert "Mot de passe oublié" not in html


@pytest.mark.django_db
def test_footer_link_switches_the_language(client):
    response = client.get(reverse("core:set_language", args=["en"]), {"next": reverse("accounts:login")})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    lang, html = _page(client, reverse("accounts:login"))
    assert lang == "en"
    assert "Sign in" in html


def test_every_message_is_translated():
    entries = parse_po(PO_PATH)
    assert len(entries) > 100, "the English catalogue looks empty"
    untranslated = [e["msgid"] for e in entries if not e["msgstr"] or not all(s.strip() for s in e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"{len(untranslated)} untranslated message(s) in {PO_PATH.name}:\n" + "\n".join(
        f"  {msgid!r}" for msgid in untranslated
    )
    assert not fuzzy, "fuzzy message(s), check and unflag them:\n" + "\n".join(f"  {msgid!r}" for msgid in fuzzy)


def test_placeholders_are_kept():
    wrong = []
    for entry in parse_po(PO_PATH):
        sources = [entry["msgid"], entry["msgid_plural"] or entry["msgid"]]
        for index, translation in enumerate(entry["msgstr"]):
            source = sources[min(index, 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                wrong.append(f"  {source!r} -> {translation!r}")
    assert not wrong, "placeholders differ between French and English:\n" + "\n".join(wrong)


def test_compiled_catalogue_matches_the_po_file():
    """The .mo is committed (no gettext needed to deploy): it must be recompiled after each .po change."""
    with MO_PATH.open("rb") as mo_file:
        catalogue = gettext.GNUTranslations(mo_file)
    stale = []
    for entry in parse_po(PO_PATH):
        if entry["msgctxt"]:
            continue
        if entry["msgid_plural"]:
            compiled = [catalogue.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
        else:
            compiled = [catalogue.gettext(entry["msgid"])]
        if compiled != entry["msgstr"]:
            stale.append(f"  {entry['msgid']!r}")
    assert not stale, "django.mo is out of date, run `manage.py compilemessages --ignore=.venv`:\n" + "\n".join(stale)
