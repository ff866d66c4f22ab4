import re

from django import template
from django.utils.safestring import mark_safe

from territoires.core.markdown import render_markdown

register = template.Library()

HEADING = re.compile(r"<(/?)h([2-5])>")


@register.filter
def markdown_in_section(text):
    """Markdown rendered under a page's h2: its headings go one level down, so the outline stays in order."""
    html = render_markdown(text)
    return mark_safe(HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}>", html))  # noqa: S308 — sanitised by nh3
