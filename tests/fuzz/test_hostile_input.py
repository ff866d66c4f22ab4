"""Hostile input never gets a 5xx: every page and form of the platform, found by following links
from the URL configuration (tests/fuzz/crawler.py) as a visitor, a facilitator and a referent, gets
empty values, NUL bytes, 1 MB texts, right-to-left text, dates in years 1 and 9999, huge numbers,
repeated values where one is expected, and deeply nested or ill-typed JSON.

A new form is covered without being listed here; a new URL that no link reaches must be added to
UNREACHED with the reason, so that it is fuzzed by hand or known not to be."""

import io
import os
import time

import pytest
from django.test import Client
from django.urls import resolve

from tests.fuzz.crawler import SKIPPED_PREFIXES, close_keeping_connection, crawl, route_of, url_patterns

pytestmark = pytest.mark.django_db

HOSTILE = {
    "vide": "",
    "NUL": "a\x00b",
    "1 Mo": "x" * 1_000_000,
    "droite-à-gauche": "\u202e\u0645\u0631\u062d\u0628\u0627 <b>&amp;</b> \u202c",
    "an 1": "0001-01-01",
    "an 9999": "9999-12-31T23:59",
    "nombre géant": "9" * 40,
    "négatif": "-1",
    "flottant infini": "1e309",
}
DEEP_JSON = "[" * 100_000 + "]" * 100_000
ODD_JSON = ['{"answers": "pas un objet"}', "[1, 2, 3]", '"texte"', "null", '{"answers": {"q": {"a": [[[]]]}}}', "{"]

# Routes that no link of the demo reaches, and why.
UNREACHED = {
    "diagnostic/codage/echange/projet/<slug:slug>/extraits.csv": "formulaire GET de filtres (le parcours ne suit pas les formulaires GET) ; tests/diagnostic/test_qdpx_views.py",
    "diagnostic/codage/echange/projet/<slug:slug>/extraits.xlsx": "bouton formaction du même formulaire GET ; tests/diagnostic/test_qdpx_views.py",
    "diagnostic/codage/echange/<int:pk>/": "un export ou un import REFI-QDA demandé (la démo n'en a pas) ; tests/diagnostic/test_qdpx_*",
    "diagnostic/codage/echange/<int:pk>/telecharger/": "un export REFI-QDA terminé (la démo n'en a pas) ; tests/diagnostic/test_qdpx_*",
    "co-construction/panel/<int:pk>/etat/": "l'état d'un panel en brouillon ou en appel (les panels de la démo sont tirés) ; tests/codesign/test_panels_grid.py",
    "co-construction/panel/<int:pk>/tirer/": "le tirage d'un panel en appel (les panels de la démo sont tirés) ; tests/codesign/test_panels_grid.py",
    "plans/projet/<slug:slug>/<slug:territory_slug>/creer/": "la création d'un plan (chaque ville de la démo a le sien) ; tests/plans/test_services.py, tests/plans/test_permission_grid.py",
    "projets/<slug:slug>/copil/reunions/<int:meeting_id>/invitations/": "atteinte ou non selon les réunions que le parcours échantillonne (trois pages par route) ; tests/projects/test_committee.py",
    "co-construction/volontariat/<str:token>/merci/": "page de remerciement, après un envoi (code de suivi) ; tests/codesign/test_panels.py",
    "compte/mot-de-passe/nouveau/<uidb64>/<token>/": "lien reçu par courriel (jeton signé)",
    "notifications/desabonnement/<str:token>/": "lien reçu par courriel (jeton signé)",
    "compte/invitation/<str:token>/": "lien reçu par courriel (jeton signé) ; tests/accounts/test_invitations.py",
    "enquete/<str:token>/merci/<str:code>/": "page de remerciement, après un envoi (code de reçu)",
    "enquete/<str:token>/recontact/": "formulaire de la page de remerciement, après un envoi",
    "enquete/suivi/<str:code>/": "atteinte par le formulaire de suivi, avec un code de reçu",
    "enquetes/<int:survey_id>/exports/<int:export_id>/etat/": "un export demandé (la démo n'en a pas)",
    "enquetes/<int:survey_id>/exports/<int:export_id>/telecharger/": "un export terminé (la démo n'en a pas)",
    "discussions/messages/<int:pk>/retablir/": "un message masqué par la modération (aucun dans la démo)",
    "discussions/messages/<int:pk>/versions/": "un message modifié (aucun dans la démo)",
    "discussions/moderation/<int:pk>/classer/": "un signalement en attente (aucun dans la démo)",
    "notifications/marquer-lues/": "des notifications non lues (celles de la démo sont lues)",
    "projets/<slug:slug>/charte/deliberations/<int:signature_id>/": "une délibération déposée en PDF (aucune dans la démo)",
    "projets/<slug:slug>/charte/modifier/": "une charte en projet (les deux chartes de la démo sont signées)",
    "projets/<slug:slug>/charte/signer/<slug:organisation_slug>/": "une charte en attente de signature (aucune dans la démo)",
    "projets/<slug:slug>/observer/": "une collectivité ni participante ni observatrice (aucun compte de démo)",
    "ressources/<slug:slug>/fichiers/<int:attachment_id>/": "une pièce jointe (aucune dans la démo)",
    "ressources/<slug:slug>/fichiers/<int:attachment_id>/supprimer/": "une pièce jointe (aucune dans la démo)",
    "projets/<slug:slug>/copil/reunions/<int:meeting_id>/compte-rendu.pdf": "un compte rendu PDF (aucun dans la démo)",
    "plans/jalon/<int:pk>/atteint/": "formulaire de l'équipe d'un plan : pas atteint par le parcours (cause non trouvée) ; tests/plans",
    "plans/projet/<slug:slug>/synthese/<int:proposal_id>/": "formulaire de l'équipe d'un plan : pas atteint par le parcours (cause non trouvée) ; tests/plans",
    "plans/projet/<slug:slug>/synthese/<int:proposal_id>/appuis/": "formulaire de l'équipe d'un plan : pas atteint par le parcours (cause non trouvée) ; tests/plans",
    "plans/indicateur/<int:pk>/lire-enquete/": "bouton d'un indicateur lu d'une enquête (la démo n'en a qu'un, pas toujours parmi les pages échantillonnées) ; tests/plans/test_survey_indicator.py",
    "plans/projet/<slug:slug>/<slug:territory_slug>/votre-parole/reunion/": "formulaire de l'équipe sur la page « Votre parole » d'un plan adopté ; tests/plans/test_restitution.py",
    "plans/desinscription/<str:token>/": "lien reçu par courriel (jeton signé) ; tests/plans/test_feedback_mail.py",
    "plans/projet/<slug:slug>/<slug:territory_slug>/evaluation/<int:report_id>/rapport.pdf": "un rapport PDF préparé (aucun dans la démo) ; tests/plans/test_reports.py",
    "diagnostic/observations/photo/<int:pk>/": "une photo d'observation (aucune dans la démo)",
    "diagnostic/observations/photo/<int:pk>/retirer/": "une photo d'observation (aucune dans la démo)",
    "diagnostic/entretiens/<int:pk>/consentement/": "un formulaire de consentement signé (aucun dans la démo) ; tests/diagnostic/interviews",
    "diagnostic/synthese/pdf/<int:pk>/": "un PDF de synthèse demandé (aucun dans la démo)",
    "diagnostic/synthese/pdf/<int:pk>/telecharger/": "un PDF de synthèse prêt (aucun dans la démo)",
    "parole/suivi/<str:code>/": "atteinte par le formulaire de suivi, avec un code de reçu",
    "annuaire/projet/<slug:slug>/reseau/indicateurs/<int:pk>/etat/": "une analyse du réseau en cours (page de progression) ; tests/diagnostic/test_network_permissions.py",
    "co-construction/borne/<str:token>/": "lien de la borne, imprimé pour l'atelier (jeton) ; tests/browser/test_codesign.py",
    "co-construction/inscription/<str:token>/": "lien reçu par courriel après une inscription (jeton) ; tests/codesign/test_workshops.py",
    "co-construction/idee/<int:pk>/photo/": "une photo de post-it (aucune dans la démo) ; tests/codesign/test_ideas_objectives.py",
    "co-construction/scrutin/<int:pk>/codes/": "codes d'un scrutin ouvert (aucun ouvert dans la démo) ; tests/codesign/test_ballots.py",
    "annuaire/import/<int:pk>/": "un import déposé (aucun dans la démo) ; tests/diagnostic/test_import_views.py",
    "annuaire/import/<int:pk>/etat/": "un import en cours (aucun dans la démo)",
    "annuaire/import/<int:pk>/rapport.csv": "un import terminé (aucun dans la démo)",
    "annuaire/doublon/<int:pk>/": "un doublon proposé par un import (aucun dans la démo)",
    "annuaire/projet/<slug:slug>/<slug:territory_slug>/doublons/": "lien affiché quand un import a proposé des doublons",
    "compte/donnees/<int:export_id>/": "un téléchargement de données en préparation ; tests/accounts/test_personal_data.py",
    "compte/donnees/<int:export_id>/telecharger/": "un téléchargement de données prêt ; tests/accounts/test_personal_data.py",
    "compte/proconnect/": "ProConnect n'est pas configuré dans la démo (404) ; tests/accounts/test_proconnect.py",
    "compte/proconnect/retour/": "retour du fournisseur ProConnect ; tests/accounts/test_proconnect.py",
}


def _value_for(kind: str, default: str, hostile: str) -> str:
    return hostile


def _payload(form, hostile: str, *, repeat: bool = False) -> dict:
    data = {}
    for name, kind, _default in form.fields:
        if name == "csrfmiddlewaretoken":
            continue
        if kind == "file":
            data[name] = io.BytesIO(b"<!-- %PDF-1.4 --><html><script>alert(1)</script></html>")
            data[name].name = "piece.pdf"
            continue
        value = hostile if hostile != HOSTILE["1 Mo"] or len(data) < 3 else "x" * 10_000
        data[name] = [value, value] if repeat else value
    return data


@pytest.fixture
def demo(monkeypatch):
    from territoires.demo import surveys as survey_demo
    from territoires.demo.loader import load_demo

    # A few answers per town are enough to reach every page; the full demo takes a minute.
    monkeypatch.setattr(survey_demo, "ANSWERS_PER_TOWN", 12)
    load_demo()


def _roles():
    from territoires.accounts.models import User

    yield "visiteur", None
    for email in ("animatrice@anct.demo", "referent.niort@ville.demo"):
        yield email, User.objects.get(email=email)


def _first_pages() -> tuple[str, ...]:
    """The reference project's plans, one per state (amending, submitted to the vote, adopted): the
    plan pages of every other project of the demo would otherwise take the crawl's three samples of
    the route, and the team's forms (structure, vote, adoption, follow-up) would never be found."""
    from territoires.plans.models import ActionPlan

    plans = ActionPlan.objects.select_related("project", "territory__organisation").order_by("pk")
    by_status = {}
    for plan in plans:
        by_status.setdefault(plan.status, plan)
    order = (
        ActionPlan.Status.AMENDING,
        ActionPlan.Status.DRAFT,
        ActionPlan.Status.SUBMITTED,
        ActionPlan.Status.ADOPTED,
    )
    return tuple(by_status[status].get_absolute_url() for status in order if status in by_status)[:3]


TIMINGS: dict[str, float] = {}


def _send(client, method, url, **kwargs):
    started = time.perf_counter()
    try:
        response = getattr(client, method)(url, **kwargs)
        close_keeping_connection(response)
    except Exception as error:  # noqa: BLE001 - every exception is a 500 for the user
        return f"{type(error).__name__}: {str(error)[:200]}"
    finally:
        key = f"{method} {route_of(url.split('?')[0])}"
        TIMINGS[key] = TIMINGS.get(key, 0) + time.perf_counter() - started
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    return None


def test_no_hostile_input_gets_a_server_error(demo):
    failures, reached = [], set()
    # A form met again (same target, same fields) by another role or on another page is sent once;
    # JSON bodies go once to each target.
    forms_sent, json_sent, queries_sent = set(), set(), set()
    for role, user in _roles():
        client = Client()

        def login(client=client, user=user):
            if user is not None:
                client.force_login(user)

        site = crawl(client, login=login, first=_first_pages())
        reached.update(site.pages)
        reached.update(site.targets)
        for url, forms in site.forms.items():
            # Query strings: the page's own GET forms, and the parameters every list understands.
            names = {name for form in forms if form.method == "get" for name, _kind, _value in form.fields}
            names |= {"q", "page", "territoire", "tri", "statut"}
            path = url.split("?")[0]
            if (role, route_of(path)) in queries_sent:
                continue
            queries_sent.add((role, route_of(path)))
            for label, hostile in HOSTILE.items():
                value = hostile if len(hostile) < 100_000 else hostile[:100_000]
                login()
                error = _send(client, "get", path, data=dict.fromkeys(names, value))
                if error:
                    failures.append(f"{role} GET {path} [{label}] → {error}")
            for form in forms:
                if form.method != "post":
                    continue
                action = form.action or url
                if route_of(action.split("?")[0]) is None or action.startswith(SKIPPED_PREFIXES):
                    continue
                if resolve(action.split("?")[0]).url_name == "logout":
                    continue
                target = route_of(action.split("?")[0])
                signature = (target, frozenset(name for name, _kind, _value in form.fields))
                if signature in forms_sent:
                    continue
                forms_sent.add(signature)
                rounds = [(label, _payload(form, hostile)) for label, hostile in HOSTILE.items()]
                rounds.append(("valeurs répétées", _payload(form, "1", repeat=True)))
                for label, data in rounds:
                    login()
                    error = _send(client, "post", action, data=data)
                    if error:
                        failures.append(f"{role} POST {action} [{label}] → {error}")
                if target in json_sent:
                    continue
                json_sent.add(target)
                for label, body in [("JSON profond", DEEP_JSON), *((f"JSON {text[:20]}", text) for text in ODD_JSON)]:
                    login()
                    error = _send(client, "post", action, data=body, content_type="application/json")
                    if error:
                        failures.append(f"{role} POST {action} [{label}] → {error}")
    routes = {route for route, name in url_patterns() if not route.startswith(("admin/", "static/", "media/"))}
    missing = sorted(routes - reached - set(UNREACHED))
    if os.environ.get("FUZZ_REPORT"):
        with open(os.environ["FUZZ_REPORT"], "w") as report:
            report.write("\n".join(failures) + "\n\nMISSING\n" + "\n".join(missing) + "\n\nTIMINGS\n")
            for key, seconds in sorted(TIMINGS.items(), key=lambda item: -item[1])[:40]:
                report.write(f"{seconds:8.2f} s  {key}\n")
    assert not failures, "\n".join(failures)
    assert not missing, "Routes never reached by a link (add a link, or list them in UNREACHED):\n" + "\n".join(missing)
