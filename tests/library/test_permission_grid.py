"""Who may read, download, edit and find each kind of resource: roles × resources × actions.

Resources belong to project P, about town X (a participating territory). Each role is checked on
the rule, over HTTP (detail page, file download, edit page) and in search results. Refused reads
send a visitor to the login page and give others a 403; nothing refused ever appears in search.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from territoires.accounts.models import User
from territoires.search.selectors import search_documents
from tests.factories import UserFactory, make_project
from tests.library.helpers import make_resource

pytestmark = pytest.mark.django_db

Y, N = True, False
RESOURCES = ("public", "project", "territory", "draft")

# fmt: off
# role                 public        project       territory     draft
#                      (view, download, edit, search) for each resource
GRID = {
    "visitor":         [(Y, Y, N, Y), (N, N, N, N), (N, N, N, N), (N, N, N, N)],
    "registered":      [(Y, Y, N, Y), (N, N, N, N), (N, N, N, N), (N, N, N, N)],
    "observer":        [(Y, Y, N, Y), (N, N, N, N), (N, N, N, N), (N, N, N, N)],
    "author_x":        [(Y, Y, Y, Y), (Y, Y, Y, Y), (Y, Y, Y, Y), (Y, Y, Y, N)],  # referent of town X
    "agent_x":         [(Y, Y, N, Y), (Y, Y, N, Y), (Y, Y, N, Y), (N, N, N, N)],
    "referent_y":      [(Y, Y, N, Y), (Y, Y, N, Y), (N, N, N, N), (N, N, N, N)],  # other town of P
    "consultant":      [(Y, Y, N, Y), (Y, Y, N, Y), (Y, Y, N, Y), (N, N, N, N)],
    "other_project":   [(Y, Y, N, Y), (N, N, N, N), (N, N, N, N), (N, N, N, N)],  # referent in project Q
    "facilitator":     [(Y, Y, Y, Y), (Y, Y, Y, Y), (Y, Y, Y, Y), (Y, Y, Y, N)],
    "admin":           [(Y, Y, Y, Y), (Y, Y, Y, Y), (Y, Y, Y, Y), (Y, Y, Y, N)],
}
# fmt: on


def user_for(role, world, other):
    users = {
        "visitor": None,
        "registered": UserFactory(),
        "observer": world.observers[0],
        "author_x": world.referents[0],
        "agent_x": world.agents[0],
        "referent_y": world.referents[1],
        "consultant": world.consultant,
        "other_project": other.referents[0],
        "facilitator": world.facilitator,
        "admin": User.objects.create_superuser(email="admin@exemple.fr", password="x"),
    }
    return users[role]


@pytest.mark.parametrize("role", list(GRID))
def test_resource_grid(role, client):
    world = make_project(observers=1)
    other = make_project(title="Autre projet")
    secret = "Contenu confidentiel"
    resources = {
        "public": make_resource(world, title="Ressource publique médiathèque", body=f"{secret} public"),
        "project": make_resource(world, title="Ressource projet médiathèque", visibility="project", body=secret),
        "territory": make_resource(
            world, title="Ressource territoire médiathèque", visibility="territory", body=secret
        ),
        "draft": make_resource(world, title="Ressource brouillon médiathèque", publish=False, body=secret),
    }
    user = user_for(role, world, other)
    if user is not None:
        user = User.objects.get(pk=user.pk)  # fresh: no per-request caches from the set-up
        client.force_login(user)
    found = {hit.document.title for hit in search_documents(user or AnonymousUser(), "médiathèque").hits}

    mismatches = []
    for name, (view, download, edit, search) in zip(RESOURCES, GRID[role], strict=True):
        resource = resources[name]
        attachment = resource.attachments.get()
        checks = {
            "view": (view, reverse("library:resource_detail", args=[resource.slug])),
            "download": (download, reverse("library:attachment_download", args=[resource.slug, attachment.pk])),
            "edit": (edit, reverse("library:resource_edit", args=[resource.slug])),
        }
        for action, (allowed, url) in checks.items():
            response = client.get(url)
            # Reading a file response to its end closes it (and its file) the way the test client expects.
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if allowed:
                ok = response.status_code == 200
            else:
                ok = response.status_code == 403 or (
                    user is None and response.status_code == 302 and "/connexion" in response.url
                )
                ok = ok and secret.encode() not in body
            if not ok:
                mismatches.append(
                    f"{name}/{action}: expected {'allowed' if allowed else 'refused'}, got {response.status_code}"
                )
        if (resource.title in found) != search:
            mismatches.append(f"{name}/search: expected {'found' if search else 'hidden'}")
    assert not mismatches, mismatches


def test_only_project_members_and_facilitators_may_publish(client):
    world = make_project(observers=1)
    may = [world.referents[0], world.agents[0], world.consultant, world.facilitator]
    may_not = [world.observers[0], UserFactory()]
    for user in may:
        assert User.objects.get(pk=user.pk).has_perm("library.add_resource")
    for user in may_not:
        assert not User.objects.get(pk=user.pk).has_perm("library.add_resource")
    assert not AnonymousUser().has_perm("library.add_resource")
    client.force_login(world.observers[0])
    assert client.get(reverse("library:resource_create")).status_code == 403
