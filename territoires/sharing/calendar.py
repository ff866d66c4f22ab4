"""Peer events as iCalendar (RFC 5545), written by core/ical.py."""

from django.utils.translation import gettext as _

from territoires.core.ical import CalendarEntry, calendar_bytes


def calendar_for(events, *, request, name: str = "") -> bytes:
    host = request.get_host()
    return calendar_bytes(
        (_entry(event, request=request, host=host) for event in events), product="Rencontres entre pairs", name=name
    )


def _entry(event, *, request, host: str) -> CalendarEntry:
    url = request.build_absolute_uri(event.get_absolute_url())
    return CalendarEntry(
        uid=f"peer-event-{event.pk}@{host}",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        summary=event.title,
        description=f"{event.get_kind_display()}\n\n{event.description}\n\n{url}",
        # The video link is kept for registered people (on the page), never put in a file that travels.
        location=event.place or _("Visioconférence"),
        url=url,
        status="CONFIRMED" if event.is_published else "TENTATIVE",
        last_modified=event.updated_at,
    )
