"""The draw runs in a background task (it may take from a second to minutes): the task loads the
draw's id and calls the service."""

from django_tasks import task


@task()
def run_draw(draw_id: int) -> str:
    from territoires.codesign.panels.services import draw_run

    draw = draw_run(draw_id=draw_id)
    return draw.status if draw is not None else "absent"


@task()
def notify_drawn_volunteers(draw_id: int) -> int:
    """E-mail the people a done draw selected (queued by draw_run once the draw is saved)."""
    from territoires.codesign.panels.services import draw_notify_members

    return draw_notify_members(draw_id=draw_id)
