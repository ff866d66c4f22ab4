"""Finds the pages, forms and query parameters of the platform as a role sees them, by following
links from every URL of the URL configuration that needs no argument. Used by the hostile-input
test (tests/fuzz/test_hostile_input.py): a new page or form is reached without anyone listing it."""

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import NoReverseMatch, Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

SKIPPED_PREFIXES = ("/static/", "/media/", "/admin/", "/__")


def close_keeping_connection(response) -> None:
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, kind, default value)
    multipart: bool = False


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value or "") for key, value in attrs}
        for key, value in attrs.items():
            if key.startswith("data-") and value.startswith("/") and not value.startswith("//"):
                self.links.append(value)
        if tag in {"a", "link"} and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = Form(
                method=(attrs.get("method") or "get").lower(),
                action=attrs.get("action", ""),
                multipart="multipart" in attrs.get("enctype", ""),
            )
            self.forms.append(self._form)
        elif self._form is not None and tag in {"input", "textarea", "select", "button"} and attrs.get("name"):
            kind = attrs.get("type", "text").lower() if tag == "input" else tag
            if tag == "select":
                self._select = attrs["name"]
            self._form.fields.append((attrs["name"], kind, attrs.get("value", "")))
        elif tag == "option" and self._form is not None and self._select:
            # The first option of a select stands for its default value.
            name = self._select
            for index, (field_name, kind, value) in enumerate(self._form.fields):
                if field_name == name and kind == "select" and not value and attrs.get("value"):
                    self._form.fields[index] = (field_name, kind, attrs["value"])
                    break

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def url_patterns(resolver=None, prefix=""):
    """(route, name) of every URL pattern of the configuration."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            for route, name in url_patterns(entry, prefix + str(entry.pattern)):
                yield route, (namespace + name) if name else None
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name


def route_of(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


@dataclass
class Site:
    pages: dict[str, str] = field(default_factory=dict)  # a sample URL per route
    forms: dict[str, list[Form]] = field(default_factory=dict)  # the forms found on each sample
    targets: set[str] = field(default_factory=set)  # routes that receive a POST form


def crawl(client, *, login=None, max_pages: int = 800, per_route: int = 3, first: tuple[str, ...] = ()) -> Site:
    """`first`: pages visited before the URL configuration's own, so that a route with many
    samples (a plan page per town and project) is sampled where a role has its work."""
    seeds = list(first)
    for _route, name in url_patterns():
        if not name or name.startswith("admin"):
            continue
        try:
            seeds.append(reverse(name))
        except NoReverseMatch:
            continue
    site, seen_per_route, queue, visited = Site(), {}, deque(seeds), set()
    while queue and len(visited) < max_pages:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in visited or path.startswith(SKIPPED_PREFIXES):
            continue
        route = route_of(path)
        if route is None or seen_per_route.get(route, 0) >= per_route:
            continue
        visited.add(url)
        if login:
            login()
        response = client.get(url)
        # File responses (PDF, service worker) hold their file open until closed; closed as the
        # server would, but without request_finished closing the test's database connection (on
        # PostgreSQL that ends the test's transaction).
        close_keeping_connection(response)
        if response.status_code >= 400:
            continue
        seen_per_route[route] = seen_per_route.get(route, 0) + 1
        site.pages.setdefault(route, url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = PageParser()
        parser.feed(response.content.decode("utf-8", "replace"))
        site.forms[url] = parser.forms
        for form in parser.forms:
            action = urlsplit(urljoin(url, form.action or url)).path
            if form.method == "post" and (target := route_of(action)):
                site.targets.add(target)
        for link in parser.links:
            target = urljoin(url, link)
            parts = urlsplit(target)
            if parts.netloc and parts.netloc not in {"testserver"}:
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in visited:
                queue.append(local)
    return site
