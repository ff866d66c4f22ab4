"""Per-process caches: every one is registered (territoires/core/process_caches.py), says why it
exists, and is emptied by the one reset the tests' autouse fixture calls."""

import importlib
import pkgutil
import threading
import uuid
import weakref
from collections import OrderedDict

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

import territoires
from territoires.core import process_caches
from territoires.core.process_caches import process_caches as registered_caches
from territoires.core.process_caches import register_process_cache, reset_process_caches

# Module-level mutable state that is not a cache: filled once at start-up (registries) or holding
# no data (locks). Anything else of the kind must be registered.
NOT_CACHES = {
    "territoires.core.process_caches._registry": "this registry itself",
    "territoires.diagnostic.qdpx.schema._schema": "the vendored REFI-QDA schemas, parsed once (files of the code, never data)",
    "territoires.core.registry._project_counts": "registry filled by AppConfig.ready()",
    "territoires.core.receipts._receipt_sources": "registry filled by AppConfig.ready()",
    "territoires.core.registry._project_tabs": "registry filled by AppConfig.ready()",
    "territoires.core.registry._dashboard_cards": "registry filled by AppConfig.ready()",
    "territoires.core.registry._territory_sections": "registry filled by AppConfig.ready()",
    "territoires.core.registry._step_contents": "registry filled by AppConfig.ready()",
    "territoires.notifications.followables._by_key": "registry filled by AppConfig.ready()",
    "territoires.search.registry._labels": "registry filled by AppConfig.ready()",
    "territoires.search.registry._sources": "registry filled by AppConfig.ready()",
    "territoires.surveys.analytics.arrays._locks": "one lock per survey, no data",
    "territoires.core.personal_data._sources": "registry filled on import of each app's personal_data.py",
    "territoires.core.personal_data._rules": "registry filled on import of each app's personal_data.py",
}
MUTABLE_TYPES = (dict, OrderedDict, set, list, threading.local, weakref.WeakKeyDictionary, weakref.WeakValueDictionary)

# The caches the platform's speed rests on: if one disappears from the registry, its reset is lost.
KNOWN = {
    "accounts.user_statement",
    "core.code_release",
    "core.memo",
    "core.sql.converters",
    "core.sql.statements",
    "search.terms",
    "surveys.account_counts",
    "surveys.arrays",
    "surveys.collector_memo",
    "surveys.deployment_memo",
    "surveys.insert_columns",
    "surveys.insert_fields",
    "surveys.insert_sql",
    "surveys.number_separators",
    "surveys.permission_memo",
    "surveys.rate_salt",
    "surveys.readstat_check",
    "surveys.readstat_library",
    "surveys.response_fields",
    "surveys.schema",
}


def _platform_modules():
    for info in pkgutil.walk_packages(territoires.__path__, "territoires."):
        if ".migrations" not in info.name:
            yield importlib.import_module(info.name)


def _module_state():
    """(dotted name, value) of each module-level dict, set, list, thread-local or functools cache
    that a module of the platform defines (constants in UPPER_CASE and URL patterns aside)."""
    for module in _platform_modules():
        for name, value in vars(module).items():
            if name.startswith("__") or name.isupper() or name.endswith("urlpatterns"):
                continue
            if (
                hasattr(value, "cache_clear")
                and getattr(value, "__module__", None) == module.__name__
                or isinstance(value, MUTABLE_TYPES)
            ):
                yield f"{module.__name__}.{name}", value


def test_every_module_level_cache_is_registered():
    state = list(_module_state())  # imports every module first: a cache registers on import
    holders = {id(entry.holder) for entry in registered_caches()}
    unregistered = sorted(name for name, value in state if id(value) not in holders and name not in NOT_CACHES)
    assert unregistered == [], (
        "Module-level state that looks like a per-process cache is not registered: declare it with "
        "register_process_cache()/process_cached() (territoires/core/process_caches.py), or list it in "
        f"NOT_CACHES with the reason it is not a cache: {unregistered}"
    )


def test_the_not_caches_list_names_real_module_state():
    assert set(NOT_CACHES) <= {name for name, _value in _module_state()}


def bench_names() -> list[str]:
    from bench.run import all_names

    return all_names()


def test_the_caches_the_speed_rests_on_are_registered_with_a_reason():
    list(_platform_modules())
    entries = {entry.name: entry for entry in registered_caches()}
    assert set(entries) >= KNOWN
    for entry in entries.values():
        assert entry.reason, entry.name
        # The benchmark it names exists: `make bench ONLY=<bench>` runs something.
        assert entry.bench == "" or any(name.startswith(entry.bench) for name in bench_names()), entry.name


def test_the_reset_empties_every_cache_the_platform_filled(client, demo_project):
    """Fill the caches through real requests, then one reset must empty each (but the code release,
    which never goes stale)."""
    from territoires.search.text import term_of
    from territoires.surveys.collection import response_submit
    from territoires.surveys.spss import writer_available
    from tests.surveys.factories import make_survey, valid_answers

    built = make_survey(project_ns=demo_project)
    client.force_login(demo_project.referents[0])
    assert client.get(demo_project.project.get_absolute_url()).status_code == 200
    client.force_login(demo_project.facilitator)
    assert client.get(reverse("surveys:dashboard", args=[built.survey.pk])).status_code == 200
    response_submit(
        deployment=built.deployment, answers=valid_answers(), channel="online", idempotency_key=str(uuid.uuid4())
    )
    term_of("bibliothèques")
    assert writer_available()

    filled = {entry.name for entry in registered_caches() if entry.size()}
    assert {"core.memo", "core.sql.statements", "surveys.schema", "surveys.arrays", "surveys.insert_sql"} <= filled
    assert {"search.terms", "surveys.readstat_check", "accounts.user_statement"} <= filled

    reset_process_caches()
    left = {entry.name: entry.size() for entry in registered_caches() if entry.reset and entry.size()}
    assert left == {}
    assert not [entry.name for entry in registered_caches() if not entry.reset and entry.name != "core.code_release"]


def test_a_cache_must_say_why_and_be_one_of_the_supported_kinds(monkeypatch):
    monkeypatch.setattr(process_caches, "_registry", {})
    with pytest.raises(ImproperlyConfigured):
        register_process_cache({}, name="test.no_reason", reason="", bench="")
    with pytest.raises(ImproperlyConfigured):
        register_process_cache(object(), name="test.odd", reason="none", bench="")
    first = register_process_cache({}, name="test.twice", reason="a test", bench="")
    assert register_process_cache(first, name="test.twice", reason="a test", bench="") is first
    with pytest.raises(ImproperlyConfigured):
        register_process_cache({}, name="test.twice", reason="a test", bench="")


def test_a_registered_cache_is_emptied_by_the_reset(monkeypatch):
    monkeypatch.setattr(process_caches, "_registry", {})
    memo = register_process_cache({}, name="test.dict", reason="a test", bench="")
    local = register_process_cache(threading.local(), name="test.local", reason="a test", bench="")

    @process_caches.process_cached(name="test.function", reason="a test", bench="")
    def square(number):
        return number * number

    memo["a"] = 1
    local.value = 2
    assert square(3) == 9
    assert [entry.size() for entry in registered_caches()] == [1, 1, 1]
    reset_process_caches()
    assert [entry.size() for entry in registered_caches()] == [0, 0, 0]
