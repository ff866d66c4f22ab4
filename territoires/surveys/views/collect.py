"""Collecting answers: online (public link, one page per section), in the field (offline-capable
mobile page posting JSON) and from paper (fast keyboard entry), plus the receipt lookup, the contact
request and the printable poster with its QR code.

These views translate HTTP: a respondent's pass through the questionnaire (pages, state between
them, visibility, validation, submission) is a `QuestionnaireRun` (surveys/run.py), the same for
the three channels. The deployment always comes from the public token in the URL: the territory of
an answer cannot be chosen by the client.
"""

import json
import time
import uuid

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from territoires.surveys.collection import (
    SubmissionRefused,
    can_collect,
    collection_refusal,
    collector_from_token,
    collector_token_issue,
    contact_request_save,
    deployment_for_token,
    rate_limit_exceeded,
    rate_limit_message,
    receipt_lookup,
)
from territoires.surveys.kinds.widgets import neighbourhood_options, pick
from territoires.surveys.models import Survey
from territoires.surveys.run import (
    QuestionnaireRun,
    RunPage,
    RunStateInvalid,
    question_views,  # noqa: F401 — drawn by the builder's preview too, importable from here
    state_expired_message,
)
from territoires.surveys.schema import AnswersInvalid

# A JSON submission is a few kilobytes; refuse early what no questionnaire can need (30 long
# texts of 5,000 characters fit).
MAX_JSON_BYTES = 512 * 1024


# --- helpers -------------------------------------------------------------------------------------


def _deployment_or_404(token):
    deployment = deployment_for_token(token)
    if deployment is None:
        raise Http404
    return deployment


def _language(request, survey) -> str:
    """The questionnaire's language: its second language when asked for and available."""
    wanted = request.GET.get("langue") or request.POST.get("langue") or ""
    return wanted if survey.second_language and wanted == survey.second_language else "fr"


def _has_map(questions) -> bool:
    """Whether the page loads Leaflet (a position question on it: kinds/geopoint.py)."""
    return any(question.kind == "geopoint" for question in questions)


def _context_base(request, deployment, language):
    survey = deployment.survey
    return {
        "deployment": deployment,
        "survey": survey,
        "territory": deployment.participation.organisation,
        "language": language,
        "survey_title": pick(survey.title, survey.title_en, language),
        "other_language": survey.second_language if language == "fr" else "fr",
    }


def _refused_page(request, deployment, message):
    status = 404 if deployment.survey.status == Survey.Status.DRAFT else 410
    return render(
        request,
        "surveys/collect/closed.html",
        {"deployment": deployment, "survey": deployment.survey, "message": message},
        status=status,
    )


def _error_list(schema, errors):
    return [(code, schema.by_code[code], message) for code, message in errors.items() if code in schema.by_code]


# --- online: one page per section (the run decides, see surveys/run.py) ------------------------


def _render_page(request, run: QuestionnaireRun, page: RunPage):
    language, survey = run.language, run.deployment.survey
    context = _context_base(request, run.deployment, language)
    context.update(
        {
            "has_map": _has_map(page.questions),
            "section": {
                "index": page.index,
                "title": pick(page.section.title, page.section.title_en, language),
                "description": pick(page.section.description, page.section.description_en, language),
            },
            "questions": run.question_views(page.questions, page.errors, visible_codes=page.visible_codes),
            "errors": page.errors,
            "error_list": _error_list(run.schema, page.errors),
            "general_error": page.errors.get("__all__", ""),
            "notice": page.notice,
            "state": run.state,
            "page_index": page.index,
            "page_number": page.number,
            "page_count": page.count,
            "is_first": page.is_first,
            "is_last": page.is_last,
            "schema": run.schema_json(),
            "known_answers": run.answers,
            "introduction": pick(survey.introduction, survey.introduction_en, language),
        }
    )
    status = 400 if page.errors else 200
    with translation.override(language if language != "fr" else translation.get_language()):
        return render(request, "surveys/collect/answer.html", context, status=status)


@never_cache
def answer(request, token):
    deployment = _deployment_or_404(token)
    if (refusal := collection_refusal(deployment)) is not None:
        return _refused_page(request, deployment, refusal)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    run = QuestionnaireRun(deployment, language=_language(request, deployment.survey))
    if run.first_index() is None:
        return _refused_page(request, deployment, _("Ce questionnaire ne comporte encore aucune question."))
    if request.method == "GET":
        return _render_page(request, run, run.start())
    try:
        run.resume(request.POST.get("state", ""), page=request.POST.get("page"))
    except RunStateInvalid:
        run.start()
        return _render_page(request, run, run.page(errors={"__all__": state_expired_message()}))
    page = run.answer(
        request.POST, previous=request.POST.get("action") == "previous", shown=request.POST.getlist("shown")
    )
    if page is not None:
        return _render_page(request, run, page)
    if rate_limit_exceeded(request):
        return _too_many_page(request, deployment)
    try:
        submission = run.submit()
    except AnswersInvalid as invalid:
        return _render_page(request, run, run.page_with_errors(invalid.errors))
    except SubmissionRefused as refused:
        return _refused_page(request, deployment, refused.message)
    url = reverse("surveys:thanks", args=[deployment.public_token, submission.response.receipt_code])
    if run.language != "fr":
        url += f"?langue={run.language}"
    return redirect(url)


def _too_many_page(request, deployment):
    return render(
        request,
        "surveys/collect/closed.html",
        {"deployment": deployment, "survey": deployment.survey, "message": rate_limit_message(), "retry": True},
        status=429,
    )


@never_cache
@require_GET
def thanks(request, token, code):
    deployment = _deployment_or_404(token)
    response = receipt_lookup(code)
    if response is None or response.deployment_id != deployment.pk:
        # Same budget as the receipt lookup: a guessed code that misses counts, so the token's
        # thanks page cannot be used to enumerate receipt codes faster than `suivi/` allows.
        if rate_limit_exceeded(request, scope="receipt"):
            return _too_many_page(request, deployment)
        raise Http404
    language = _language(request, deployment.survey)
    context = _context_base(request, deployment, language)
    context.update(
        {
            "receipt_code": response.receipt_code,
            "contact_saved": request.GET.get("contact") == "ok",
            "contact_error": "",
            "email": "",
        }
    )
    return render(request, "surveys/collect/thanks.html", context)


@require_POST
def contact(request, token):
    deployment = _deployment_or_404(token)
    code = (request.POST.get("code") or "")[:12]
    response = receipt_lookup(code)
    if response is None or response.deployment_id != deployment.pk:
        raise Http404
    if rate_limit_exceeded(request, scope="contact"):
        return _too_many_page(request, deployment)
    email = (request.POST.get("email") or "")[:400]
    try:
        contact_request_save(deployment=deployment, email=email)
    except ValidationError as error:
        context = _context_base(request, deployment, "fr")
        context.update(
            {
                "receipt_code": response.receipt_code,
                "contact_saved": False,
                "contact_error": " ".join(error.message_dict.get("email", error.messages)),
                "email": email[:254],
            }
        )
        return render(request, "surveys/collect/thanks.html", context, status=400)
    return redirect(reverse("surveys:thanks", args=[token, response.receipt_code]) + "?contact=ok")


@never_cache
@require_GET
def receipt(request, code=None):
    """What became of the survey a resident answered, from the receipt code."""
    typed = code or request.GET.get("code", "")
    response = receipt_lookup(typed) if typed else None
    if response is None and typed and rate_limit_exceeded(request, scope="receipt"):
        return HttpResponse(rate_limit_message(), status=429, content_type="text/plain; charset=utf-8")
    if response is not None and code is None:
        return redirect("surveys:receipt", code=response.receipt_code)
    context = {
        "typed": typed[:20],
        "response": response,
        "not_found": bool(typed) and response is None,
    }
    return render(request, "surveys/collect/receipt.html", context, status=404 if context["not_found"] else 200)


# --- field and paper: signed-in survey group members ---------------------------------------------


def _collect_deployment(request, token):
    """The deployment of the token, for a user allowed to collect there (else login or 403)."""
    deployment = _deployment_or_404(token)
    if not request.user.is_authenticated:
        return None
    if not request.user.has_perm("surveys.collect", deployment):
        raise PermissionDenied
    return deployment


def _collector_run(request, token) -> QuestionnaireRun | None:
    """A survey group member's run on the token's deployment (None: sign in first; else 403)."""
    deployment = _collect_deployment(request, token)
    return None if deployment is None else QuestionnaireRun(deployment)


@never_cache
@require_GET
def collect_field(request, token):
    run = _collector_run(request, token)
    if run is None:
        return redirect_to_login(request.get_full_path())
    deployment = run.deployment
    context = _context_base(request, deployment, "fr")
    context.update(
        {
            "has_map": _has_map(run.questions),
            "refusal": collection_refusal(deployment),
            "sections": run.sections(),
            "schema": run.schema_json(),
            "schema_url": reverse("surveys:schema_json", args=[token]),
            "submit_url": reverse("surveys:submit_json", args=[token]),
            "collector_token": collector_token_issue(request.user, deployment),
            "collector_token_issued": int(time.time()),
            "worker_url": reverse("surveys:service_worker"),
            "page_url": reverse("surveys:collect_field", args=[token]),
        }
    )
    return render(request, "surveys/collect/field.html", context)


@never_cache
@require_GET
def schema_json(request, token):
    deployment = deployment_for_token(token)
    if deployment is None:
        return JsonResponse({"message": _("Questionnaire introuvable.")}, status=404)
    if not request.user.is_authenticated:
        return JsonResponse({"message": _("Connectez-vous pour collecter des réponses.")}, status=401)
    if not request.user.has_perm("surveys.collect", deployment):
        return JsonResponse(
            {"message": _("Vous ne faites pas partie du groupe d'enquête de ce territoire.")}, status=403
        )
    data = QuestionnaireRun(deployment).schema_json()
    data["neighbourhoods"] = neighbourhood_options(deployment)
    data["open"] = collection_refusal(deployment) is None
    # A fresh token each time the page refreshes its questionnaire while online (collect-field.js).
    data["collector_token"] = collector_token_issue(request.user, deployment)
    data["collector_token_issued"] = int(time.time())
    return JsonResponse(data)


def _json_error(message, status, **extra):
    return JsonResponse({"message": message, **extra}, status=status)


# The session path's CSRF check, made by the view itself (see submit_json).
_csrf_check = CsrfViewMiddleware(lambda request: None).process_view


def _field_collector(request, deployment):
    """Who sends this field answer: the member named by the device's collector token, or else the
    signed-in member of the session (pages cached before tokens existed). Raises SubmissionRefused."""
    device_token = request.META.get("HTTP_X_COLLECTOR_TOKEN")
    if device_token:
        return collector_from_token(device_token, deployment)
    user = request.user
    if not user.is_authenticated:
        raise SubmissionRefused(
            _("Votre session a expiré : reconnectez-vous, les réponses en attente seront envoyées."), status=401
        )
    if not can_collect(user, deployment):
        raise SubmissionRefused(_("Vous ne faites pas partie du groupe d'enquête de ce territoire."), status=403)
    return user


# Exempt from the middleware's CSRF check: a request carrying a collector token is authenticated by
# a header no other site can make a browser send; one relying on the session cookie is checked below.
@csrf_exempt
@require_POST
def submit_json(request, token):
    """One answer from the field page's queue: 201 stored, 200 already stored (same key), 400 with
    per-question errors, 401/403 not allowed, 409 collection closed, 429 too many."""
    deployment = deployment_for_token(token, recent=True)
    if deployment is None:
        return _json_error(_("Questionnaire introuvable."), 404)
    if not request.META.get("HTTP_X_COLLECTOR_TOKEN") and _csrf_check(request, None, (), {}) is not None:
        return _json_error(_("Jeton de sécurité absent ou périmé : rechargez la page de collecte."), 403)
    try:
        user = _field_collector(request, deployment)
    except SubmissionRefused as refused:
        return _json_error(refused.message, refused.status)
    if rate_limit_exceeded(request, account=user):
        return _json_error(rate_limit_message(), 429)
    if len(request.body) > MAX_JSON_BYTES:
        return _json_error(_("Envoi trop volumineux : une réponse ne peut dépasser 512 Ko."), 413)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: JSON nested thousands deep
        return _json_error(_("Envoi illisible : le corps de la requête doit être du JSON."), 400)
    if not isinstance(payload, dict):
        return _json_error(_("Envoi illisible : un objet JSON est attendu."), 400)
    try:
        submission = QuestionnaireRun.from_device(deployment, payload).submit(collector=user)
    except AnswersInvalid as invalid:
        return _json_error(
            _("Certaines réponses sont invalides : rien n'a été enregistré."), 400, errors=invalid.errors
        )
    except SubmissionRefused as refused:
        return _json_error(refused.message, refused.status)
    response = submission.response
    return JsonResponse(
        {"status": "stored" if submission.created else "already_stored", "receipt_code": response.receipt_code},
        status=201 if submission.created else 200,
    )


PAPER_COUNT_KEY = "surveys_paper_count"
# The paper sheet's number: a name no question code can take (codes are slugs starting with a letter).
SHEET_FIELD = "_sheet_number"
RECENT_SHEETS = 10
# Per territory, the receipt code, sheet number and time of the agent's last sheets (no answers).
PAPER_RECENT_KEY = "surveys_paper_recent"
# Per territory, a hash of the last paper sheet this agent stored, its receipt code and its key
# (never the answers themselves: the session outlives the entry).
PAPER_LAST_KEY = "surveys_paper_last"


def _paper_duplicate_of(request, deployment, fingerprint: str, key: str) -> str:
    """The receipt code of the agent's last sheet when this one repeats it under a new key, else "".

    Back, then Enter on the form the browser refilled: the page had given it a new key, so the same
    sheet would be stored twice. Two residents may answer alike: the agent then confirms. The same
    key is a replay, which the submission itself answers with the stored code."""
    stored = request.session.get(PAPER_LAST_KEY, {})
    previous = stored.get(str(deployment.pk)) if isinstance(stored, dict) else None
    if not fingerprint or not isinstance(previous, list) or len(previous) != 3:
        return ""
    last_fingerprint, receipt_code, last_key = previous
    return receipt_code if last_fingerprint == fingerprint and last_key != key else ""


def _paper_remember(request, deployment, fingerprint: str, receipt_code: str, key: str) -> None:
    stored = request.session.get(PAPER_LAST_KEY, {})
    stored = stored if isinstance(stored, dict) else {}
    stored[str(deployment.pk)] = [fingerprint, receipt_code, key]
    request.session[PAPER_LAST_KEY] = stored


def _paper_recent(request, deployment) -> list[dict]:
    stored = request.session.get(PAPER_RECENT_KEY, {})
    rows = stored.get(str(deployment.pk), []) if isinstance(stored, dict) else []
    recent = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, list) and len(row) == 3:
            recent.append({"receipt_code": row[0], "sheet_number": row[1], "submitted_at": parse_datetime(row[2])})
    return recent


def _paper_recent_add(request, deployment, response) -> None:
    stored = request.session.get(PAPER_RECENT_KEY, {})
    stored = stored if isinstance(stored, dict) else {}
    rows = [row for row in stored.get(str(deployment.pk), []) if isinstance(row, list)]
    row = [response.receipt_code, response.sheet_number, response.submitted_at.isoformat()]
    stored[str(deployment.pk)] = [row, *rows][:RECENT_SHEETS]
    request.session[PAPER_RECENT_KEY] = stored


@never_cache
def paper_entry(request, token):
    run = _collector_run(request, token)
    if run is None:
        return redirect_to_login(request.get_full_path())
    deployment, refusal = run.deployment, collection_refusal(run.deployment)
    counts = request.session.get(PAPER_COUNT_KEY, {})
    count = counts.get(str(deployment.pk), 0) if isinstance(counts, dict) else 0
    errors, status, saved_code = {}, 200, request.GET.get("enregistre", "")[:12]
    key, duplicate_of = str(uuid.uuid4()), ""
    if request.method == "POST":
        if refusal:
            return _refused_page(request, deployment, refusal)
        key = request.POST.get("idempotency_key", "")
        # Said before anything is stored: which typed code is wrong, and a sheet already entered.
        errors = run.take_sheet(request.POST, key=key, sheet_number=request.POST.get(SHEET_FIELD, "")[:100])
        fingerprint = "" if errors else run.fingerprint()
        if not errors and not request.POST.get("autre_questionnaire"):
            duplicate_of = _paper_duplicate_of(request, deployment, fingerprint, key)
        if errors:
            status = 400
        elif duplicate_of:
            status = 409
        else:
            try:
                submission = run.submit(collector=request.user)
            except AnswersInvalid as invalid:
                errors, status = invalid.errors, 400
            except SubmissionRefused as refused:
                errors, status = {"__all__": refused.message}, refused.status
            else:
                if submission.created:
                    counts = counts if isinstance(counts, dict) else {}
                    counts[str(deployment.pk)] = count + 1
                    request.session[PAPER_COUNT_KEY] = counts
                    _paper_remember(request, deployment, fingerprint, submission.response.receipt_code, key)
                    _paper_recent_add(request, deployment, submission.response)
                url = reverse("surveys:paper_entry", args=[token]) + f"?enregistre={submission.response.receipt_code}"
                return redirect(url)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    context = _context_base(request, deployment, "fr")
    context.update(
        {
            "refusal": refusal,
            # Every question is drawn (see QuestionnaireRun.sections).
            "sections": run.sections(errors, paper=True),
            "schema": run.schema_json(),
            "errors": errors,
            "error_list": _error_list(run.schema, errors),
            "general_error": errors.get("__all__", ""),
            "duplicate_of": duplicate_of,
            "idempotency_key": key if errors or duplicate_of else str(uuid.uuid4()),
            "count": count,
            "saved_code": saved_code if saved_code.isalnum() else "",
            "sheet_field": SHEET_FIELD,
            "sheet_number": run.sheet_number if errors or duplicate_of else "",
            "sheet_error": errors.get("sheet_number", ""),
            # The sheets this agent entered for this territory in this session, newest first:
            # where did I stop? (Kept in the session: no search through the answers table.)
            "recent_sheets": _paper_recent(request, deployment),
        }
    )
    return render(request, "surveys/collect/paper.html", context, status=status)


@require_GET
def poster(request, token):
    """A printable A4 poster with the QR code of the public link (for the territory's venues)."""
    deployment = _collect_deployment(request, token)
    if deployment is None:
        return redirect_to_login(request.get_full_path())
    import segno
    from weasyprint import HTML

    link = request.build_absolute_uri(reverse("surveys:answer", args=[token]))
    qr = segno.make(link, error="m")
    with translation.override("fr"):
        from django.template.loader import render_to_string

        context = {
            "deployment": deployment,
            "survey": deployment.survey,
            "territory": deployment.participation.organisation,
            "link": link,
            # Its <title> is the image's alternative text in the tagged PDF.
            "qr_svg": qr.svg_inline(
                scale=10, dark="#000091", omitsize=True, title=_("Code QR du questionnaire : %(link)s") % {"link": link}
            ),
        }
        html = render_to_string("surveys/collect/poster_pdf.html", context, request=request)
    # Tagged (PDF/UA) like the charter: language and title read by screen readers.
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(pdf_variant="pdf/ua-1")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="affiche-enquete-{deployment.participation.organisation.slug}.pdf"'
    )
    return response


@require_GET
def service_worker(request):
    """The field page's service worker, served under /enquete/ so that its scope can cover the
    field pages (a script under /static/ could only control /static/)."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    path_found = finders.find("surveys/collect-sw.js")
    if path_found:
        handle = open(path_found, "rb")  # noqa: SIM115 - FileResponse closes it
    else:
        handle = staticfiles_storage.open("surveys/collect-sw.js")
    response = FileResponse(handle, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/enquete/"
    return response


# Under enquete/ (territoires/surveys/urls.py). The receipt pages come before "<str:token>/…", which
# would also match them; then the submission, the platform's hottest write.
urlpatterns = [
    path("sw.js", service_worker, name="service_worker"),
    path("suivi/", receipt, name="receipt_lookup"),
    path("suivi/<str:code>/", receipt, name="receipt"),
    path("<str:token>/envoi/", submit_json, name="submit_json"),
    path("<str:token>/", answer, name="answer"),
    path("<str:token>/merci/<str:code>/", thanks, name="thanks"),
    path("<str:token>/recontact/", contact, name="contact"),
    path("<str:token>/terrain/", collect_field, name="collect_field"),
    path("<str:token>/questionnaire.json", schema_json, name="schema_json"),
    path("<str:token>/saisie/", paper_entry, name="paper_entry"),
    path("<str:token>/affiche.pdf", poster, name="poster"),
]
