import re
from urllib.parse import urlencode

from django import template
from django.core.signals import setting_changed
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from territoires.core.markdown import render_markdown
from territoires.core.process_caches import register_process_cache

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return mark_safe(render_markdown(text))  # noqa: S308 — sanitised by nh3


def _section(path: str) -> str:
    """The first segment of a path, as the main menu's links are written: "/", "/themes/"…"""
    first = path.lstrip("/").split("/", 1)[0][:60]
    return f"/{first}/" if first else "/"


@register.simple_tag(takes_context=True)
def nav_section(context):
    """`{% nav_section as section %}`: what `nav_active` depends on, for `{% memo %}` to vary on."""
    return _section(context["request"].path)


@register.simple_tag(takes_context=True)
def nav_active(context, prefix):
    """aria-current on the main menu link of the current section (`prefix` is one path segment)."""
    return mark_safe(' aria-current="page"') if _section(context["request"].path) == prefix else ""


# --- rendering the same HTML less often -----------------------------------------------------------

_memo: dict[tuple, str | tuple] = register_process_cache(
    {},
    name="core.memo",
    bench="pages",
    reason="the HTML of the {% memo %} blocks and project tabs (page header and footer: ~2 ms a page)",
)
MEMO_MAX_ENTRIES = 2048  # a few kilobytes each


def memoized(key: tuple, render) -> str:
    """The HTML rendered for `key` (plus the active language) in this process, rendering it once."""
    key = (translation.get_language(), *key)
    html = _memo.get(key)
    if html is None:
        html = render()
        if len(_memo) >= MEMO_MAX_ENTRIES:  # bounded whatever paths are requested
            _memo.clear()
        _memo[key] = html
    return html


def memo_clear(**_kwargs) -> None:
    _memo.clear()


setting_changed.connect(memo_clear)


_HOLE = re.compile("\x00memo-hole-(\\d+)\x00")


class MemoNode(template.Node):
    def __init__(self, name: str, vary, holes: list[str], nodelist):
        self.name, self.vary, self.holes, self.nodelist = name, vary, holes, nodelist

    def render(self, context):
        key = (self.name, *(str(value.resolve(context)) for value in self.vary))
        if not self.holes:
            return memoized(key, lambda: self.nodelist.render(context))
        texts, order = memoized(key, lambda: self._render_with_holes(context))
        values = [context.get(hole, "") for hole in self.holes]
        escape = conditional_escape if context.autoescape else str
        pieces = [texts[0]]
        for index, text in zip(order, texts[1:], strict=True):
            pieces.append(escape(values[index]))
            pieces.append(text)
        return "".join(pieces)

    def _render_with_holes(self, context) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The block's HTML cut where the per-request values go: (texts around them, which value
        goes in each cut)."""
        markers = {hole: mark_safe(f"\x00memo-hole-{index}\x00") for index, hole in enumerate(self.holes)}
        with context.push(markers):
            html = self.nodelist.render(context)
        parts = _HOLE.split(html)
        order = tuple(int(index) for index in parts[1::2])
        if unused := [hole for index, hole in enumerate(self.holes) if index not in order]:
            raise template.TemplateSyntaxError(
                f'{{% memo "{self.name}" %}}: per-request value {", ".join(unused)} is never shown as it is '
                "({{ name }}, without a filter) in the block"
            )
        return tuple(parts[0::2]), order


@register.tag
def memo(parser, token):
    """`{% memo "name" value… [per_request name…] %}{% include "template.html" %}{% endmemo %}`:
    the included template is rendered once per process for each language and combination of the
    values, then served from memory.

    Only for markup that depends on nothing but the code, the language and those values — the
    page header and footer (links, labels, static files), which cost about 2 ms to render on every
    page otherwise. What the block does read from the request (the current section, the query
    string of pagination links) must be one of its values. What changes with each request or user
    inside the markup (the account links, the language switch's return address) is rendered
    outside the block and named after `per_request`: the included template shows it as
    `{{ name }}` and the stored HTML gets the current value at each render.

    Each memo wraps one whole included template (tests/core/test_memo.py checks every template),
    so that the memoized markup is one file whose elements open and close in it.
    """
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('{% memo %} needs a quoted name: {% memo "header" value… %}')
    vary, holes = bits[2:], []
    if "per_request" in vary:
        vary, holes = vary[: vary.index("per_request")], vary[vary.index("per_request") + 1 :]
        if not holes or not all(hole.isidentifier() for hole in holes):
            raise template.TemplateSyntaxError("{% memo … per_request %} is followed by variable names")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(bits[1][1:-1], [parser.compile_filter(bit) for bit in vary], holes, nodelist)


class CaptureNode(template.Node):
    def __init__(self, variable: str, nodelist):
        self.variable, self.nodelist = variable, nodelist

    def render(self, context):
        context[self.variable] = mark_safe(self.nodelist.render(context))  # noqa: S308 — rendered by the template engine, escaped there
        return ""


@register.tag
def capture(parser, token):
    """`{% capture as name %}…{% endcapture %}`: render a block once and use it several times as
    `{{ name }}` (the header's account links and a list's pagination appear twice on a page)."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("{% capture %} is written {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(bits[2], nodelist)


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (for pagination links)."""
    # Pairs rather than QueryDict.copy() (a deep copy): four of these on every paginated page.
    pairs, replaced = [], set()
    for key, values in context["request"].GET.lists():
        if key in kwargs:
            if key not in replaced:
                pairs.append((key, kwargs[key]))
                replaced.add(key)
        else:
            pairs.extend((key, value) for value in values)
    pairs.extend((key, value) for key, value in kwargs.items() if key not in replaced)
    return urlencode(pairs)


@register.simple_tag(takes_context=True)
def has_perm(context, permission, obj=None):
    """`{% has_perm "projects.view_committee" project as allowed %}`: rules checked in templates."""
    return context["request"].user.has_perm(permission, obj)


@register.filter
def long_date(value, with_weekday=False):
    """A date as people write it: "1er septembre 2021" in French (ordinal first day), "1 September 2021" in English."""
    from django.utils import formats, timezone, translation

    if not value:
        return ""
    if hasattr(value, "hour") and timezone.is_aware(value):
        value = timezone.localtime(value)
    text = formats.date_format(value, "l j F Y" if with_weekday else "j F Y")
    if translation.get_language() == "fr" and value.day == 1:
        text = text.replace(" 1 ", " 1er ", 1) if with_weekday else "1er" + text[1:]
    return text


@register.simple_tag(takes_context=True)
def project_nav(context, project, section=""):
    """The tabs of a shared project's pages: its own sections and those that modules register
    (resources, discussions, survey…), limited to what the current user may open.

    The permissions are checked on every request; the HTML for a given set of visible tabs is
    rendered once per process (it depends on nothing else but the project's slug and the language).
    """
    from django.template.loader import render_to_string

    from territoires.core.registry import project_tabs

    user = context["request"].user
    module_tabs = [tab for tab in project_tabs() if tab.permission is None or user.has_perm(tab.permission, project)]
    can_view_committee = user.has_perm("projects.view_committee", project)
    can_manage = user.has_perm("projects.manage_participants", project)
    visible = (*(tab.key for tab in module_tabs), can_view_committee, can_manage)

    def render():
        tabs = [(tab.label, reverse(tab.url_name, args=[project.slug]), tab.key) for tab in module_tabs]
        return render_to_string(
            "projects/_project_nav.html",
            {
                "project": project,
                "section": section,
                "tabs": tabs,
                "can_view_committee": can_view_committee,
                "can_manage": can_manage,
            },
        )

    return memoized(("project-nav", project.slug, section, visible), render)


@register.filter
def item(mapping, key):
    """mapping[key] in a template (None when absent): `{{ step_links|item:step.code }}`."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
