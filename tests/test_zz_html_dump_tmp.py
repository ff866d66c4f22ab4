"""Temporary: dumps rendered pages to compare HTML before/after the memo restructuring (not committed)."""

import os
import re
from pathlib import Path

import factory.random
import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
OUT = Path(os.environ.get("HTML_DUMP_DIR", "/tmp/shortcuts-html/x"))
CSRF = re.compile(r'(csrfmiddlewaretoken" value=")[^"]+|(csrf-token" content=")[^"]+|(name="csrf[^"]*" value=")[^"]+')


def test_dump(client):
    factory.random.reseed_random(7)
    from tests.factories import ThemeFactory
    from tests.surveys.factories import make_survey

    ns = make_survey()
    for _ in range(45):
        ThemeFactory()
    p = ns.project
    OUT.mkdir(parents=True, exist_ok=True)
    urls = {
        "home": reverse("projects:home"),
        "themes": reverse("projects:theme_list"),
        "themes_p2": reverse("projects:theme_list") + "?page=2",
        "themes_p3_q": reverse("projects:theme_list") + "?page=3&statut=",
        "projects": reverse("projects:project_list"),
        "project": p.get_absolute_url(),
        "charter": reverse("projects:charter_detail", args=[p.slug]),
        "about": reverse("projects:about"),
        "library": reverse("library:library_list"),
        "discussions": reverse("community:home"),
        "answer": reverse("surveys:answer", args=[ns.deployment.public_token]),
        "committee": reverse("projects:committee_detail", args=[p.slug]),
        "dashboard": reverse("surveys:dashboard", args=[ns.survey.pk]),
        "mine": reverse("projects:dashboard"),
        "surveys": reverse("surveys:project_surveys", args=[p.slug]),
    }
    users = {"anon": None, "referent": ns.project_ns.referents[0], "facilitator": ns.project_ns.facilitator}
    for who, user in users.items():
        for lang in ("fr", "en"):
            client.logout()
            if user is not None:
                client.force_login(user)
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
            for _round in range(2):  # first render fills the memo, the second is served from it
                for name, url in urls.items():
                    response = client.get(url)
                    html = CSRF.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "X", response.content.decode())
                    (OUT / f"{who}-{lang}-{name}-{_round}.html").write_text(f"{response.status_code}\n{html}")
