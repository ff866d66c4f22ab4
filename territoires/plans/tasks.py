"""Background tasks of the action plans: they receive ids and call a service."""

from django_tasks import task

from territoires.plans import feedback


@task()
def send_feedback(plan_id: int) -> int:
    """E-mails the residents who left their address (plans/feedback.py); returns how many were told."""
    return feedback.feedback_send(plan_id=plan_id)


@task()
def build_report(report_id: int) -> str:
    """Builds an evaluation report's PDF (plans/reports.py); returns its final status."""
    from territoires.plans.reports import report_build

    report = report_build(report_id=report_id)
    return report.status if report else "missing"
