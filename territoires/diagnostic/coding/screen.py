"""The coding screen's long lists as HTML built in Python: the passages coded (200 on a busy
transcript) and the codebook's checkboxes (120 codes in the benchmark's corpus). In a template
loop each would cost ~2,000 variable lookups, number formats and translations per page; here one
escaped string each (make bench ONLY=diagnostic.coding measures the page)."""

from html import escape  # the standard library's: no lazy-string wrapper, ~1,700 calls a page

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def coding_items_html(codings, *, user_id, may_code: bool) -> str:
    """<li> of each coding: number, code, offsets, words, speaker, coder, memo, and a delete button
    (of the page's one delete form) on one's own codings."""
    characters, coded_by, memo_label = _("caractères %(s)s à %(e)s"), _("codé par %(who)s"), _("Mémo")
    delete = _("Supprimer mon codage")
    parts = []
    for coding in codings:
        code = coding.code
        participant = f"{escape(coding.participant)} · " if coding.participant else ""
        memo = (
            f'<p class="fr-text--sm fr-mb-1v"><strong>{memo_label}</strong> : '
            f"{escape(coding.memo).replace(chr(10), '<br>')}</p>"
            if coding.memo
            else ""
        )
        button = ""
        if may_code and coding.coder_id == user_id:
            button = (
                f'<button class="fr-btn fr-btn--tertiary fr-btn--sm" type="submit" name="coding" '
                f'value="{coding.pk}">{delete}<span class="fr-sr-only"> {coding.number} '
                f"({escape(code.name)})</span></button>"
            )
        parts.append(
            f'<li id="codage-{coding.pk}" class="fr-py-1w coding-list__item">'
            f'<p class="fr-mb-1v"><strong>{coding.number}.</strong> '
            f'<span class="coding-swatch" style="background:{code.colour}" aria-hidden="true"></span>'
            f"<strong>{escape(code.name)}</strong> "
            f'<span class="fr-text--xs">({characters % {"s": coding.start, "e": coding.end}})</span></p>'
            f'<blockquote class="fr-text--sm fr-mb-1v coding-quote">« {escape(_short(coding.quote, 220))} »</blockquote>'
            f'<p class="fr-text--xs fr-mb-1v">{participant}{escape(coded_by % {"who": coding.coder_label})}</p>'
            f"{memo}{button}</li>"
        )
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def code_choices_html(tree, checked: set[str]) -> str:
    """The codebook as checkboxes (name "codes"), sub-codes indented, each with its definition."""
    parts = []
    for code, depth in tree:
        is_checked = " checked" if str(code.pk) in checked else ""
        hint = f'<span class="fr-hint-text">{escape(_short(code.definition, 120))}</span>' if code.definition else ""
        parts.append(
            f'<div class="fr-fieldset__element coding-choice coding-choice--{min(depth, 3)}">'
            f'<div class="fr-checkbox-group fr-checkbox-group--sm">'
            f'<input type="checkbox" id="code-choix-{code.pk}" name="codes" value="{code.pk}"{is_checked}>'
            f'<label class="fr-label" for="code-choix-{code.pk}">'
            f'<span class="coding-swatch" style="background:{code.colour}" aria-hidden="true"></span>'
            f"{escape(code.name)}{hint}</label></div></div>"
        )
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
