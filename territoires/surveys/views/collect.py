"""Collecting answers: online (public link, one page per section), in the field (offline-capable
mobile page posting JSON) and from paper (fast keyboard entry), plus the receipt lookup, the contact
request and the printable poster with its QR code.

The deployment always comes from the public token in the URL: the territory of an answer cannot be
chosen by the client.
"""

import hashlib
import json
import time
import uuid

from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
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
    response_submit,
    sheet_number_check,
)
from territoires.surveys.kinds.widgets import fill_references, neighbourhood_options, pick
from territoires.surveys.models import OTHER, Question, Response, Survey
from territoires.surveys.schema import AnswersInvalid, answers_validate, schema_for

Kind = Question.Kind
STATE_SALT = "surveys.answer.state"
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


_pick = pick
_neighbourhood_options = neighbourhood_options


def answers_from_post(questions, post) -> dict:
    """Answers typed in an HTML form (online or paper) as the validator expects them."""
    answers: dict = {}
    for question in questions:
        value = question.handler.from_post(question, post) if question.handler is not None else None
        if value is not None:
            answers[question.code] = value
        if question.allow_other:
            other = post.get(question.other_field)
            if other:
                answers[question.other_field] = other
    return answers


def paper_code_errors(questions, post) -> dict:
    """Per question, what is wrong with the option numbers typed for a multiple choice on the paper
    form ("1 12 x"): which code, at which position, and what the question accepts."""
    errors = {}
    for question in questions:
        typed = post.get(f"{question.code}__codes") if question.kind == Kind.MULTIPLE else None
        if not typed:
            continue
        count = len(question.options)
        tokens = typed.replace(",", " ").replace(";", " ").split()
        wrong = []
        for position, token in enumerate(tokens, start=1):
            lowered = token.strip().lower()
            if lowered.isdigit() and 1 <= int(lowered) <= count:
                continue
            if question.allow_other and lowered in ("a", "autre", OTHER, "0"):
                continue
            wrong.append(_("« %(code)s » en position %(position)s") % {"code": token, "position": position})
        if not wrong:
            continue
        accepted = _("un numéro de 1 à %(count)s") % {"count": count}
        if question.allow_other:
            accepted = _("%(numbers)s, ou a pour « Autre »") % {"numbers": accepted}
        errors[question.code] = (
            _("Code inconnu pour « %(question)s » : %(wrong)s. Tapez %(accepted)s, séparés par des espaces.")
            if len(wrong) == 1
            else _("Codes inconnus pour « %(question)s » : %(wrong)s. Tapez %(accepted)s, séparés par des espaces.")
        ) % {"question": question.label, "wrong": ", ".join(wrong), "accepted": accepted}
    return errors


def _codes_from_numbers(question, typed: str) -> list:
    """ "1 3 a" → the 1st and 3rd options and "other" (typed as a, autre or 0)."""
    codes = []
    by_number = {str(index): option["code"] for index, option in enumerate(question.options, start=1)}
    for token in typed.replace(",", " ").replace(";", " ").split():
        token = token.strip().lower()
        if token in by_number:
            codes.append(by_number[token])
        elif question.allow_other and token in ("a", "autre", OTHER, "0"):
            codes.append(OTHER)
        else:
            codes.append(token)  # left as typed: refused as an unknown choice, with its message
    return codes[:50]


def question_views(
    questions, answers, errors, *, language, deployment, visible_codes, paper=False, describe_filters=False
):
    """What the templates need to draw each question (values kept, errors, visibility); each
    question's kind fills in its own part and names its widget template (kinds/)."""
    views = []
    # Paper (and the builder's preview, `describe_filters`): a cascading choice shows each option's
    # condition in the earlier question's words.
    filter_labels = (
        {q.code: (q.label, {o["code"]: o["label"] for o in q.options}) for q in questions}
        if (paper or describe_filters) and any(q.choice_filter for q in questions)
        else None
    )
    for question in questions:
        code = question.code
        value = answers.get(code)
        view = {
            "code": code,
            "kind": question.kind,
            "id": f"q-{code}",
            "label": fill_references(_pick(question.label, question.label_en, language), answers),
            "help": fill_references(_pick(question.help_text, question.help_text_en, language), answers),
            "required": question.required,
            "error": errors.get(code, ""),
            "visible": code in visible_codes,
            "section_index": question.section_index,
            "value": "" if value is None or isinstance(value, (list, dict)) else str(value),
            "choices": [],
            "rows": [],
            "ranks": [],
            "use_select": False,
            "other": None,
            "max_choices": question.max_choices,
            "template": question.handler.widget_template,
            "choice_filter_labels": filter_labels,
        }
        question.handler.widget(
            question, view, value, answers=answers, language=language, deployment=deployment, paper=paper
        )
        views.append(view)
    return views


def _sections_with_questions(schema, views, language, visible_section_indexes):
    by_section: dict[int, list] = {}
    for view in views:
        by_section.setdefault(view["section_index"], []).append(view)
    return [
        {
            "index": section.index,
            "title": _pick(section.title, section.title_en, language),
            "description": _pick(section.description, section.description_en, language),
            "visible": section.index in visible_section_indexes,
            "questions": by_section[section.index],
        }
        for section in schema.sections
        if section.index in by_section
    ]


def _has_map(questions) -> bool:
    """Whether the page loads Leaflet (a position question on it: kinds/geopoint.py)."""
    return any(question.kind == Question.Kind.GEOPOINT for question in questions)


def _context_base(request, deployment, language):
    survey = deployment.survey
    return {
        "deployment": deployment,
        "survey": survey,
        "territory": deployment.participation.organisation,
        "language": language,
        "survey_title": _pick(survey.title, survey.title_en, language),
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


def _client_key_error():
    return _("Ce formulaire a expiré ou a été modifié. Vos réponses n'ont pas été enregistrées : recommencez.")


# --- online: one page per section ----------------------------------------------------------------


def _state_dump(key: str, answers: dict) -> str:
    return signing.dumps({"k": key, "a": answers}, salt=STATE_SALT, compress=True)


def _state_load(value: str):
    try:
        data = signing.loads(value or "", salt=STATE_SALT, max_age=2 * 24 * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), dict) or not isinstance(data.get("k"), str):
        return None
    return data


def _section_after(schema, answers, deployment, index, *, step=1):
    context = _visibility_context(deployment)
    visible_indexes = [s.index for s in schema.visible_sections(answers, **context)]
    candidates = [i for i in visible_indexes if (i > index if step > 0 else i < index)]
    if not candidates:
        return None
    return candidates[0] if step > 0 else candidates[-1]


def _visibility_context(deployment):
    return {
        "participation_id": deployment.participation_id,
        "has_neighbourhoods": bool(_neighbourhood_options(deployment)),
    }


def _render_page(request, deployment, schema, *, index, answers, key, errors=None, notice="", language="fr"):
    errors = errors or {}
    context_vis = _visibility_context(deployment)
    visible = schema.visible_questions(answers, **context_vis)
    visible_codes = {q.code for q in visible}
    section = schema.sections[index]
    questions = [q for q in schema.questions_for(deployment.participation_id) if q.section_index == index]
    if not context_vis["has_neighbourhoods"]:
        questions = [q for q in questions if not q.needs_neighbourhoods]
    visible_sections = [s.index for s in schema.visible_sections(answers, **context_vis)]
    position = visible_sections.index(index) + 1 if index in visible_sections else 1
    context = _context_base(request, deployment, language)
    context.update(
        {
            "has_map": _has_map(questions),
            "section": {
                "index": index,
                "title": _pick(section.title, section.title_en, language),
                "description": _pick(section.description, section.description_en, language),
            },
            "questions": question_views(
                questions, answers, errors, language=language, deployment=deployment, visible_codes=visible_codes
            ),
            "errors": errors,
            "error_list": [
                (code, schema.by_code[code], message) for code, message in errors.items() if code in schema.by_code
            ],
            "general_error": errors.get("__all__", ""),
            "notice": notice,
            "state": _state_dump(key, answers),
            "page_index": index,
            "page_number": position,
            "page_count": max(len(visible_sections), position),
            "is_first": _section_after(schema, answers, deployment, index, step=-1) is None,
            "is_last": _section_after(schema, answers, deployment, index) is None,
            "schema": schema.as_json(participation_id=deployment.participation_id),
            "known_answers": answers,
            "introduction": _pick(deployment.survey.introduction, deployment.survey.introduction_en, language),
        }
    )
    status = 400 if errors else 200
    with translation.override(language if language != "fr" else translation.get_language()):
        return render(request, "surveys/collect/answer.html", context, status=status)


@never_cache
def answer(request, token):
    deployment = _deployment_or_404(token)
    if (refusal := collection_refusal(deployment)) is not None:
        return _refused_page(request, deployment, refusal)
    schema = schema_for(deployment.survey)
    language = _language(request, deployment.survey)
    if not schema.sections:
        return _refused_page(request, deployment, _("Ce questionnaire ne comporte encore aucune question."))
    if request.method == "GET":
        first = _section_after(schema, {}, deployment, -1)
        if first is None:
            return _refused_page(request, deployment, _("Ce questionnaire ne comporte encore aucune question."))
        return _render_page(
            request, deployment, schema, index=first, answers={}, key=str(uuid.uuid4()), language=language
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])

    state = _state_load(request.POST.get("state", ""))
    first = _section_after(schema, {}, deployment, -1)
    if first is None:
        return _refused_page(request, deployment, _("Ce questionnaire ne comporte encore aucune question."))
    if state is None:
        return _render_page(
            request,
            deployment,
            schema,
            index=first,
            answers={},
            key=str(uuid.uuid4()),
            errors={"__all__": _client_key_error()},
            language=language,
        )
    key, answers = state["k"], state["a"]
    try:
        index = int(request.POST.get("page", ""))
        if index < 0:
            raise IndexError(index)
        schema.sections[index]
    except (ValueError, IndexError):
        index = first
    # The answers of this page replace what the state held for it.
    page_questions = [q for q in schema.questions_for(deployment.participation_id) if q.section_index == index]
    for question in page_questions:
        answers.pop(question.code, None)
        answers.pop(question.other_field, None)
    answers.update(answers_from_post(page_questions, request.POST))
    render_args = {"answers": answers, "key": key, "language": language}

    if request.POST.get("action") == "previous":
        previous = _section_after(schema, answers, deployment, index, step=-1)
        return _render_page(
            request, deployment, schema, index=previous if previous is not None else index, **render_args
        )

    visible = schema.visible_questions(answers, **_visibility_context(deployment))
    page_visible = {q.code for q in visible if q.section_index == index}
    try:
        answers_validate(schema, answers, deployment=deployment, only=page_visible)
    except AnswersInvalid as invalid:
        return _render_page(request, deployment, schema, index=index, errors=invalid.errors, **render_args)
    # Without JavaScript a question that depends on an answer of the same page appears only now:
    # show the page again rather than skip it.
    shown = set(request.POST.getlist("shown"))
    appeared = [q for q in visible if q.code in page_visible and q.code not in shown and q.code not in answers]
    if appeared:
        notice = _("Selon vos réponses, de nouvelles questions s'affichent sur cette page.")
        return _render_page(request, deployment, schema, index=index, notice=notice, **render_args)
    following = _section_after(schema, answers, deployment, index)
    if following is not None:
        return _render_page(request, deployment, schema, index=following, **render_args)

    if rate_limit_exceeded(request):
        return _too_many_page(request, deployment)
    try:
        submission = response_submit(
            deployment=deployment, answers=answers, channel=Response.Channel.ONLINE, idempotency_key=key
        )
    except AnswersInvalid as invalid:
        first_error_section = min(
            (schema.by_code[code].section_index for code in invalid.errors if code in schema.by_code), default=index
        )
        return _render_page(
            request, deployment, schema, index=first_error_section, errors=invalid.errors, **render_args
        )
    except SubmissionRefused as refused:
        return _refused_page(request, deployment, refused.message)
    url = reverse("surveys:thanks", args=[deployment.public_token, submission.response.receipt_code])
    if language != "fr":
        url += f"?langue={language}"
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


@never_cache
@require_GET
def collect_field(request, token):
    deployment = _collect_deployment(request, token)
    if deployment is None:
        return redirect_to_login(request.get_full_path())
    refusal = collection_refusal(deployment)
    schema = schema_for(deployment.survey)
    context_vis = _visibility_context(deployment)
    questions = schema.questions_for(deployment.participation_id)
    if not context_vis["has_neighbourhoods"]:
        questions = [q for q in questions if not q.needs_neighbourhoods]
    visible_codes = {q.code for q in schema.visible_questions({}, **context_vis)}
    views = question_views(questions, {}, {}, language="fr", deployment=deployment, visible_codes=visible_codes)
    visible_sections = {s.index for s in schema.visible_sections({}, **context_vis)}
    context = _context_base(request, deployment, "fr")
    context.update(
        {
            "has_map": _has_map(questions),
            "refusal": refusal,
            "sections": _sections_with_questions(schema, views, "fr", visible_sections),
            "schema": schema.as_json(participation_id=deployment.participation_id),
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
    schema = schema_for(deployment.survey)
    data = schema.as_json(participation_id=deployment.participation_id)
    data["neighbourhoods"] = _neighbourhood_options(deployment)
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
    channel = payload.get("channel") or Response.Channel.FIELD
    if channel not in (Response.Channel.FIELD, Response.Channel.PAPER):
        return _json_error(_("Canal de collecte inconnu."), 400)
    collected_at = None
    if isinstance(payload.get("collected_at"), str):
        try:
            collected_at = parse_datetime(payload["collected_at"][:40])
        except ValueError:
            collected_at = None
        if collected_at is not None and timezone.is_naive(collected_at):
            collected_at = timezone.make_aware(collected_at)
    try:
        submission = response_submit(
            deployment=deployment,
            answers=payload.get("answers"),
            channel=channel,
            idempotency_key=payload.get("idempotency_key"),
            collector=user,
            collected_at=collected_at,
            sheet_number=str(payload.get("sheet_number") or "")[:100] if channel == Response.Channel.PAPER else "",
        )
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


def _paper_fingerprint(schema, answers, deployment, sheet_number: str = "") -> str:
    """A hash of the cleaned answers and the sheet's number, or "" when they do not validate (the
    submission says why). Two sheets with different numbers are never taken for one."""
    try:
        cleaned = answers_validate(schema, answers, deployment=deployment)
    except AnswersInvalid:
        return ""
    payload = {"answers": cleaned, "sheet": sheet_number} if sheet_number else cleaned
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


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
    deployment = _collect_deployment(request, token)
    if deployment is None:
        return redirect_to_login(request.get_full_path())
    schema = schema_for(deployment.survey)
    refusal = collection_refusal(deployment)
    context_vis = _visibility_context(deployment)
    questions = schema.questions_for(deployment.participation_id)
    if not context_vis["has_neighbourhoods"]:
        questions = [q for q in questions if not q.needs_neighbourhoods]
    counts = request.session.get(PAPER_COUNT_KEY, {})
    count = counts.get(str(deployment.pk), 0) if isinstance(counts, dict) else 0
    answers, errors, status, saved_code = {}, {}, 200, request.GET.get("enregistre", "")[:12]
    key, duplicate_of = str(uuid.uuid4()), ""
    sheet_number = ""
    if request.method == "POST":
        if refusal:
            return _refused_page(request, deployment, refusal)
        answers = answers_from_post(questions, request.POST)
        key = request.POST.get("idempotency_key", "")
        sheet_number = request.POST.get(SHEET_FIELD, "")[:100]
        # Said before anything is stored: which typed code is wrong, and a sheet already entered.
        errors = paper_code_errors(questions, request.POST)
        try:
            sheet_number = sheet_number_check(deployment=deployment, sheet_number=sheet_number, idempotency_key=key)
        except AnswersInvalid as invalid:
            errors.update(invalid.errors)
        except SubmissionRefused as refused:
            errors["__all__"] = refused.message
        if errors:
            try:
                answers_validate(schema, answers, deployment=deployment)
            except AnswersInvalid as invalid:
                errors = {**invalid.errors, **errors}
        fingerprint = _paper_fingerprint(schema, answers, deployment, sheet_number)
        if not errors and not request.POST.get("autre_questionnaire"):
            duplicate_of = _paper_duplicate_of(request, deployment, fingerprint, key)
        if errors:
            status = 400
        elif duplicate_of:
            status = 409
        else:
            try:
                submission = response_submit(
                    deployment=deployment,
                    answers=answers,
                    channel=Response.Channel.PAPER,
                    idempotency_key=key,
                    collector=request.user,
                    sheet_number=sheet_number,
                )
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
    # Every question is drawn: a paper form holds whatever the respondent wrote; the script hides
    # what does not apply, and the server drops answers to questions that end up hidden.
    visible_codes = {q.code for q in questions}
    views = question_views(
        questions, answers, errors, language="fr", deployment=deployment, visible_codes=visible_codes, paper=True
    )
    visible_sections = {s.index for s in schema.sections}
    context = _context_base(request, deployment, "fr")
    context.update(
        {
            "refusal": refusal,
            "sections": _sections_with_questions(schema, views, "fr", visible_sections),
            "schema": schema.as_json(participation_id=deployment.participation_id),
            "errors": errors,
            "error_list": [
                (code, schema.by_code[code], message) for code, message in errors.items() if code in schema.by_code
            ],
            "general_error": errors.get("__all__", ""),
            "duplicate_of": duplicate_of,
            "idempotency_key": key if errors or duplicate_of else str(uuid.uuid4()),
            "count": count,
            "saved_code": saved_code if saved_code.isalnum() else "",
            "sheet_field": SHEET_FIELD,
            "sheet_number": sheet_number if errors or duplicate_of else "",
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
