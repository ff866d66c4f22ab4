from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBoundField
from dsfr.utils import dsfr_input_class_attr

from territoires.core.idempotency import FIELD_NAME, new_submission_key

FIRST_YEAR, LAST_YEAR = 1900, 2100


def validate_plausible_year(value) -> None:
    """Dates of the platform (meetings, deliberations, events, answers) fall within 1900–2100.

    A year 1 or 9999 is a typing slip; it would also overflow once converted to UTC (a meeting dated
    year 1 was saved on PostgreSQL and then broke the committee pages for everyone).
    """
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Indiquez une date entre %(first)s et %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code="implausible_year",
        )


class DsfrFormMixin:
    """Renders fields with the State design system's markup (django-dsfr snippets); every date field
    refuses years outside 1900–2100."""

    template_name = "dsfr/form_snippet.html"
    bound_field_class = DsfrBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                field.validators.append(validate_plausible_year)
            elif isinstance(field, forms.ModelChoiceField):
                _refuse_overflowing_ids(field)
        # visible_fields() made (and cached) the bound fields, which copy a field's label and help
        # text when made: a form that sets them after this __init__ (the builder's option help, a
        # lead role named by the method) would otherwise never show them.
        self._bound_fields_cache.clear()


def _refuse_overflowing_ids(field: forms.ModelChoiceField) -> None:
    """A forged choice of 40 digits is an invalid choice, not a 500: the database driver raises
    OverflowError, which Django's choice fields do not expect."""
    clean = field.clean

    def clean_or_refuse(value):
        try:
            return clean(value)
        except OverflowError:
            raise ValidationError(
                field.error_messages["invalid_choice"], code="invalid_choice", params={"value": "…"}
            ) from None

    field.clean = clean_or_refuse

    def get_context(self):
        context = super().get_context()
        # Mark optional fields rather than required ones, as the design system now recommends.
        context["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return context


class DsfrForm(DsfrFormMixin, forms.Form):
    pass


class DsfrModelForm(DsfrFormMixin, forms.ModelForm):
    pass


class SubmissionKeyMixin(forms.Form):
    """A hidden random key so that a form sent twice is stored once (see core.idempotency)."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(FIELD_NAME, new_submission_key())


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def id_from(value) -> int | None:
    """A database id typed or forged by the user ("abc", "1.5", 40 digits): a positive int or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def form_errors_from(error, form) -> None:
    """Attach a service's ValidationError to the form, field by field when it names fields."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
