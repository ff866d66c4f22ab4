"""The `{% memo %}` shortcut (territoires/core/templatetags/platform_tags.py) is fenced: each block
wraps one whole included template whose elements open and close in it, and what changes per request
inside that markup goes in through `per_request`, escaped, at each render."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

MEMO_TAG = re.compile(r"\{%\s*memo\b")
MEMO_OF_ONE_INCLUDE = re.compile(r'\{% memo "[^"]+"[^%]*%\}\{% include "([^"]+)" %\}\{% endmemo %\}')
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _template_files():
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += Path(settings.BASE_DIR, "territoires").glob("*/templates")
    for folder in folders:
        yield from sorted(folder.rglob("*.html"))


def _memoized_includes() -> dict[str, Path]:
    """{included template: the template that memoizes it}; fails on a memo of anything else."""
    found, misused = {}, []
    for path in _template_files():
        source = path.read_text()
        wrapped = MEMO_OF_ONE_INCLUDE.findall(source)
        if len(MEMO_TAG.findall(source)) != len(wrapped):
            misused.append(str(path))
        found.update(dict.fromkeys(wrapped, path))
    assert misused == [], f'a {{% memo %}} must wrap exactly one {{% include "…" %}}: {misused}'
    return found


def test_every_memo_wraps_one_whole_included_template():
    assert set(_memoized_includes()) == {
        "core/_chrome_head.html",
        "core/_chrome_header.html",
        "core/_chrome_menu.html",
        "core/_chrome_footer.html",
        "core/_chrome_scripts.html",
        "core/_pagination_links.html",
        "projects/_project_breadcrumb.html",
        "plans/_plan_progress.html",
        "plans/_plan_structure.html",
    }


class _Balance(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):  # <link … />: opens and closes itself
        pass

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def _contexts(rf, project):
    request = rf.get("/themes/", {"page": "2"})
    request.user = AnonymousUser()
    page_obj = Paginator(range(50), 10).page(2)
    return {
        "core/_chrome_head.html": {},
        "core/_chrome_header.html": {"tools_links": mark_safe("<ul></ul>"), "main_menu": mark_safe("<nav></nav>")},
        "core/_chrome_menu.html": {"request": request, "user": request.user},
        "core/_chrome_footer.html": {"language_links": mark_safe("<li>English version</li>")},
        "core/_chrome_scripts.html": {},
        "core/_pagination_links.html": {"request": request, "page_obj": page_obj},
        "projects/_project_breadcrumb.html": {"project": project, "current": "Charte"},
        "plans/_plan_progress.html": {"structure": _plan_structure(), "plan": None},
        "plans/_plan_structure.html": {
            "structure": _plan_structure(),
            "project": project,
            "territory": project.participations.first(),
            "can_edit": True,
            "public": False,
        },
    }


def _plan_structure():
    """A plan's structure as plans/selectors.py gives it: an axis, an objective, an action and its
    sub-action, an indicator."""
    import datetime
    from types import SimpleNamespace

    from territoires.plans.selectors import ActionRow, AxisRow, IndicatorRow, ObjectiveRow

    action = SimpleNamespace(
        pk=1, lead="Médiathèque", ends_on=datetime.date(2024, 6, 30), get_status_display="En cours"
    )
    indicator = IndicatorRow(SimpleNamespace(pk=1, name="Habitants touchés"), [], 40)
    rows = [ActionRow(action, "Action", "", 50, depth=0), ActionRow(action, "Sous-action", "", 20, depth=1)]
    objective = ObjectiveRow(1, "Objectif", "Texte", 35, rows, [indicator])
    return {
        "axes": [AxisRow(1, "Axe", "Texte", [objective])],
        "percent": 35,
        "action_count": 2,
        "status_counts": [("En cours", 2)],
    }


@pytest.mark.django_db
def test_each_memoized_template_opens_and_closes_its_own_elements(rf, demo_project):
    contexts = _contexts(rf, demo_project.project)
    for name in _memoized_includes():
        assert name in contexts, f"give {name} a context in this test"
        html = render_to_string(name, {"PLATFORM_NAME": "Territoires en commun", **contexts[name]})
        parser = _Balance()
        parser.feed(html)
        parser.close()
        assert parser.errors == [] and parser.open == [], (name, parser.errors, parser.open)


PER_REQUEST = Template(
    '{% load platform_tags %}{% memo "test-holes" value per_request who where %}'
    "<p>{{ value }}|{{ who }}|{{ where }}|{{ who }}</p>{% endmemo %}"
)


def test_per_request_values_are_put_in_at_each_render_and_escaped():
    first = PER_REQUEST.render(Context({"value": 1, "who": mark_safe("<b>Ana</b>"), "where": "a&b"}))
    assert first == "<p>1|<b>Ana</b>|a&amp;b|<b>Ana</b></p>"
    second = PER_REQUEST.render(Context({"value": 1, "who": "<i>Bo</i>", "where": ""}))
    assert second == "<p>1|&lt;i&gt;Bo&lt;/i&gt;||&lt;i&gt;Bo&lt;/i&gt;</p>"


def test_a_per_request_value_the_block_never_shows_as_it_is_is_an_error():
    template = Template(
        '{% load platform_tags %}{% memo "test-unused" per_request who %}<p>{{ who|upper }}</p>{% endmemo %}'
    )
    with pytest.raises(TemplateSyntaxError, match="who"):
        template.render(Context({"who": "Ana"}))


@pytest.mark.parametrize(
    "source",
    [
        '{% load platform_tags %}{% memo "x" per_request %}x{% endmemo %}',
        '{% load platform_tags %}{% memo "x" per_request user.name %}x{% endmemo %}',
    ],
)
def test_per_request_takes_variable_names(source):
    with pytest.raises(TemplateSyntaxError):
        Template(source)
