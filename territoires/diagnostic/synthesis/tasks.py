"""Background tasks of the synthesis: they receive ids and call a service."""

from django_tasks import task

from territoires.diagnostic.synthesis.pdf import synthesis_pdf_build_file


@task()
def synthesis_pdf_build(pdf_id: int) -> str:
    """Builds a synthesis PDF (synthesis/pdf.py); returns its final status."""
    pdf = synthesis_pdf_build_file(pdf_id=pdf_id)
    return pdf.status if pdf else "missing"
