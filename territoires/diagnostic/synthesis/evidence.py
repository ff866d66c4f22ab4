"""Kinds of evidence of a finding, one class each, looked up in EVIDENCE_KINDS.

A kind owns: the check of the reference it stores (`clean_reference`, which also refuses a target
the author may not see), and the live view of that target for one reader (`view`), which says
`restricted` when the reader may not see it — the page then shows "preuve réservée" and nothing
of the target (not its title, not the author's note on it). Targets are never copied: the reader
sees the survey figure, the directory selection, the note or the text as they are now.

Adding a kind (the coded excerpts of the coming interviews) is one class registered here with
`register_evidence_kind`, plus its add form; the Evidence table does not change.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from territoires.diagnostic.filters import EntryFilterForm, filter_entries

EVIDENCE_KINDS: dict[str, type["EvidenceKind"]] = {}


def register_evidence_kind(kind_class):
    EVIDENCE_KINDS[kind_class.code] = kind_class
    return kind_class


def evidence_kind(code: str):
    return EVIDENCE_KINDS.get(code)


@dataclass
class EvidenceView:
    """What one reader sees of one piece of evidence."""

    evidence: object
    kind: type["EvidenceKind"]
    restricted: bool = False
    missing: bool = False
    title: str = ""
    url: str = ""
    body: SafeString | str = ""
    details: list[str] = field(default_factory=list)

    @property
    def label(self):
        return self.kind.label


class EvidenceKind:
    code = ""
    label = ""
    add_label = ""
    help_text = ""

    @classmethod
    def clean_reference(cls, *, finding, user, reference: dict) -> dict:
        raise NotImplementedError

    @classmethod
    def view(cls, evidence, user, cache: dict) -> EvidenceView:
        raise NotImplementedError

    @classmethod
    def prefetch(cls, evidence_list, cache: dict) -> None:
        """Load the targets of every piece of evidence of this kind on the page in one query."""

    @classmethod
    def restricted(cls, evidence) -> EvidenceView:
        return EvidenceView(evidence=evidence, kind=cls, restricted=True)

    @classmethod
    def missing(cls, evidence) -> EvidenceView:
        return EvidenceView(evidence=evidence, kind=cls, missing=True)


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def evidence_views(findings, user) -> dict[int, list[EvidenceView]]:
    """{finding id: [EvidenceView]} for one reader; one cache shared by the page (a survey's
    results are loaded once however many figures cite it)."""
    cache: dict = {}
    views = {}
    by_kind: dict = {}
    for finding in findings:
        for evidence in finding.evidence.all():
            evidence.finding = finding  # the finding as loaded by the page (its project's participations)
            by_kind.setdefault(evidence.kind, []).append(evidence)
    for code, evidence_list in by_kind.items():
        kind = evidence_kind(code)
        if kind is not None:
            kind.prefetch(evidence_list, cache)
    for finding in findings:
        rows = []
        for evidence in finding.evidence.all():
            kind = evidence_kind(evidence.kind)
            if kind is None:
                continue
            try:
                rows.append(kind.view(evidence, user, cache))
            except (PermissionDenied, Http404):
                rows.append(kind.restricted(evidence))
        views[finding.pk] = rows
    return views


# --- survey figures ---------------------------------------------------------------------------

SURVEY_FILTER_KEYS = ("territoire", "canal", "age", "genre", "reponse")


class _ReaderRequest:
    """What the dashboard's SurveyResults reads of a request: the reader and the filters."""

    def __init__(self, user, query: str):
        self.user = user
        self.GET = QueryDict(query)


def _clean_survey_query(query: str) -> str:
    parsed = QueryDict(query or "")
    pairs = []
    for key in SURVEY_FILTER_KEYS:
        for value in parsed.getlist(key)[:4]:
            if value:
                pairs.append((key, value[:200]))
    return urlencode(pairs)


@register_evidence_kind
class SurveyFigure(EvidenceKind):
    """A question of a survey's dashboard with the dashboard's filters (territory, channel, age,
    gender, answers), computed by the dashboard's own code for the reader, as the reader's
    dashboard would show it."""

    code = "survey_figure"
    label = gettext_lazy("Chiffre d'enquête")
    add_label = gettext_lazy("Ajouter un chiffre d'enquête")

    @classmethod
    def _results(cls, user, survey_id: int, query: str, cache: dict):
        from territoires.surveys.views.dashboard import SurveyResults

        key = ("survey", user.pk, survey_id, query)
        if key not in cache:
            cache[key] = SurveyResults(_ReaderRequest(user, query), survey_id).load()
        return cache[key]

    @classmethod
    def clean_reference(cls, *, finding, user, reference: dict) -> dict:
        from territoires.surveys.models import Deployment, Survey

        survey = Survey.objects.filter(pk=_int(reference.get("survey")), project_id=finding.project_id).first()
        if survey is None:
            raise ValidationError({"question": _("Choisissez une enquête de ce projet.")})
        code = str(reference.get("question") or "")
        if not survey.questions.filter(code=code).exists():
            raise ValidationError({"question": _("Cette question n'existe pas dans l'enquête choisie.")})
        query = QueryDict(_clean_survey_query(reference.get("query", "")), mutable=True)
        deployments = dict(Deployment.objects.filter(survey=survey).values_list("pk", "participation_id"))
        if finding.territory_id and not query.get("territoire"):
            # A territory's finding speaks of that territory: its figures by default.
            own = [pk for pk, participation in deployments.items() if participation == finding.territory_id]
            if own:
                query["territoire"] = str(own[0])
        territory = _int(query.get("territoire"))
        if query.get("territoire") and territory not in deployments:
            raise ValidationError({"territory": _("Ce territoire ne participe pas à cette enquête.")})
        query_string = query.urlencode()
        try:
            results = cls._results(user, survey.pk, query_string, {})
        except (PermissionDenied, Http404):
            raise ValidationError(_("Vous ne pouvez pas voir les résultats de cette enquête.")) from None
        if results.filters.errors:
            raise ValidationError(" ".join(str(error) for error in results.filters.errors))
        return {"survey": survey.pk, "question": code, "query": query_string}

    @classmethod
    def view(cls, evidence, user, cache: dict) -> EvidenceView:
        from territoires.surveys.analytics import render as blocks_render
        from territoires.surveys.analytics import summary

        reference = evidence.reference
        survey_id = _int(reference.get("survey"))
        if survey_id is None or not user.is_authenticated:
            return cls.restricted(evidence)
        query = reference.get("query", "")
        results = cls._results(user, survey_id, query, cache)
        # The reader sees this figure only as its author chose it: a filter on a territory they may
        # not see, or no territory filter while they see only part of the territories (their
        # dashboard would show other figures), is restricted.
        if results.filters.errors or (results.filters.territory is None and not results.sees_all):
            return cls.restricted(evidence)
        question = next((q for q in results.questions if q.code == reference.get("question")), None)
        if question is None:
            return cls.missing(evidence)
        blocks = summary.question_summaries(
            results.arrays, [question], results.weighting.weights, results.mask, results.with_weights
        )
        body = blocks_render.question_blocks(blocks, survey_id, results.with_weights)
        url = reverse("surveys:dashboard", args=[survey_id]) + (f"?{query}" if query else "") + f"#q-{question.code}"
        return EvidenceView(
            evidence=evidence,
            kind=cls,
            title=f"{results.survey.title} — {question.label}",
            url=url,
            body=body,
            details=cls.describe_filters(results),
        )

    @classmethod
    def describe_filters(cls, results) -> list[str]:
        from territoires.surveys.models import AGE_BANDS, GENDERS, Response

        filters = results.filters
        details = []
        if filters.territory is not None:
            details.append(_("Territoire : %(name)s") % {"name": results.names.get(filters.territory, "?")})
        if filters.channel:
            details.append(_("Canal : %(name)s") % {"name": dict(Response.Channel.choices).get(filters.channel)})
        if filters.age:
            details.append(_("Âge : %(name)s") % {"name": dict(AGE_BANDS).get(filters.age)})
        if filters.gender:
            details.append(_("Genre : %(name)s") % {"name": dict(GENDERS).get(filters.gender)})
        for key, code in filters.answers:
            variable = results.arrays.variable(key)
            labels = dict(zip([str(c) for c in variable.codes], variable.labels, strict=True))
            details.append(_("Réponse : %(name)s") % {"name": labels.get(code, code)})
        if results.with_weights:
            details.append(_("pondéré"))
        return details


# --- the directory (lists and map layers) -------------------------------------------------------


@register_evidence_kind
class DirectorySelection(EvidenceKind):
    """A selection of the directory: one of its pages (list, map) with its filters, counted live
    among the entries the reader may see."""

    code = "directory"
    label = gettext_lazy("Sélection de l'annuaire")
    add_label = gettext_lazy("Ajouter une sélection de l'annuaire ou de la carte")
    SHOWN = 8

    @classmethod
    def _parse(cls, address: str):
        from urllib.parse import urlsplit

        parts = urlsplit((address or "").strip())
        try:
            match = resolve(parts.path or "/")
        except Resolver404:
            return None
        if match.namespace != "diagnostic" or "slug" not in match.kwargs or "pk" in match.kwargs:
            return None
        return parts.path, parts.query, match.kwargs

    @classmethod
    def clean_reference(cls, *, finding, user, reference: dict) -> dict:
        from territoires.diagnostic import services

        parsed = cls._parse(reference.get("address", ""))
        if parsed is None or parsed[2]["slug"] != finding.project.slug:
            raise ValidationError(
                {"address": _("Collez l'adresse d'une page de l'annuaire ou de la carte de ce projet.")}
            )
        path, query, kwargs = parsed
        territories = [p for p in finding.project.participations.all() if p.is_participant]
        if "territory_slug" in kwargs and kwargs["territory_slug"] not in {t.organisation.slug for t in territories}:
            raise ValidationError({"address": _("Ce territoire ne participe pas au projet.")})
        form = EntryFilterForm(
            QueryDict(query), families=services.families_for(project=finding.project), territories=territories
        )
        # Only the filters that name something are kept (the directory's own form decides).
        return {"path": path, "query": form.query_string()}

    @classmethod
    def view(cls, evidence, user, cache: dict) -> EvidenceView:
        from territoires.diagnostic import selectors, services

        finding = evidence.finding
        project = finding.project
        if not user.has_perm("projects.view_project", project):
            return cls.restricted(evidence)
        parsed = cls._parse(evidence.reference.get("path", ""))
        if parsed is None:
            return cls.missing(evidence)
        path, _query, kwargs = parsed
        query = evidence.reference.get("query", "")
        territories = [p for p in project.participations.all() if p.is_participant]
        entries = selectors.visible_entries(user, project)
        territory_name = ""
        if "territory_slug" in kwargs:
            entries = entries.filter(territory__organisation__slug=kwargs["territory_slug"])
            territory_name = next(
                (t.organisation.name for t in territories if t.organisation.slug == kwargs["territory_slug"]), ""
            )
        families = services.families_for(project=project)
        form = EntryFilterForm(QueryDict(query), families=families, territories=territories)
        filters = form.filters()
        selected = selectors.for_listing(filter_entries(entries, filters))
        total = selected.count()
        shown = list(selected[: cls.SHOWN])
        details = [territory_name] if territory_name else []
        family_names = {family.pk: family.name for family in families}
        labels = {
            "type": _("type"),
            "famille": _("famille"),
            "quartier": _("quartier"),
            "source": _("source"),
            "territoire": _("territoire"),
            "categorie": _("catégorie"),
            "domaine": _("domaine"),
            "q": _("nom"),
        }
        territory_names = {t.pk: t.organisation.name for t in territories}
        for name, value in filters.items():
            if name == "famille":
                shown_value = family_names.get(value, value)
            elif name == "territoire":
                shown_value = territory_names.get(value, value)
            else:
                shown_value = value
            details.append(f"{labels.get(name, name)} : {shown_value}")
        if total:
            summary = ngettext("%(n)s fiche dans cette sélection.", "%(n)s fiches dans cette sélection.", total) % {
                "n": total
            }
        else:
            summary = _("Aucune fiche dans cette sélection.")
        body = format_html(
            "<p>{}</p><ul>{}</ul>",
            summary,
            format_html_join("", '<li><a href="{}">{}</a></li>', ((e.get_absolute_url(), e.name) for e in shown)),
        )
        return EvidenceView(
            evidence=evidence,
            kind=cls,
            title=ngettext("Annuaire : %(n)s fiche", "Annuaire : %(n)s fiches", total) % {"n": total},
            url=path + (f"?{query}" if query else ""),
            body=body,
            details=details,
        )


# --- observation notes and residents' texts -----------------------------------------------------


def _prefetch_targets(model, key: str, evidence_list, cache: dict, *related: str) -> None:
    """Targets of one kind by id, each sharing the finding's project object (whose participations
    the page loaded), so that checking the reader's rights on them costs no query each."""
    ids = {_int(evidence.reference.get(key)) for evidence in evidence_list} - {None}
    targets = model.objects.select_related("territory__organisation", *related).filter(pk__in=ids)
    found = {target.pk: target for target in targets}
    for evidence in evidence_list:
        target = found.get(_int(evidence.reference.get(key)))
        if target is not None and target.project_id == evidence.finding.project_id:
            target.project = target.territory.project = evidence.finding.project
    cache[model] = found


def _target(model, key: str, evidence, cache: dict, loader):
    if model in cache:
        return cache[model].get(_int(evidence.reference.get(key)))
    return loader.filter(pk=_int(evidence.reference.get(key))).first()


def _same_scope(finding, target) -> bool:
    """A territory's finding cites its own territory's material; the project's cites any territory's."""
    if target.project_id != finding.project_id:
        return False
    return finding.territory_id is None or target.territory_id == finding.territory_id


@register_evidence_kind
class ObservationEvidence(EvidenceKind):
    code = "observation"
    label = gettext_lazy("Note d'observation")
    add_label = gettext_lazy("Ajouter une note d'observation")

    @classmethod
    def clean_reference(cls, *, finding, user, reference: dict) -> dict:
        from territoires.diagnostic.observation.models import ObservationNote

        note = ObservationNote.objects.select_related("territory").filter(pk=_int(reference.get("note"))).first()
        if note is None or not _same_scope(finding, note) or not user.has_perm("diagnostic.view_observation", note):
            raise ValidationError({"note": _("Choisissez une note d'observation de ce territoire.")})
        return {"note": note.pk}

    @classmethod
    def prefetch(cls, evidence_list, cache: dict) -> None:
        from territoires.diagnostic.observation.models import ObservationNote

        _prefetch_targets(ObservationNote, "note", evidence_list, cache, "place")

    @classmethod
    def view(cls, evidence, user, cache: dict) -> EvidenceView:
        from territoires.diagnostic.observation.models import ObservationNote

        note = _target(
            ObservationNote, "note", evidence, cache,
            ObservationNote.objects.select_related("territory__organisation", "territory__project", "place"),
        )  # fmt: skip
        if note is None:
            return cls.missing(evidence)
        if not user.has_perm("diagnostic.view_observation", note):
            return cls.restricted(evidence)
        parts = [(label, value) for label, value in note.summary_fields() if value]
        body = format_html_join("", "<p class='fr-mb-1w'><strong>{}</strong> : {}</p>", parts[:3])
        return EvidenceView(
            evidence=evidence,
            kind=cls,
            title=str(note),
            url=note.get_absolute_url(),
            body=body,
            details=[note.territory.organisation.name, note.get_time_slot_display()],
        )


@register_evidence_kind
class ExpressionEvidence(EvidenceKind):
    code = "expression"
    label = gettext_lazy("Parole d'habitant")
    add_label = gettext_lazy("Ajouter un texte d'habitant")

    @classmethod
    def clean_reference(cls, *, finding, user, reference: dict) -> dict:
        from territoires.diagnostic.expression.models import Expression

        expression = Expression.objects.filter(pk=_int(reference.get("expression"))).first()
        if (
            expression is None
            or not _same_scope(finding, expression)
            or not user.has_perm("diagnostic.view_expression", expression)
            or expression.status == Expression.Status.REJECTED
        ):
            raise ValidationError({"expression": _("Choisissez un texte reçu sur ce territoire et non écarté.")})
        return {"expression": expression.pk}

    @classmethod
    def prefetch(cls, evidence_list, cache: dict) -> None:
        from territoires.diagnostic.expression.models import Expression

        _prefetch_targets(Expression, "expression", evidence_list, cache)
        prompts = {}
        for expression in cache[Expression].values():
            # The rule reads expression.prompt.is_open: one prompt object per territory.
            if expression.prompt_id not in prompts:
                prompts[expression.prompt_id] = expression.prompt
            expression.prompt = prompts[expression.prompt_id]

    @classmethod
    def view(cls, evidence, user, cache: dict) -> EvidenceView:
        from territoires.diagnostic.expression.models import Expression

        expression = _target(
            Expression, "expression", evidence, cache,
            Expression.objects.select_related("territory__organisation", "territory__project", "project", "prompt"),
        )  # fmt: skip
        if expression is None:
            return cls.missing(evidence)
        if not user.has_perm("diagnostic.view_expression", expression):
            return cls.restricted(evidence)
        details = [expression.territory.organisation.name]
        if expression.neighbourhood:
            details.append(_("quartier %(name)s") % {"name": expression.neighbourhood})
        if expression.age_band:
            details.append(expression.get_age_band_display())
        if not expression.is_public:
            details.append(_("non publié"))
        return EvidenceView(
            evidence=evidence,
            kind=cls,
            title=_("Texte reçu le %(date)s") % {"date": expression.submitted_at.strftime("%d/%m/%Y")},
            url=expression.get_absolute_url(),
            body=format_html("<blockquote class='fr-quote fr-py-1w'><p>{}</p></blockquote>", expression.text),
            details=details,
        )


# --- coded excerpts of the interviews and residents' texts ------------------------------------


@register_evidence_kind
class CodedExcerpts(EvidenceKind):
    """The excerpts of a code of the project's codebook, optionally of one territory, as the reader
    may read them now (coding/selectors.py): the project's staff only — anyone else reads "preuve
    réservée" —, and through the territory's pseudonymisation list outside the transcript circle."""

    code = "coded_excerpts"
    label = gettext_lazy("Extraits codés")
    add_label = gettext_lazy("Ajouter les extraits d'un code")
    SHOWN = 5

    @classmethod
    def clean_reference(cls, *, finding, user, reference: dict) -> dict:
        from territoires.diagnostic.coding.models import Code

        code = Code.objects.filter(pk=_int(reference.get("code")), project_id=finding.project_id).first()
        if code is None:
            raise ValidationError({"code": _("Choisissez un code de la grille de ce projet.")})
        if not user.has_perm("diagnostic.view_code_excerpts", finding.project):
            raise ValidationError(_("Vous ne pouvez pas lire les extraits codés de ce projet."))
        territories = {p.pk for p in finding.project.participations.all() if p.is_participant}
        territory = _int(reference.get("territory")) if reference.get("territory") else None
        if territory is None and finding.territory_id:
            territory = finding.territory_id  # a territory's finding speaks of its own words
        if territory is not None and territory not in territories:
            raise ValidationError({"territory": _("Ce territoire ne participe pas au projet.")})
        return {"code": code.pk, "territory": territory}

    @classmethod
    def prefetch(cls, evidence_list, cache: dict) -> None:
        from territoires.diagnostic.coding.models import Code

        ids = {_int(evidence.reference.get("code")) for evidence in evidence_list} - {None}
        cache[Code] = {code.pk: code for code in Code.objects.filter(pk__in=ids)}

    @classmethod
    def view(cls, evidence, user, cache: dict) -> EvidenceView:
        from territoires.diagnostic.coding.models import Code
        from territoires.diagnostic.coding.selectors import excerpts_present, project_territories, visible_codings

        project = evidence.finding.project
        if not user.has_perm("diagnostic.view_code_excerpts", project):
            return cls.restricted(evidence)
        code_id = _int(evidence.reference.get("code"))
        code = cache[Code].get(code_id) if Code in cache else Code.objects.filter(pk=code_id).first()
        if code is None or code.project_id != project.pk:
            return cls.missing(evidence)
        territories = {t.pk: t for t in project_territories(project)}
        territory = _int(evidence.reference.get("territory")) if evidence.reference.get("territory") else None
        codings = visible_codings(user, project).filter(code=code)
        if territory is not None:
            if territory not in territories:
                return cls.missing(evidence)
            codings = codings.filter(territory_id=territory)
        total = codings.count()
        shown = list(
            codings.select_related("transcript__interview", "expression")
            .defer("transcript__text", "expression__text")
            .order_by("territory_id", "start", "id")[: cls.SHOWN]
        )
        rows = excerpts_present(user, shown, territories)
        if total:
            summary = ngettext("%(n)s extrait codé « %(code)s ».", "%(n)s extraits codés « %(code)s ».", total) % {
                "n": total,
                "code": code.name,
            }
        else:
            summary = _("Aucun extrait codé « %(code)s » pour l'instant.") % {"code": code.name}
        # A passage whose words were edited away since it was coded is shown, but said to be checked.
        stale_mark = format_html(" · <span class='fr-badge fr-badge--sm fr-badge--warning'>{}</span>", _("à revoir"))
        body = format_html(
            "<p>{}</p>{}",
            summary,
            format_html_join(
                "",
                "<blockquote class='fr-quote fr-py-1w'><p>« {} »</p><p class='fr-text--xs'>{} · {}{}</p></blockquote>",
                (
                    (row.quote, row.territory_name, row.source_label, stale_mark if row.coding.is_stale else "")
                    for row in rows
                ),
            ),
        )
        query = f"?territory={territory}" if territory is not None else ""
        details = [territories[territory].organisation.name] if territory is not None else [_("tous les territoires")]
        if any(row.pseudonymised for row in rows):
            details.append(_("pseudonymisé"))
        return EvidenceView(
            evidence=evidence,
            kind=cls,
            title=_("Extraits codés « %(code)s »") % {"code": code.name},
            url=reverse("coding:excerpts", args=[code.pk]) + query,
            body=body,
            details=details,
        )
