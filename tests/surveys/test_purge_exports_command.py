import datetime
import os
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from territoires.surveys.models import Export
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


def test_daily_purge_deletes_old_exports_and_their_files_and_keeps_recent_ones():
    built = make_survey()
    old = Export.objects.create(survey=built.survey, format=Export.Format.CSV, status=Export.Status.DONE)
    old.file.save("ancien.csv", ContentFile(b"a,b\n"))
    old_path = old.file.path
    Export.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    recent = Export.objects.create(survey=built.survey, format=Export.Format.CSV, status=Export.Status.DONE)

    out = StringIO()
    call_command("purge_exports", stdout=out)

    assert "1 export(s) supprimé(s)." in out.getvalue()
    assert list(Export.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not os.path.exists(old_path)
