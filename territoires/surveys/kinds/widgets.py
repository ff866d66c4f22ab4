"""Small helpers of the questionnaire's widgets, shared by the kinds and views/collect.py."""

import re

SELECT_THRESHOLD = 8  # more options than this: a drop-down list instead of radio buttons


def pick(text_fr: str, text_en: str, language: str) -> str:
    return text_en if language != "fr" and text_en else text_fr


def neighbourhood_options(deployment):
    return [
        {"code": str(item["code"]), "label": str(item.get("label") or item["code"]), "label_en": ""}
        for item in deployment.neighbourhoods or []
        if isinstance(item, dict) and item.get("code") not in (None, "")
    ]


def choice(question_id, index, value, label, checked, number=None):
    return {
        "id": f"{question_id}-{index}",
        "value": value,
        "label": label,
        "checked": checked,
        "number": number,
    }


REFERENCE_RE = re.compile(r"\$\{(\w+)\}")


def fill_references(text: str, answers: dict) -> str:
    """XLSForm label references: "${prenom}" replaced by that question's answer so far ("…" when
    it has none yet, a list of codes joined by commas)."""
    if "${" not in text:
        return text

    def answer_of(match):
        value = answers.get(match.group(1))
        if isinstance(value, list):
            return ", ".join(str(item) for item in value) or "…"
        if value is None or value == "" or isinstance(value, dict):
            return "…"
        return str(value)

    return REFERENCE_RE.sub(answer_of, text)
