"""A form of the platform that sets a field's help text or label after its own __init__ shows
them: the design-system mixin no longer keeps bound fields made before (they copy both when made)."""

from django import forms

from territoires.core.forms import DsfrForm


class LateHelpForm(DsfrForm):
    options = forms.CharField(widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["options"].help_text = "Une ligne par option."
        self.fields["options"].label = "Options de réponse"


def test_a_help_text_and_label_set_after_init_are_rendered():
    rendered = str(LateHelpForm()["options"].as_field_group())
    assert "Une ligne par option." in rendered and "Options de réponse" in rendered
