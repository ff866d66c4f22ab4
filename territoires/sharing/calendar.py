"""Peer events as iCalendar (RFC 5545), for a calendar application to import or subscribe to."""

import datetime

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

DEFAULT_DURATION = datetime.timedelta(hours=2)


def calendar_for(events, *, request, name: str = "") -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Territoires en commun//Rencontres entre pairs//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    host = request.get_host()
    for event in events:
        calendar.add_component(_vevent(event, request=request, host=host))
    return calendar.to_ical()


def _vevent(event, *, request, host: str) -> icalendar.Event:
    vevent = icalendar.Event()
    url = request.build_absolute_uri(event.get_absolute_url())
    # Stable across exports, so that a calendar updates the event instead of duplicating it.
    vevent.add("uid", f"peer-event-{event.pk}@{host}")
    vevent.add("dtstamp", timezone.now())
    vevent.add("dtstart", event.starts_at)
    vevent.add("dtend", event.ends_at or event.starts_at + DEFAULT_DURATION)
    vevent.add("summary", event.title)
    vevent.add("description", f"{event.get_kind_display()}\n\n{event.description}\n\n{url}")
    # The video link is kept for registered people (on the page), never put in a file that travels.
    vevent.add("location", event.place or _("Visioconférence"))
    vevent.add("url", url)
    vevent.add("status", "CONFIRMED" if event.is_published else "TENTATIVE")
    vevent.add("last-modified", event.updated_at)
    return vevent
