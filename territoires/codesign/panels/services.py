"""Writes of the panels: the panel, its volunteers (form and file), its quotas, its draws.

Permission convention (as in codesign/rules.py): the views check the rules before calling these;
the services check business rules only (pool, quotas, states), since their other callers are the
draw task, the demo loader and the replay command.
"""

import csv
import io
import time
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from territoires.codesign.panels import draw as drawing
from territoires.codesign.panels.models import AGE_BANDS, FEATURES, NON_AUDIENCE, SEXES, Draw, Panel, Volunteer
from territoires.codesign.panels.quotas import derive_quotas, value_labels
from territoires.core.audit import audit_log
from territoires.core.links import absolute
from territoires.core.models import AuditEvent
from territoires.core.receipts import new_receipt_code

Action = AuditEvent.Action
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_LINES = 10_000
MAX_ERRORS_SHOWN = 30
CSV_COLUMNS = ("nom", "email", "telephone", "tranche_age", "sexe", "quartier", "aucun_lieu_culturel")


def contact_key(email: str, phone: str) -> str:
    if email:
        return "e:" + email.strip().lower()
    digits = "".join(char for char in phone if char.isdigit())
    return "t:" + digits


def panel_save(*, panel: Panel, user, neighbourhoods_text: str | None = None) -> Panel:
    if neighbourhoods_text is not None:
        panel.neighbourhoods = parse_neighbourhoods(neighbourhoods_text)
    if panel.pk is None:
        panel.created_by = user
        if not panel.neighbourhoods:
            panel.neighbourhoods = territory_neighbourhoods(panel.plan.territory)
    panel.full_clean()
    if panel.pk is not None:
        before = Panel.objects.filter(pk=panel.pk).values("size", "neighbourhoods").first()
        if before and (before["size"] != panel.size or before["neighbourhoods"] != panel.neighbourhoods):
            panel.quotas = {}  # quotas follow the size and the neighbourhoods: derived again below
    with transaction.atomic():
        panel.save()
        if not panel.quotas:
            panel.quotas, panel.quotas_source = derive_quotas(panel)
            panel.save(update_fields=["quotas", "quotas_source", "updated_at"])
        audit_log(
            actor=user, action=Action.CODESIGN_PLAN_CHANGED, target=panel, project_id=panel.plan.project_id,
            panel=panel.title,
        )  # fmt: skip
    return panel


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return "-".join("".join(char if char.isalnum() else " " for char in text).split())[:60]


def parse_neighbourhoods(text: str) -> list[dict]:
    """One neighbourhood a line ("Centre-ville" or "centre: Centre-ville")."""
    items, seen = [], set()
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        code, _sep, label = line.partition(":") if ":" in line else ("", "", line)
        label = label.strip() or code.strip()
        code = _slug(code or label)
        if not code or code in seen:
            continue
        seen.add(code)
        items.append({"code": code, "label": label[:120]})
    if len(items) > 40:
        raise ValidationError({"neighbourhoods": _("Au plus 40 quartiers.")})
    return items


def territory_neighbourhoods(territory) -> list[dict]:
    """The neighbourhoods of the territory's survey, when it has some: the same list as the survey."""
    from territoires.surveys.models import Deployment

    for neighbourhoods in (
        Deployment.objects.filter(participation=territory).order_by("-pk").values_list("neighbourhoods", flat=True)
    ):
        if neighbourhoods:
            return [
                {"code": str(n["code"])[:60], "label": str(n["label"])[:120]} for n in neighbourhoods if n.get("code")
            ]
    return []


def panel_quotas_derive(*, panel: Panel, user) -> Panel:
    panel.quotas, panel.quotas_source = derive_quotas(panel)
    panel.save(update_fields=["quotas", "quotas_source", "updated_at"])
    audit_log(actor=user, action=Action.CODESIGN_PLAN_CHANGED, target=panel, project_id=panel.plan.project_id)
    return panel


def panel_quotas_save(*, panel: Panel, quotas: dict, user) -> Panel:
    """Quotas as the facilitator edited them; each bound between 0 and the size, min ≤ max."""
    errors = []
    labels = value_labels(panel)
    for feature, values in quotas.items():
        for value, (low, high) in values.items():
            name = f"{labels.get(feature, feature)} : {labels.get((feature, value), value)}"
            if low < 0 or high < 0:
                errors.append(_("%(name)s : les bornes ne peuvent être négatives.") % {"name": name})
            elif low > high:
                errors.append(_("%(name)s : le minimum dépasse le maximum.") % {"name": name})
            elif low > panel.size:
                errors.append(_("%(name)s : le minimum dépasse la taille du panel.") % {"name": name})
    if errors:
        raise ValidationError(errors)
    panel.quotas = {feature: {value: [int(low), int(min(high, panel.size))] for value, (low, high) in values.items()}
                    for feature, values in quotas.items()}  # fmt: skip
    panel.quotas_source = _("quotas modifiés par l'équipe")
    panel.save(update_fields=["quotas", "quotas_source", "updated_at"])
    audit_log(actor=user, action=Action.CODESIGN_PLAN_CHANGED, target=panel, project_id=panel.plan.project_id)
    return panel


def panel_set_status(*, panel: Panel, status: str, user) -> Panel:
    allowed = {
        Panel.Status.DRAFT: {Panel.Status.RECRUITING},
        Panel.Status.RECRUITING: {Panel.Status.CLOSED},
        Panel.Status.CLOSED: {Panel.Status.RECRUITING},
        Panel.Status.DRAWN: set(),
    }
    if status not in allowed.get(panel.status, set()):
        raise ValidationError(_("Ce changement d'état n'est pas possible."))
    panel.status = status
    panel.save(update_fields=["status", "updated_at"])
    audit_log(
        actor=user, action=Action.CODESIGN_PLAN_CHANGED, target=panel, project_id=panel.plan.project_id, status=status
    )
    return panel


# Volunteers -----------------------------------------------------------------------------------


def volunteer_submit(*, panel: Panel, data: dict, submission_key=None) -> tuple[Volunteer, bool]:
    """A resident volunteers through the public form. A resent form (same submission key) returns
    the volunteer stored the first time; the same contact twice is refused with a message."""
    if submission_key is not None:
        existing = Volunteer.objects.filter(submission_key=str(submission_key)).first()
        if existing is not None:
            return existing, False
    if not panel.is_recruiting:
        raise ValidationError(_("L'appel à volontaires de ce panel est clos."))
    volunteer = Volunteer(
        panel=panel,
        name=data["name"].strip(),
        email=(data.get("email") or "").strip(),
        phone=(data.get("phone") or "").strip(),
        age_band=data["age_band"],
        sex=data["sex"],
        neighbourhood=data.get("neighbourhood") or "",
        non_audience=data["non_audience"],
        consent=bool(data.get("consent")),
        source=Volunteer.Source.FORM,
        receipt_code=new_receipt_code(),
        submission_key=str(submission_key) if submission_key else None,
    )
    volunteer.contact_key = contact_key(volunteer.email, volunteer.phone)
    if not volunteer.consent:
        raise ValidationError({"consent": _("Votre accord est nécessaire pour figurer dans le vivier.")})
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError as error:
        if submission_key is not None:
            again = Volunteer.objects.filter(submission_key=str(submission_key)).first()
            if again is not None:
                return again, False
        raise ValidationError(_("Ce contact est déjà inscrit au vivier de ce panel.")) from error
    return volunteer, True


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", (text or "").strip().casefold())
    return " ".join("".join(char for char in text if not unicodedata.combining(char)).split())


def _lookup(choices) -> dict[str, str]:
    found = {}
    for code, label in choices:
        found[_norm(code)] = code
        found[_norm(str(label))] = code
    return found


AGE_LOOKUP = _lookup(AGE_BANDS) | {"80 et plus": "80+", "80-+": "80+"}
SEX_LOOKUP = _lookup(SEXES) | {"h": "m", "homme": "m", "femme": "f", "autre": "x"}
NON_AUDIENCE_LOOKUP = _lookup(NON_AUDIENCE) | {
    "o": "oui",
    "n": "non",
    "1": "oui",
    "0": "non",
    "vrai": "oui",
    "faux": "non",
}


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("Le fichier n'est pas un texte lisible (UTF-8 ou Windows-1252)."))


def parse_volunteers_csv(panel: Panel, data: bytes) -> list[dict]:
    """Every line of the file checked; a file with any bad line is refused as a whole, each bad
    line named with its number and the reason (ValidationError with the list)."""
    if len(data) > MAX_CSV_BYTES:
        raise ValidationError(_("Le fichier dépasse 2 Mo."))
    text = _decode(data).replace("\x00", "")
    if not text.strip():
        raise ValidationError(_("Le fichier est vide."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [_norm(cell).replace(" ", "_") for cell in next(reader)]
    except (StopIteration, csv.Error) as error:
        raise ValidationError(_("Le fichier n'a pas de ligne d'en-tête lisible.")) from error
    optional = ("email", "telephone") if panel.neighbourhoods else ("email", "telephone", "quartier")
    missing = [column for column in CSV_COLUMNS if column not in header and column not in optional]
    if "email" not in header and "telephone" not in header:
        missing.append("email / telephone")
    if missing:
        raise ValidationError(
            _("Colonnes manquantes : %(columns)s. En-tête attendu : %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ";".join(CSV_COLUMNS)}
        )
    position = {column: header.index(column) for column in CSV_COLUMNS if column in header}
    hoods = {}
    for code, label in panel.neighbourhood_choices():
        hoods[_norm(code)] = code
        hoods[_norm(label)] = code
    existing = set(Volunteer.objects.filter(panel=panel).values_list("contact_key", flat=True))
    seen: dict[str, int] = {}
    rows, errors = [], []
    try:
        for number, cells in enumerate(reader, start=2):
            if number - 1 > MAX_CSV_LINES:
                raise ValidationError(_("Au plus %(n)s volontaires par fichier.") % {"n": MAX_CSV_LINES})
            if not any(cell.strip() for cell in cells):
                continue

            def cell(column, cells=cells):
                index = position.get(column)
                return cells[index].strip() if index is not None and index < len(cells) else ""

            problems = []
            name, email, phone = cell("nom"), cell("email"), cell("telephone")
            if not name:
                problems.append(_("nom manquant"))
            elif len(name) > 150:
                problems.append(_("nom trop long (150 caractères au plus)"))
            if email:
                from django.core.validators import validate_email

                try:
                    validate_email(email)
                except ValidationError:
                    problems.append(_("adresse électronique invalide « %(value)s »") % {"value": email[:60]})
            if len(phone) > 30 or (phone and sum(char.isdigit() for char in phone) < 6):
                problems.append(_("téléphone invalide « %(value)s »") % {"value": phone[:30]})
            if not email and not phone:
                problems.append(_("ni adresse électronique ni téléphone"))
            values = {}
            for column, feature, lookup, what in (
                ("tranche_age", "age_band", AGE_LOOKUP, _("tranche d'âge")),
                ("sexe", "sex", SEX_LOOKUP, _("sexe")),
                ("quartier", "neighbourhood", hoods, _("quartier")),
                ("aucun_lieu_culturel", "non_audience", NON_AUDIENCE_LOOKUP, _("aucun lieu culturel")),
            ):
                raw = cell(column)
                if feature == "neighbourhood" and not hoods:
                    values[feature] = ""  # the panel has no neighbourhood list: no such stratum
                    continue
                code = lookup.get(_norm(raw))
                if code is None:
                    problems.append(
                        _("%(what)s inconnu·e « %(value)s »") % {"what": what, "value": raw[:60]}
                        if raw
                        else _("%(what)s manquant·e") % {"what": what}
                    )
                values[feature] = code
            key = contact_key(email, phone)
            if email or phone:
                if key in seen:
                    problems.append(_("même contact qu'à la ligne %(line)s") % {"line": seen[key]})
                elif key in existing:
                    problems.append(_("ce contact est déjà dans le vivier"))
                seen.setdefault(key, number)
            if problems:
                errors.append(_("Ligne %(line)s : %(problems)s.") % {"line": number, "problems": " ; ".join(problems)})
                continue
            rows.append({"name": name, "email": email, "phone": phone, "contact_key": key, **values})
    except csv.Error as error:
        raise ValidationError(
            _("Le fichier n'est pas un CSV lisible : %(error)s") % {"error": str(error)[:200]}
        ) from error
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > MAX_ERRORS_SHOWN:
            shown.append(_("… et %(n)s autres lignes en erreur.") % {"n": len(errors) - MAX_ERRORS_SHOWN})
        raise ValidationError([_("Aucune ligne n'a été importée.")] + shown)
    if not rows:
        raise ValidationError(_("Le fichier ne contient aucun volontaire."))
    return rows


def volunteers_import_csv(*, panel: Panel, data: bytes, user) -> int:
    """All lines or none."""
    rows = parse_volunteers_csv(panel, data)
    try:
        with transaction.atomic():
            Volunteer.objects.bulk_create(
                [
                    Volunteer(
                        panel=panel, source=Volunteer.Source.IMPORT, consent=True,
                        receipt_code=new_receipt_code(), **row,
                    )
                    for row in rows
                ],
                batch_size=1000,
            )  # fmt: skip
            audit_log(
                actor=user, action=Action.CODESIGN_PLAN_CHANGED, target=panel, project_id=panel.plan.project_id,
                imported=len(rows),
            )  # fmt: skip
    except IntegrityError as error:
        raise ValidationError(_("Un volontaire du fichier vient d'être inscrit par ailleurs : réessayez.")) from error
    return len(rows)


# Draws ----------------------------------------------------------------------------------------


def panel_members(panel: Panel) -> list[Volunteer]:
    """The panel as it stands: everyone drawn (first draw and replacements), less those who withdrew."""
    ids = set()
    for selected in Draw.objects.filter(panel=panel, status=Draw.Status.DONE).values_list("selected", flat=True):
        ids.update(selected)
    return list(Volunteer.objects.filter(pk__in=ids, withdrawn_at__isnull=True).order_by("pk"))


def _snapshot(volunteers) -> list[list]:
    return [[v.pk, v.age_band, v.sex, v.neighbourhood, v.non_audience] for v in volunteers]


def pool_from_snapshot(snapshot) -> list[dict[str, str]]:
    return [dict(zip(FEATURES, row[1:], strict=True)) for row in snapshot]


def _active_quotas(panel: Panel, quotas: dict) -> dict:
    """Only the strata the panel has values for (no neighbourhood list: no neighbourhood stratum)."""
    return {feature: values for feature, values in quotas.items() if feature in FEATURES and values}


def _replacement_quotas(panel: Panel, members: list[Volunteer]) -> dict:
    """One seat, within what the remaining members leave of each quota."""
    quotas = {}
    for feature, values in _active_quotas(panel, panel.quotas).items():
        quotas[feature] = {}
        for value, (low, high) in values.items():
            have = sum(1 for member in members if getattr(member, feature) == value)
            quotas[feature][value] = [min(1, max(0, low - have)), max(0, min(1, high - have))]
    return quotas


def draw_request(*, panel: Panel, user, seed: int | None = None, replaces: Volunteer | None = None) -> Draw:
    """Check the quotas against the pool (refused before drawing, naming the short stratum), then
    record the draw with its seed and its pool, and queue it."""
    with transaction.atomic():
        panel = Panel.objects.select_for_update().get(pk=panel.pk)
        if Draw.objects.filter(panel=panel, status__in=(Draw.Status.QUEUED, Draw.Status.RUNNING)).exists():
            raise ValidationError(_("Un tirage de ce panel est déjà en cours."))
        members = panel_members(panel)
        if replaces is None:
            if Draw.objects.filter(panel=panel, kind=Draw.Kind.PANEL, status=Draw.Status.DONE).exists():
                raise ValidationError(_("Ce panel est déjà tiré au sort ; seuls des remplacements restent possibles."))
            quotas, seats = _active_quotas(panel, panel.quotas), panel.size
            candidates = Volunteer.objects.filter(panel=panel).in_pool().order_by("pk")
        else:
            quotas, seats = _replacement_quotas(panel, members), 1
            taken = set()
            for selected in Draw.objects.filter(panel=panel, status=Draw.Status.DONE).values_list(
                "selected", flat=True
            ):
                taken.update(selected)
            candidates = Volunteer.objects.filter(panel=panel).in_pool().exclude(pk__in=taken).order_by("pk")
        if not quotas:
            raise ValidationError(_("Aucun quota n'est défini pour ce panel."))
        snapshot = _snapshot(candidates)
        try:
            drawing.check_feasible(pool_from_snapshot(snapshot), quotas, seats, value_labels(panel))
        except drawing.DrawRefused as refused:
            raise ValidationError(refused.messages) from refused
        draw = Draw.objects.create(
            panel=panel,
            kind=Draw.Kind.REPLACEMENT if replaces else Draw.Kind.PANEL,
            algorithm=panel.algorithm,
            seed=seed or drawing.new_seed(),
            seats=seats,
            quotas=quotas,
            pool=snapshot,
            replaces=replaces,
            requested_by=user if user is not None and user.is_authenticated else None,
        )
        audit_log(
            actor=user, action=Action.CODESIGN_PLAN_CHANGED, target=panel, project_id=panel.plan.project_id,
            draw=draw.get_kind_display(), seed=draw.seed,
        )  # fmt: skip
        from territoires.codesign.panels.tasks import run_draw

        transaction.on_commit(lambda: run_draw.enqueue(draw.pk))
    return draw


def draw_compute(draw: Draw) -> drawing.DrawOutcome:
    """The algorithm on the draw's recorded pool, quotas and seed (the draw and its replay)."""
    return drawing.draw(
        pool_from_snapshot(draw.pool),
        draw.quotas,
        draw.seats,
        algorithm=draw.algorithm,
        seed=draw.seed,
        labels=value_labels(draw.panel),
    )


def draw_run(*, draw_id: int) -> Draw | None:
    """Run a queued draw (in the background task)."""
    with transaction.atomic():
        draw = Draw.objects.select_for_update().filter(pk=draw_id, status=Draw.Status.QUEUED).first()
        if draw is None:
            return None
        draw.status = Draw.Status.RUNNING
        draw.save(update_fields=["status"])
    started = time.perf_counter()
    try:
        outcome = draw_compute(draw)
    except drawing.DrawRefused as refused:
        draw.status, draw.error = Draw.Status.FAILED, "\n".join(refused.messages)
    except Exception as error:  # noqa: BLE001 - the task must leave the draw in a final state
        draw.status, draw.error = Draw.Status.FAILED, _("Le tirage a échoué : %(error)s") % {"error": str(error)[:500]}
    else:
        draw.status = Draw.Status.DONE
        draw.selected = [draw.pool[position][0] for position in outcome.selected]
        draw.probabilities = outcome.probabilities
        draw.probabilities_exact = outcome.probabilities_exact
        draw.pool_counts = outcome.pool_counts
        draw.selected_counts = outcome.selected_counts
    draw.finished_at = timezone.now()
    draw.duration_seconds = time.perf_counter() - started
    with transaction.atomic():
        draw.save()
        if draw.status == Draw.Status.DONE and draw.kind == Draw.Kind.PANEL:
            Panel.objects.filter(pk=draw.panel_id).update(status=Panel.Status.DRAWN, updated_at=timezone.now())
        if draw.status == Draw.Status.DONE:
            from territoires.codesign.panels.tasks import notify_drawn_volunteers

            transaction.on_commit(lambda: notify_drawn_volunteers.enqueue(draw.pk))
    return draw


def draw_notify_members(*, draw_id: int) -> int:
    """E-mail each person a done draw selected that they were drawn: what for, what comes next, how
    to decline. Once per person: each is locked, checked and marked (`drawn_notified_at`) with the
    sending, so that the task run twice — or twice at once — sends nothing more. Those who left no
    address, withdrew meanwhile or are fictitious (demo) get nothing. Returns the number sent."""
    draw = (
        Draw.objects.select_related("panel__plan__territory__organisation", "panel__created_by")
        .filter(pk=draw_id, status=Draw.Status.DONE)
        .first()
    )
    if draw is None:
        return 0
    sent = 0
    for volunteer_id in draw.selected:
        with transaction.atomic():
            volunteer = (
                Volunteer.objects.select_for_update()
                .filter(pk=volunteer_id, panel_id=draw.panel_id, drawn_notified_at__isnull=True)
                .exclude(email="")
                .filter(withdrawn_at__isnull=True, synthetic=False)  # the demo's are on example.org
                .first()
            )
            if volunteer is None:
                continue
            _drawn_email(draw, volunteer).send()
            volunteer.drawn_notified_at = timezone.now()
            volunteer.save(update_fields=["drawn_notified_at"])
            sent += 1
    return sent


def _drawn_email(draw: Draw, volunteer: Volunteer) -> EmailMessage:
    panel = draw.panel
    town = panel.plan.territory.organisation.name
    team = panel.created_by.email if panel.created_by and panel.created_by.email else ""
    follow_url = absolute(reverse("codesign:panel_thanks", args=[panel.public_token]))
    if volunteer.receipt_code:
        follow_url += f"?code={volunteer.receipt_code}"
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Vous avez été tiré·e au sort : %(title)s") % {"title": panel.title}
        if draw.kind == Draw.Kind.REPLACEMENT:
            drawn = _(
                "Une personne s'est désistée du panel « %(title)s » (%(kind)s) de %(town)s : vous avez été "
                "tiré·e au sort parmi les volontaires pour prendre sa place."
            )
        else:
            drawn = _(
                "Vous vous étiez proposé·e pour le panel « %(title)s » (%(kind)s) de %(town)s : le tirage au "
                "sort a eu lieu et vous faites partie des %(size)s personnes tirées."
            )
        if team:
            decline = _(
                "Si vous ne pouvez pas ou ne souhaitez plus participer, répondez simplement à ce courriel pour "
                "vous désister : l'équipe l'enregistre et une autre personne du vivier est tirée au sort à "
                "votre place, de la même façon."
            )
        else:
            decline = _(
                "Si vous ne pouvez pas ou ne souhaitez plus participer, prévenez l'équipe de %(town)s pour vous "
                "désister : elle l'enregistre et une autre personne du vivier est tirée au sort à votre place, "
                "de la même façon."
            ) % {"town": town}
        body = "\n\n".join(
            [
                _("Bonjour %(name)s,") % {"name": volunteer.name},
                drawn % {"title": panel.title, "kind": panel.get_kind_display(), "town": town, "size": panel.size},
                _("La question posée au panel : %(purpose)s") % {"purpose": panel.purpose},
                _("L'équipe de %(town)s vous contacte pour la suite : dates des séances et organisation.")
                % {"town": town},
                decline,
                _("Suivre votre volontariat : %(url)s") % {"url": follow_url},
                _("Procès-verbal public du tirage : %(url)s") % {"url": absolute(panel.get_record_url())},
            ]
        )
    return EmailMessage(
        subject=subject,
        body=body,
        to=[volunteer.email],
        reply_to=[team] if team else None,
        headers={"Auto-Submitted": "auto-generated"},
    )


def draw_replay(*, draw: Draw) -> tuple[bool, list[int]]:
    """Rerun the algorithm with the recorded seed: (same people as recorded?, the ids drawn now)."""
    outcome = draw_compute(draw)
    replayed = [draw.pool[position][0] for position in outcome.selected]
    return sorted(replayed) == sorted(draw.selected), replayed


def volunteer_withdraw(*, volunteer: Volunteer, user, replace: bool = True) -> Draw | None:
    """A volunteer leaves the pool; a member of the panel who withdraws is replaced by a draw made
    the same way (same algorithm, quotas less what the remaining members fill, a new seed)."""
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if volunteer.withdrawn_at is not None:
            raise ValidationError(_("Cette personne s'est déjà désistée."))
        was_member = volunteer.pk in {member.pk for member in panel_members(volunteer.panel)}
        volunteer.withdrawn_at = timezone.now()
        volunteer.save(update_fields=["withdrawn_at"])
        audit_log(
            actor=user, action=Action.CODESIGN_PLAN_CHANGED, target=volunteer.panel,
            project_id=volunteer.panel.plan.project_id, withdrawn=volunteer.pk,
        )  # fmt: skip
    if was_member and replace:
        return draw_request(panel=volunteer.panel, user=user, replaces=volunteer)
    return None
