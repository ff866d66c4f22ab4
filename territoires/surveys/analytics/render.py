"""HTML of the dashboard's question blocks, built in Python.

Why not a template: the full dashboard has 30 questions and a few hundred table rows; Django's
template engine spent ~60 % of the request on them (an `{% include %}` and a dozen variable
lookups per row), more than counting 100,000 answers. The markup is the same DSFR table that a
template would give (each chart is a table with its bars), every text is escaped here, and every
label is translated with gettext.
"""

from html import escape  # the standard library's: Django's lazy-aware wrapper costs 3× more per call

from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


class Labels:
    """The translated strings of the blocks, looked up once per page."""

    def __init__(self):
        self.answer = escape(_("Réponse"))
        self.count = escape(_("Effectif"))
        self.share = escape(_("% non pondéré"))
        self.weighted_share = escape(_("% pondéré"))
        self.chart = escape(_("Graphique"))
        self.weighted = escape(_("Pondéré"))
        self.answers = _("%(n)s réponses")
        self.multiple = escape(_("plusieurs réponses possibles : les pourcentages dépassent 100 au total"))
        self.mean = escape(_("moyenne"))
        self.weighted_adjective = escape(_("pondérée"))
        self.median = escape(_("médiane"))
        self.quartiles = escape(_("quartiles"))
        self.minimum = escape(_("minimum"))
        self.maximum = escape(_("maximum"))
        self.distribution = escape(_("Distribution"))
        self.read_texts = escape(_("Lire les réponses libres"))
        self.ranking_caption = escape(_("Classement : rang moyen et part classée en premier"))
        self.option = escape(_("Option"))
        self.mean_rank = escape(_("Rang moyen"))
        self.weighted_mean_rank = escape(_("Rang moyen pondéré"))
        self.ranked_first = escape(_("Classée 1re"))
        self.ranked_first_share = escape(_("% classée 1re (pondéré)"))
        self.ranked_first_share_plain = escape(_("% classée 1re"))


def _table(caption: str, head: str, body: str) -> str:
    # The caption repeats the question's heading: kept for screen readers, hidden on screen.
    return (
        '<div class="fr-table fr-table--no-caption fr-mb-1w"><div class="fr-table__wrapper"><div class="fr-table__container" tabindex="0">'
        f'<div class="fr-table__content"><table><caption>{caption}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div></div></div></div>"
    )


def bars_table(rows: list[dict], caption: str, with_weights: bool, labels: Labels) -> str:
    head = (
        f'<th scope="col">{labels.answer}</th><th scope="col">{labels.count}</th>'
        f'<th scope="col">{labels.share}</th>'
        + (f'<th scope="col">{labels.weighted_share}</th>' if with_weights else "")
        + f'<th scope="col"><span class="fr-sr-only">{labels.chart}</span>'
        f'<span aria-hidden="true">{labels.weighted if with_weights else "%"}</span></th>'
    )
    body = []
    for row in rows:
        weighted = f"<td>{row['weighted_share_text']}&nbsp;%</td>" if with_weights else ""
        body.append(
            f'<tr><th scope="row">{escape(row["label"])}</th><td>{row["count_text"]}</td>'
            f"<td>{row['share_text']}&nbsp;%</td>{weighted}"
            '<td><span class="tec-progress" aria-hidden="true"><span class="tec-progress__bar">'
            f'<span class="tec-progress__fill" style="width: {row["bar"]:.1f}%"></span></span></span></td></tr>'
        )
    return _table(escape(caption), head, "".join(body))


def _mean_text(block: dict, with_weights: bool, labels: Labels) -> str:
    if not block.get("mean_text"):
        return ""
    text = f" · {labels.mean} {block['mean_text']}"
    if with_weights and block.get("weighted_mean_text"):
        text += f" ({labels.weighted_adjective} {block['weighted_mean_text']})"
    return text


def question_block(block: dict, survey_id: int, with_weights: bool, labels: Labels) -> str:
    code = escape(block["code"])
    parts = [
        f'<section class="fr-mb-4w" aria-labelledby="q-{code}">',
        f'<h3 class="fr-h5" id="q-{code}">{escape(block["label"])}</h3>',
        '<p class="fr-text--sm fr-mb-1w">',
        escape(labels.answers % {"n": block.get("answered_text", "0")}),
    ]
    if block.get("multiple"):
        parts.append(f" · {labels.multiple}")
    if not block.get("numeric"):
        parts.append(_mean_text(block, with_weights, labels))
    parts.append("</p>")
    if block.get("text"):
        # Dates are counted here but have no page of their own: only texts link to the free answers.
        if block.get("free_text"):
            url = reverse("surveys:free_text", args=[survey_id])
            parts.append(f'<p><a class="fr-link" href="{url}?question={code}">{labels.read_texts}</a></p>')
    elif block.get("numeric"):
        if block.get("answered"):
            weighted_mean = (
                f" ({labels.weighted_adjective} {block['weighted_mean_text']})"
                if with_weights and block.get("weighted_mean_text")
                else ""
            )
            weighted_median = f" {labels.weighted_adjective}" if with_weights else ""
            parts.append(
                f'<p class="fr-text--sm">{labels.mean.capitalize()} {block["mean_text"]}{weighted_mean} · '
                f"{labels.median}{weighted_median} {block['median_text']} · {labels.quartiles} "
                f"{block['q1_text']} – {block['q3_text']} · {labels.minimum} {block['min_text']} · "
                f"{labels.maximum} {block['max_text']}</p>"
            )
            parts.append(bars_table(block["rows"], str(_("Distribution")), with_weights, labels))
    elif block.get("ranking"):
        head = (
            f'<th scope="col">{labels.option}</th><th scope="col">{labels.mean_rank}</th>'
            + (f'<th scope="col">{labels.weighted_mean_rank}</th>' if with_weights else "")
            + f'<th scope="col">{labels.ranked_first}</th>'
            + f'<th scope="col">{labels.ranked_first_share if with_weights else labels.ranked_first_share_plain}</th>'
        )
        body = "".join(
            f'<tr><th scope="row">{escape(row["label"])}</th><td>{row["mean_rank_text"]}</td>'
            + (f"<td>{row['weighted_mean_rank_text']}</td>" if with_weights else "")
            + f"<td>{row['first_count_text']}</td><td>{row['first_share_text']}&nbsp;%</td></tr>"
            for row in block["rows"]
        )
        parts.append(_table(labels.ranking_caption, head, body))
    elif block.get("matrix_rows"):
        for row in block["matrix_rows"]:
            parts.append(f'<h4 class="fr-h6 fr-mb-1v">{escape(row["label"])}</h4>')
            parts.append(
                '<p class="fr-text--sm fr-mb-1v">'
                + escape(labels.answers % {"n": row.get("answered_text", "0")})
                + _mean_text(row, with_weights, labels)
                + "</p>"
            )
            parts.append(bars_table(row["rows"], row["label"], with_weights, labels))
    else:
        parts.append(bars_table(block.get("rows", []), block["label"], with_weights, labels))
    parts.append("</section>")
    return "".join(parts)


def question_blocks(blocks: list[dict], survey_id: int, with_weights: bool) -> str:
    labels = Labels()
    return mark_safe("".join(question_block(block, survey_id, with_weights, labels) for block in blocks))  # noqa: S308 — escaped above
