"""The header, footer and project tabs are rendered once per process (the memo tag): each page must
still get the version for its language, its visitor and its section, in any order of requests."""

import re

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse

from territoires.core.templatetags import platform_tags

pytestmark = pytest.mark.django_db

CURRENT_MENU_LINK = re.compile(r'<a class="fr-nav__link" href="([^"]*)" aria-current="page">')
PROJECT_TAB_LINKS = re.compile(r'<a class="fr-tag" href="([^"]*)"')


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_menu_marks_the_section_of_each_page_whatever_was_rendered_before(client, demo_project):
    project_url = demo_project.project.get_absolute_url()
    pages = [
        (reverse("projects:home"), reverse("projects:home")),
        (reverse("projects:theme_list"), reverse("projects:theme_list")),
        (project_url, reverse("projects:project_list")),
        (reverse("projects:home"), reverse("projects:home")),
        (reverse("library:library_list"), reverse("library:library_list")),
        (reverse("projects:about"), reverse("projects:about")),
    ]
    for url, menu_link in pages:
        assert CURRENT_MENU_LINK.findall(_html(client, url)) == [menu_link], url


def test_a_signed_in_user_gets_the_account_menu_after_a_visitor_and_back(client, demo_project):
    home = reverse("projects:home")
    visitor = _html(client, home)
    assert "Se connecter" in visitor and "Mon espace" not in visitor

    user = demo_project.referents[0]
    client.force_login(user)
    member = _html(client, home)
    assert "Mon espace" in member and "Se déconnecter" in member and "Se connecter" not in member
    # The account links appear twice (desktop header and mobile menu), each with the user's name.
    assert member.count(user.get_full_name()) == 2

    client.logout()
    assert "Mon espace" not in _html(client, home)


def test_each_language_gets_its_own_header_and_footer(client):
    home = reverse("projects:home")
    assert ">Thèmes<" in _html(client, home)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _html(client, home)
    assert ">Themes<" in english and ">Thèmes<" not in english
    assert "Version française" in english
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    french = _html(client, home)
    assert ">Thèmes<" in french and "English version" in french


def test_the_language_link_keeps_the_current_page(client):
    html = _html(client, reverse("projects:theme_list") + "?page=1")
    assert "?next=/themes/%3Fpage%3D1" in html


def test_project_tabs_follow_each_users_permissions(client, demo_project):
    project = demo_project.project
    participants_url = reverse("projects:project_participants", args=[project.slug])
    committee_url = reverse("projects:committee_detail", args=[project.slug])

    client.force_login(demo_project.facilitator)
    facilitator_tabs = PROJECT_TAB_LINKS.findall(_html(client, project.get_absolute_url()))
    assert participants_url in facilitator_tabs and committee_url in facilitator_tabs

    client.force_login(demo_project.referents[0])
    referent_tabs = PROJECT_TAB_LINKS.findall(_html(client, project.get_absolute_url()))
    assert committee_url in referent_tabs and participants_url not in referent_tabs

    client.logout()
    visitor_tabs = PROJECT_TAB_LINKS.findall(_html(client, project.get_absolute_url()))
    assert committee_url not in visitor_tabs and participants_url not in visitor_tabs


def test_project_tabs_mark_the_current_section(client, demo_project):
    project = demo_project.project
    client.force_login(demo_project.facilitator)
    overview = _html(client, project.get_absolute_url())
    assert f'href="{project.get_absolute_url()}" aria-current="page"' in overview
    charter_url = reverse("projects:charter_detail", args=[project.slug])
    charter = _html(client, charter_url)
    assert f'href="{charter_url}" aria-current="page"' in charter
    assert f'href="{project.get_absolute_url()}" aria-current="page"' not in charter


def test_the_memo_is_bounded_and_varies_on_its_values():
    template = Template('{% load platform_tags %}{% memo "test" value %}[{{ value }}|{{ other }}]{% endmemo %}')
    assert template.render(Context({"value": 1, "other": "a"})) == "[1|a]"
    # Same value: the first rendering is served (which is why only the values may vary inside).
    assert template.render(Context({"value": 1, "other": "b"})) == "[1|a]"
    assert template.render(Context({"value": 2, "other": "b"})) == "[2|b]"
    for number in range(platform_tags.MEMO_MAX_ENTRIES + 10):
        template.render(Context({"value": number}))
    assert len(platform_tags._memo) <= platform_tags.MEMO_MAX_ENTRIES


def test_capture_renders_once_for_several_uses():
    template = Template(
        "{% load platform_tags %}{% capture as block %}<b>{{ name }}</b>{% endcapture %}{{ block }}-{{ block }}"
    )
    assert template.render(Context({"name": "<i>x</i>"})) == "<b>&lt;i&gt;x&lt;/i&gt;</b>-<b>&lt;i&gt;x&lt;/i&gt;</b>"


@pytest.mark.parametrize(
    "source",
    [
        "{% load platform_tags %}{% memo header %}x{% endmemo %}",
        "{% load platform_tags %}{% capture x %}{% endcapture %}",
    ],
)
def test_misused_tags_fail_when_the_template_is_compiled(source):
    with pytest.raises(TemplateSyntaxError):
        Template(source)


def test_pagination_links_keep_the_other_parameters_in_order(rf):
    request = rf.get("/ressources/", {"type": ["methode", "outil"], "page": "3", "q": "été & co"})
    template = Template("{% load platform_tags %}{% query_replace page=4 %}|{% query_replace tri='date' %}")
    first, second = template.render(Context({"request": request})).split("|")
    assert first == "type=methode&amp;type=outil&amp;page=4&amp;q=%C3%A9t%C3%A9+%26+co"
    assert second == "type=methode&amp;type=outil&amp;page=3&amp;q=%C3%A9t%C3%A9+%26+co&amp;tri=date"


def test_no_integrity_hash_that_the_collected_files_would_not_match(client):
    """The collected DSFR stylesheet is rewritten by the manifest storage (hashed url()s), so an
    integrity attribute computed on the original file makes browsers refuse it: unstyled pages."""
    html = _html(client, reverse("projects:home"))
    assert "dsfr.min" in html
    assert "integrity=" not in html


def test_pagination_is_rendered_for_each_query_and_page_count(rf):
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    def links(path, page, items):
        request = rf.get(path)
        page_obj = Paginator(range(items), 10).page(page)
        return render_to_string("core/_pagination.html", {"page_obj": page_obj, "request": request})

    first = links("/themes/", 1, 30)
    assert "Page 1 sur 3" in first and "?page=2" in first
    second = links("/themes/?page=2", 2, 30)
    assert "Page 2 sur 3" in second and "?page=3" in second and "?page=1" in second
    assert "Page 2 sur 4" in links("/themes/?page=2", 2, 40)  # one more page since
    filtered = links("/themes/?page=2&q=culture", 2, 30)
    assert "q=culture" in filtered and "Page 2 sur 3" in filtered
    assert links("/themes/", 1, 5).strip() == ""  # one page: no pagination


def test_the_header_dialogs_are_named_by_the_buttons_that_open_them(client):
    """Screen readers announce the search and menu dialogs by name (the button that opens each)."""
    html = _html(client, reverse("projects:home"))
    for dialog, button in (("recherche-modale", "bouton-recherche"), ("menu-mobile", "bouton-menu-mobile")):
        assert re.search(rf'id="{dialog}"[^>]*aria-labelledby="{button}"', html), dialog
        assert f'id="{button}"' in html
