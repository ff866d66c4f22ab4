"""iCalendar (RFC 5545) files, for a calendar application to import or subscribe to.

Modules turn their dated things (peer events, committee meetings, …) into CalendarEntry and call
`calendar_bytes`; the icalendar package writes the file.
"""

import dataclasses
import datetime

import icalendar
from django.utils import timezone

DEFAULT_DURATION = datetime.timedelta(hours=2)


@dataclasses.dataclass(frozen=True)
class CalendarEntry:
    # Stable across exports, so that a calendar updates the entry instead of duplicating it.
    uid: str
    starts_at: datetime.datetime
    summary: str
    description: str
    location: str
    url: str
    ends_at: datetime.datetime | None = None
    status: str = "CONFIRMED"  # or TENTATIVE, CANCELLED
    last_modified: datetime.datetime | None = None


def calendar_bytes(entries, *, product: str, name: str = "") -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Territoires en commun//{product}//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    for entry in entries:
        calendar.add_component(_vevent(entry))
    return calendar.to_ical()


def _vevent(entry: CalendarEntry) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", entry.uid)
    vevent.add("dtstamp", timezone.now())
    vevent.add("dtstart", entry.starts_at)
    vevent.add("dtend", entry.ends_at or entry.starts_at + DEFAULT_DURATION)
    vevent.add("summary", entry.summary)
    vevent.add("description", entry.description)
    vevent.add("location", entry.location)
    vevent.add("url", entry.url)
    vevent.add("status", entry.status)
    if entry.last_modified is not None:
        vevent.add("last-modified", entry.last_modified)
    return vevent
