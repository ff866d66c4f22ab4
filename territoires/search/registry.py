"""Labels for the codes other apps store on search documents (kinds, licences), so that the search
page names them in French without importing those apps. Apps register from AppConfig.ready()."""

_labels: dict[str, dict[str, str]] = {"kind": {}, "licence": {}}


def register_labels(field: str, labels) -> None:
    """field is "kind" or "licence"; labels is {code: label} or Django choices [(code, label)]."""
    _labels.setdefault(field, {}).update(dict(labels))


def label_for(field: str, code: str) -> str:
    return str(_labels.get(field, {}).get(code, code))
