"""Seed the two method templates and give every existing project its own copy of the culture
template (the texts those projects showed until now), so that nothing changes for them."""

from django.db import migrations


def seed_and_copy(apps, schema_editor):
    from territoires.projects.methods import CULTURE_SLUG, method_copy, seed_templates

    Method = apps.get_model("projects", "Method")
    SharedProject = apps.get_model("projects", "SharedProject")
    seed_templates(Method)
    culture = Method.objects.get(project__isnull=True, slug=CULTURE_SLUG)
    for project in SharedProject.objects.filter(method__isnull=True).order_by("pk"):
        method_copy(source=culture, project=project)


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_methods")]

    operations = [migrations.RunPython(seed_and_copy, migrations.RunPython.noop)]
