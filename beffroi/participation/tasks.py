"""Background work of citizen participation (run by `beffroi worker`)."""

from django_tasks import task

from beffroi.participation.models import Panel


@task()
def panel_greedy_compute(*, panel_id: int, runs: int) -> None:
    """The greedy method's probabilities beside a drawn panel's LEXIMIN ones (minutes of computation)."""
    from beffroi.participation.services.panels import panel_greedy_compare

    panel = Panel.objects.filter(pk=panel_id).first()
    if panel is not None and panel.drawn:
        panel_greedy_compare(panel=panel, runs=runs)
