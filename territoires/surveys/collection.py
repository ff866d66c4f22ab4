"""Storing answers from the three channels (online, field, paper), contact requests and rate limits.

The submission path is the platform's hottest write: one compiled schema from process memory, one
validation function, one INSERT. A replayed idempotency key (a device resending its queue, a
double click, a network retry) returns the answer already stored — decided by the database's unique
constraint, so two copies racing each other still store one row.

Anonymity: no IP address is ever stored. The rate limit counts requests per salted hash of the
client address; the salt changes every day and lives only in the cache (two days at most), so a
hash cannot be linked back to an address nor to another day's hash.
"""

import datetime
import hashlib
import re
import secrets
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, IntegrityError, InterfaceError, OperationalError, connections, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from territoires.accounts.backends import AccountBackend
from territoires.core.cache import content_mark_dirty
from territoires.core.clients import client_address
from territoires.core.process_caches import process_cached, register_process_cache
from territoires.core.receipts import new_receipt_code, receipt_code_normalise
from territoires.core.window_counts import window_count_hit
from territoires.surveys.models import ContactRequest, Deployment, Response, Survey
from territoires.surveys.schema import AnswersInvalid, answers_validate, schema_for


class SubmissionRefused(Exception):
    """The whole submission is refused (closed survey, bad key…): a French message for the user."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Submission:
    response: Response
    created: bool


def deployment_for_token(token: str, *, recent: bool = False) -> Deployment | None:
    """The deployment of a public link, with its survey, project and territory (one query).

    `recent=True` (the submission endpoints) may return a copy read up to DEPLOYMENT_MEMO_SECONDS
    ago by this process: the lookup and the permission check would otherwise cost more than the
    INSERT itself. Closing a survey or a territory therefore takes effect within that delay.
    """
    if not isinstance(token, str) or not 4 <= len(token) <= 20:
        return None
    now = time.monotonic()
    if recent:
        memo = _deployment_memo.get(token)
        if memo is not None and memo[1] > now:
            return memo[0]
    deployment = (
        Deployment.objects.select_related("survey__project", "participation__organisation")
        .filter(public_token=token)
        .first()
    )
    if deployment is not None:
        if len(_deployment_memo) > 1000:
            _deployment_memo.clear()
        _deployment_memo[token] = (deployment, now + DEPLOYMENT_MEMO_SECONDS)
    return deployment


def can_collect(user, deployment: Deployment) -> bool:
    """The "surveys.collect" rule, remembered a few seconds per (user, link) in this process."""
    if not user.is_authenticated:
        return False
    key = (user.pk, deployment.public_token, deployment.pk)
    now = time.monotonic()
    memo = _permission_memo.get(key)
    if memo is not None and memo[1] > now:
        return memo[0]
    allowed = user.has_perm("surveys.collect", deployment)
    if len(_permission_memo) > 5000:
        _permission_memo.clear()
    _permission_memo[key] = (allowed, now + DEPLOYMENT_MEMO_SECONDS)
    return allowed


DEPLOYMENT_MEMO_SECONDS = 10
_deployment_memo: dict[str, tuple] = register_process_cache(
    {},
    name="surveys.deployment_memo",
    bench="surveys.submission",
    reason="a public link's deployment, remembered DEPLOYMENT_MEMO_SECONDS (one query less per answer)",
)
_permission_memo: dict[tuple, tuple] = register_process_cache(
    {},
    name="surveys.permission_memo",
    bench="surveys.submission",
    reason="the collect permission per (member, link), remembered DEPLOYMENT_MEMO_SECONDS",
)
_collector_memo: dict[tuple, tuple] = register_process_cache(
    {},
    name="surveys.collector_memo",
    bench="surveys.submission",
    reason="the verdict on a field device's collector token, remembered DEPLOYMENT_MEMO_SECONDS",
)


# --- collector tokens: how a field device proves who collected its queue ---------------------------
#
# The field page hands the device a signed token naming the survey group member and the territory
# (the deployment). The device sends its queue with it, so answers collected offline still reach the
# server after the session cookie has expired, and each POST is checked without reading the session
# nor the user's row: the token's signature, then a few seconds' memo of "may this member still
# collect here?". The token is not a cookie, so a third-party site cannot make a browser send it:
# requests carrying it need no CSRF token.

COLLECTOR_TOKEN_SALT = "territoires.surveys.collector-token"


def _password_stamp(user) -> str:
    """Changes when the password does: a new password revokes the tokens issued before it."""
    return salted_hmac(COLLECTOR_TOKEN_SALT, user.password or "", algorithm="sha256").hexdigest()[:16]


def collector_token_issue(user, deployment: Deployment) -> str:
    """A token for this member to send answers collected for this deployment (checked by the caller)."""
    return signing.dumps([user.pk, deployment.pk, _password_stamp(user)], salt=COLLECTOR_TOKEN_SALT, compress=False)


def collector_from_token(value, deployment: Deployment):
    """The survey group member a device's token names, still allowed to collect for this deployment.

    Raises SubmissionRefused: 401 when the token is unreadable, forged, expired or belongs to
    another territory (the device must get a new one by opening the page signed in), 403 when its
    member may no longer collect here (removed from the group, account deactivated, password
    changed). The verdict on a token is remembered DEPLOYMENT_MEMO_SECONDS in this process, like the
    deployment itself: a revocation (or the token's expiry) takes effect within that delay, and a
    device sending its queue pays for one signature check and one user query every few seconds.
    """
    key = (value, deployment.pk)
    now = time.monotonic()
    memo = _collector_memo.get(key)
    if memo is None or memo[1] <= now:
        if len(_collector_memo) > 5000:
            _collector_memo.clear()
        memo = _collector_memo[key] = (_collector_verdict(value, deployment), now + DEPLOYMENT_MEMO_SECONDS)
    verdict = memo[0]
    if verdict == 401:
        raise SubmissionRefused(
            _(
                "L'autorisation d'envoi de cet appareil a expiré : reconnectez-vous et rouvrez la page de "
                "collecte, les réponses en attente seront envoyées."
            ),
            status=401,
        )
    if verdict == 403:
        raise SubmissionRefused(
            _("Vous ne faites plus partie du groupe d'enquête de ce territoire : envoi refusé."), status=403
        )
    return verdict


def _collector_verdict(value, deployment: Deployment):
    """The member the token names if they may collect here, else 401 (bad token) or 403 (revoked)."""
    if not isinstance(value, str) or len(value) > 200:
        return 401
    try:
        user_pk, deployment_pk, stamp = signing.loads(
            value, salt=COLLECTOR_TOKEN_SALT, max_age=settings.SURVEY_COLLECTOR_TOKEN_SECONDS
        )
    except (signing.BadSignature, ValueError, TypeError):
        return 401
    if deployment_pk != deployment.pk:
        return 401
    return _collector_still_allowed(user_pk, deployment, stamp) or 403


def _collector_still_allowed(user_pk, deployment: Deployment, stamp: str):
    user = AccountBackend().get_user(user_pk)  # None when deleted or deactivated
    if user is None or _password_stamp(user) != stamp:
        return None
    return user if user.has_perm("surveys.collect", deployment) else None


def collection_refusal(deployment: Deployment) -> str | None:
    """Why this deployment accepts no answer now, or None."""
    survey = deployment.survey
    if survey.status == Survey.Status.DRAFT:
        return _("Ce questionnaire n'est pas encore publié.")
    if survey.status == Survey.Status.CLOSED:
        return _("Ce questionnaire est clos : il n'accepte plus de réponses. Merci de votre intérêt.")
    if not deployment.is_open:
        return _("La collecte est close sur ce territoire : le questionnaire n'accepte plus de réponses.")
    return None


def parse_idempotency_key(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _existing(key: uuid.UUID, deployment: Deployment) -> Response | None:
    response = Response.objects.filter(idempotency_key=key).first()
    if response is not None and response.deployment_id != deployment.pk:
        # A key is a random UUID made by one device: another territory's key is a forgery or a bug,
        # and its receipt code must not leak.
        raise SubmissionRefused(_("Cette clé d'envoi a déjà servi pour un autre questionnaire."), status=409)
    return response


def response_submit(
    *,
    deployment: Deployment,
    answers,
    channel: str,
    idempotency_key,
    collector=None,
    collected_at: datetime.datetime | None = None,
    sheet_number: str = "",
) -> Submission:
    """Validate and store one respondent's answers, once.

    Raises AnswersInvalid (per-question messages, "sheet_number" for the paper sheet's number) or
    SubmissionRefused (per-request message); nothing is stored then. The deployment comes from the
    public token of the URL, so the territory cannot be forged from the answers.
    """
    key = parse_idempotency_key(idempotency_key)
    if key is None:
        raise SubmissionRefused(_("Clé d'envoi manquante ou invalide : rechargez le questionnaire."))
    if channel not in Response.Channel.values:
        raise SubmissionRefused(_("Canal de collecte inconnu."))
    if (refusal := collection_refusal(deployment)) is not None:
        # A device that resends an answer stored before the survey closed must hear "stored".
        if existing := _existing(key, deployment):
            return Submission(existing, False)
        raise SubmissionRefused(refusal, status=409)
    survey = deployment.survey
    schema = schema_for(survey)
    try:
        cleaned = answers_validate(schema, answers, deployment=deployment)
    except AnswersInvalid:
        if existing := _existing(key, deployment):
            return Submission(existing, False)
        raise
    if not cleaned:
        raise AnswersInvalid({"__all__": _("Aucune réponse n'a été donnée.")})
    if sheet_number:
        sheet_number = sheet_number_clean(sheet_number)
        if existing := _existing(key, deployment):
            return Submission(existing, False)
        _sheet_number_free(deployment, sheet_number)
    if collected_at is not None:
        now = timezone.now()
        # A device clock far off (or a forged date) must not place an answer in the future.
        if collected_at > now + datetime.timedelta(minutes=10) or collected_at.year < 2000:
            collected_at = now
    response = _new_response(
        survey_id=survey.pk,
        deployment_id=deployment.pk,
        structure_version=schema.structure_version,
        channel=channel,
        collector_id=collector.pk if collector is not None and collector.is_authenticated else None,
        idempotency_key=key,
        receipt_code=new_receipt_code(),
        submitted_at=timezone.now(),
        collected_at=collected_at,
        answers=cleaned,
        age_band=cleaned.get(schema.age_band_code, "") if schema.age_band_code else "",
        gender=cleaned.get(schema.gender_code, "") if schema.gender_code else "",
        sheet_number=sheet_number,
    )
    for _attempt in range(3):
        try:
            _insert_once(response)
            # The project page counts answers: it shows this one within a minute (core/cache.py).
            content_mark_dirty()
            return Submission(response, True)
        except IntegrityError:
            if existing := _existing(key, deployment):
                return Submission(existing, False)
            if sheet_number:  # the same sheet typed in by two agents at the same moment
                _sheet_number_free(deployment, sheet_number)
            # The other unique column: a receipt code drawn twice (31^10 codes), draw again.
            response.receipt_code = new_receipt_code()
            response.pk = None
    raise SubmissionRefused(_("L'enregistrement a échoué : réessayez dans un instant."), status=503)


SHEET_NUMBER = re.compile(r"[0-9A-Z][0-9A-Z./-]*")


def sheet_number_clean(value) -> str:
    """A paper sheet's number as stored: spaces removed, upper case ("b-12" → "B-12"). Raises
    AnswersInvalid when it is too long or holds other characters than letters, digits, - / ."""
    number = "".join(str(value or "").split()).upper()
    max_length = Response._meta.get_field("sheet_number").max_length
    if len(number) > max_length:
        raise AnswersInvalid(
            {"sheet_number": _("Le numéro de feuille fait %(max)s caractères au plus.") % {"max": max_length}}
        )
    if number and not SHEET_NUMBER.fullmatch(number):
        raise AnswersInvalid(
            {
                "sheet_number": _(
                    "Le numéro de feuille ne peut contenir que des chiffres, des lettres et les signes - / . "
                    "(par exemple 124 ou B-12)."
                )
            }
        )
    return number


def sheet_number_check(*, deployment: Deployment, sheet_number: str, idempotency_key) -> str:
    """The cleaned sheet number, free on this territory ("" when none was typed); a replay of the
    answer that took it (same key) passes. Raises AnswersInvalid with a "sheet_number" message."""
    number = sheet_number_clean(sheet_number)
    key = parse_idempotency_key(idempotency_key)
    if number and not (key is not None and _existing(key, deployment)):
        _sheet_number_free(deployment, number)
    return number


def _sheet_number_free(deployment: Deployment, sheet_number: str) -> None:
    """Raises AnswersInvalid when this territory already has an answer typed from this sheet."""
    taken = (
        Response.objects.filter(deployment=deployment, sheet_number=sheet_number)
        .values_list("receipt_code", flat=True)
        .first()
    )
    if taken is not None:
        raise AnswersInvalid(
            {
                "sheet_number": _(
                    "La feuille n° %(number)s est déjà saisie pour ce territoire (code de suivi %(code)s) : "
                    "vérifiez le numéro, ou laissez-le vide."
                )
                % {"number": sheet_number, "code": taken}
            }
        )


@process_cached(
    name="surveys.response_fields",
    bench="surveys.submission",
    reason="the answer's concrete fields in column order, for the positional Response(...)",
)
def _response_fields() -> tuple:
    return tuple(Response._meta.concrete_fields)


def _new_response(**values) -> Response:
    """A Response built from its values in column order: Model.__init__'s positional path costs a
    third of the keyword one, which resolves every field's default on each answer. A field left out
    gets its default, as with keywords."""
    return Response(
        *[values[field.attname] if field.attname in values else field.get_default() for field in _response_fields()]
    )


# The columns of the answer's INSERT: every concrete field of Response but its id, written once for
# the INSERT and for the admin (surveys/admin.py). The system check surveys.E001 (surveys/checks.py)
# stops start-up when a migration adds, renames or removes a field and this list does not follow.
RESPONSE_STORED_FIELDS = (
    "survey",
    "deployment",
    "structure_version",
    "channel",
    "collector",
    "idempotency_key",
    "receipt_code",
    "submitted_at",
    "collected_at",
    "answers",
    "age_band",
    "gender",
    "is_synthetic",
    "sheet_number",
)
# The values that the database in use needs adapted (a UUID is text on SQLite, a datetime loses its
# zone there, answers become JSON); integers, codes and booleans go as they are. surveys.E002 checks
# that each field left out here is of a type whose value the database takes as it is.
RESPONSE_ADAPTED_FIELDS = frozenset({"idempotency_key", "submitted_at", "collected_at", "answers"})

_insert_sql: dict[str, str] = register_process_cache(
    {},
    name="surveys.insert_sql",
    bench="surveys.submission",
    reason="the answer INSERT's text, per database",
)


@process_cached(
    name="surveys.insert_fields",
    bench="surveys.submission",
    reason="the answer INSERT's fields, looked up once",
)
def _insert_fields() -> tuple:
    return tuple(Response._meta.get_field(name) for name in RESPONSE_STORED_FIELDS)


@process_cached(
    name="surveys.insert_columns",
    bench="surveys.submission",
    reason="the answer INSERT's attribute names and the fields that adapt their values",
)
def _insert_columns() -> tuple:
    """(attribute name, field to adapt the value with, or None) per inserted column."""
    return tuple(
        (field.attname, field if field.name in RESPONSE_ADAPTED_FIELDS else None) for field in _insert_fields()
    )


def _insert_once(response: Response) -> None:
    """The answer's INSERT, on its own: a single statement is atomic by itself, so outside a
    transaction it runs in autocommit — on PostgreSQL that spares the BEGIN and COMMIT round trips
    (two of the five on this request). Inside one (a caller's, or a test's), a savepoint keeps
    the caller's transaction usable when the INSERT hits a unique constraint."""
    # Looked up once: each `django.db.connection.x` goes through a thread-local proxy (~3 µs), and
    # this path would read a score of them.
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        with transaction.atomic():
            _insert(response, connection)
        return
    # Django's connection health check sends a SELECT 1 before the first query of each request: a
    # third of this request's round trips. Here the INSERT is its own check: a connection found
    # dead (the database restarted) is replaced and the INSERT sent once more. Safe even if the
    # first one was written before the connection dropped: the retry then meets its idempotency key
    # and the caller answers "already stored".
    if connection.connection is not None:
        connection.health_check_done = True
    try:
        _insert(response, connection)
    except (OperationalError, InterfaceError):
        if connection.is_usable():
            raise
        connection.close()
        _insert(response, connection)


def _insert(response: Response, connection) -> None:
    """One INSERT … RETURNING id, without the ORM's per-save machinery (signals, compiler): on the
    hottest write of the platform it costs about as much as the statement itself. Values are
    adapted by each field for the database in use, exactly as Model.save() would."""
    fields = _insert_fields()
    sql = _insert_sql.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Identifiers come from the model, values go as parameters.
        sql = f"INSERT INTO {quote(Response._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {quote('id')}"
        _insert_sql[connection.vendor] = sql
    values = [
        getattr(response, attname) if field is None else field.get_db_prep_save(getattr(response, attname), connection)
        for attname, field in _insert_columns()
    ]
    with _statement_cursor(connection) as cursor:
        cursor.execute(sql, values)
        if connection.features.can_return_columns_from_insert:
            response.pk = cursor.fetchone()[0]
        else:
            response.pk = connection.ops.last_insert_id(cursor, Response._meta.db_table, "id")
    response._state.adding = False
    response._state.db = connection.alias


def _statement_cursor(connection):
    """A cursor for the answer's INSERT. On PostgreSQL, one that sends the values apart from the
    statement: psycopg then prepares the statement on the connection after a few uses, and the
    server stops parsing and planning it for every answer (a fifth of its time on this INSERT).
    Django's own cursors bind values into the text, which every other query needs; this one is
    still wrapped by Django (errors, query logging, execute wrappers)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


def contact_request_save(*, deployment: Deployment, email: str) -> ContactRequest:
    """A respondent's address to hear what became of the survey: stored apart from the answers,
    with nothing linking it to them."""
    email = (email or "").strip()
    if len(email) > 254:
        raise ValidationError({"email": _("Cette adresse est trop longue.")})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr.")})
    existing = ContactRequest.objects.filter(deployment=deployment, email__iexact=email).first()
    if existing is not None:
        return existing
    return ContactRequest.objects.create(deployment=deployment, email=email)


def receipt_lookup(code: str) -> Response | None:
    code = receipt_code_normalise(code)
    if code is None:
        return None
    return (
        Response.objects.select_related("survey__project", "deployment__participation__organisation")
        .only(
            "receipt_code",
            "submitted_at",
            "survey__title",
            "survey__status",
            "survey__closed_at",
            "survey__project__title",
            "survey__project__slug",
            "deployment__participation__organisation__name",
        )
        .filter(receipt_code=code)
        .first()
    )


def receipt_news_scope(code: str) -> tuple[int, int] | None:
    """(participation id, survey id) of the answer a normalised receipt code belongs to, in one
    indexed read of two columns: what the news of a survey answer depend on (plans/feedback.py),
    so that a visitor's receipt page already rendered for that scope is served without loading
    the answer (make bench ONLY=plans.receipt)."""
    from django.db import connection

    from territoires.surveys.models import Deployment

    quote = connection.ops.quote_name
    sql = (
        f"SELECT d.{quote('participation_id')}, r.{quote('survey_id')} "  # noqa: S608 — names from the models
        f"FROM {quote(Response._meta.db_table)} r "
        f"JOIN {quote(Deployment._meta.db_table)} d ON d.{quote('id')} = r.{quote('deployment_id')} "
        f"WHERE r.{quote('receipt_code')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [code])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


# --- rate limiting ------------------------------------------------------------------------------

_salt_memo: dict[str, str] = register_process_cache(
    {},
    name="surveys.rate_salt",
    bench="surveys.submission",
    reason="today's rate-limit salt, read from the shared cache once per day and process",
)


def _daily_salt() -> str:
    """Today's salt, shared by every worker through the cache, forgotten after two days."""
    today = timezone.now().date().isoformat()
    salt = _salt_memo.get(today)
    if salt is None:
        cache_key = f"surveys:rate-salt:{today}"
        cache.add(cache_key, secrets.token_hex(16), timeout=2 * 24 * 3600)
        salt = cache.get(cache_key) or secrets.token_hex(16)
        _salt_memo.clear()  # only today's salt stays in memory
        _salt_memo[today] = salt
    return salt


def client_fingerprint(request) -> str:
    """A salted hash of the client address: counts requests without keeping the address."""
    address = client_address(request)
    return hashlib.sha256(f"{_daily_salt()}|{address}".encode()).hexdigest()[:32]


def rate_limit_exceeded(request, *, scope: str = "submit", account=None) -> bool:
    """True when this client sent more than the allowed number of requests in the current minute.

    Anonymous clients are counted by address hash in a count every worker shares
    (core/window_counts.py: one appended byte on the file cache, one INCR on Redis). Signed-in survey group members are identified accounts: they get ten times the
    allowance (a phone sending its queue after a day offline), counted in this process only — a
    guard against a runaway device, which spares the hot submission path a cache write.
    """
    limit = getattr(settings, "SURVEY_RATE_LIMIT_PER_MINUTE", 30)
    minute = int(timezone.now().timestamp() // 60)
    # `account`: the member a collector token names, when the request is not signed in by session.
    user = account if account is not None else getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if _account_counts.get("minute") != minute:
            _account_counts.clear()
            _account_counts["minute"] = minute
        key = (scope, user.pk)
        _account_counts[key] = count = _account_counts.get(key, 0) + 1
        return count > limit * 10
    return window_count_hit(f"surveys-rate-{scope}-{client_fingerprint(request)}", minute) > limit


_account_counts: dict = register_process_cache(
    {},
    name="surveys.account_counts",
    bench="surveys.submission",
    reason="signed-in collectors' requests this minute, counted in process (no cache write per answer)",
)


def rate_limit_message() -> str:
    return _("Trop d'envois depuis votre connexion en peu de temps. Patientez une minute puis réessayez.")
