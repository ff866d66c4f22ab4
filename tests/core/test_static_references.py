"""Every file that a static JavaScript or CSS file names through `sourceMappingURL` exists: the
manifest storage of `collectstatic` (the first step of `make run`) stops on a missing one, as it did
when Leaflet was vendored without its source maps."""

import re
from pathlib import Path

from django.conf import settings

SOURCE_MAP = re.compile(r"[#@]\s*sourceMappingURL=([^\s*]+)")


def test_every_source_map_named_by_a_static_file_is_there():
    missing = []
    for root in settings.STATICFILES_DIRS:
        for path in Path(root).rglob("*"):
            if path.suffix not in (".js", ".css") or not path.is_file():
                continue
            for name in SOURCE_MAP.findall(path.read_text(encoding="utf-8", errors="replace")):
                if not name.startswith("data:") and not (path.parent / name).is_file():
                    missing.append(f"{path.relative_to(root)} → {name}")
    assert not missing, missing
