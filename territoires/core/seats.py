"""Seats and waiting lists, shared by every kind of registration (peer events, workshops).

A registration is a row with a `status` ("confirmed" or "waiting"), a `created_at` and a
`promoted_at`; its event has a `capacity`. The caller locks the event row first (select_for_update;
on SQLite the IMMEDIATE transaction mode already serialises writers), so that two people never take
the last seat together.
"""

from django.utils import timezone

CONFIRMED = "confirmed"
WAITING = "waiting"


def seat_status(registrations, *, capacity: int) -> str:
    """The status a new registration gets: a seat if one is free, else the end of the waiting list."""
    confirmed = registrations.filter(status=CONFIRMED).count()
    return CONFIRMED if confirmed < capacity else WAITING


def seats_fill(registrations, *, capacity: int) -> list:
    """Move the first people of the waiting list to free seats, in arrival order; returns them."""
    free = capacity - registrations.filter(status=CONFIRMED).count()
    if free <= 0:
        return []
    promoted = list(registrations.filter(status=WAITING).order_by("created_at", "id")[:free])
    now = timezone.now()
    for registration in promoted:
        registration.status = CONFIRMED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
    return promoted


def waiting_position(registrations, registration) -> int:
    """1 for the first person waiting."""
    waiting = registrations.filter(status=WAITING)
    earlier = waiting.filter(created_at__lt=registration.created_at) | waiting.filter(
        created_at=registration.created_at, id__lt=registration.id
    )
    return earlier.count() + 1
