"""Phases and steps: the reference process, and a territory's progress through its project's method.

PHASES is the process of the reference case as the charter describes it ("Action culturelle
municipale"): the seed of that method template (territoires/projects/methods.py) and the phase
vocabulary that resources are filed under. A project's own phases and steps are its Method's, in the
database; what is stored per territory is which step it completed, when, by whom, with what note.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Step:
    code: str
    label: str


@dataclass(frozen=True)
class Phase:
    code: str
    label: str
    description: str
    steps: tuple[Step, ...]


PHASES: tuple[Phase, ...] = (
    Phase(
        "diagnostic",
        _("Diagnostic territorial"),
        _("Cartographier les acteurs, écouter les habitants, mesurer les usages culturels."),
        (
            Step("actor_map", _("Cartographie des familles d'acteurs et des lieux")),
            Step("interviews", _("Entretiens semi-directifs et collectifs")),
            Step("resident_survey", _("Enquête auprès des habitants (publics et non-publics)")),
            Step("diagnostic_synthesis", _("Synthèse et tableaux de bord du diagnostic")),
        ),
    ),
    Phase(
        "codesign",
        _("Co-construction"),
        _("Imaginer, définir des objectifs et converger sur des actions avec les habitants."),
        (
            Step("method_choice", _("Choix des familles d'acteurs et de la méthode")),
            Step("divergence", _("Divergence et imagination")),
            Step("objectives", _("Objectifs et critères de réussite")),
            Step("convergence", _("Convergence sur les actions")),
        ),
    ),
    Phase(
        "adoption",
        _("Adoption du plan"),
        _("Le plan d'action est rédigé puis adopté par l'exécutif de la collectivité."),
        (
            Step("plan_drafted", _("Plan d'action rédigé")),
            Step("plan_adopted", _("Plan adopté par l'exécutif")),
        ),
    ),
    Phase(
        "feedback",
        _("Retour aux habitants"),
        _("Montrer aux habitants ce qui a été fait de leur parole."),
        (
            Step("survey_group_mobilised", _("Groupe enquête mobilisé pour le retour")),
            Step("feedback_published", _("Retour publié aux habitants")),
        ),
    ),
    Phase(
        "followup",
        _("Suivi et évaluation"),
        _("Mettre en œuvre, suivre les indicateurs et évaluer."),
        (
            Step("indicators_defined", _("Indicateurs d'évaluation définis")),
            Step("first_review", _("Premier bilan de mise en œuvre")),
        ),
    ),
)

STEPS_BY_CODE: dict[str, tuple[Phase, Step]] = {step.code: (phase, step) for phase in PHASES for step in phase.steps}


@dataclass(frozen=True)
class StepProgress:
    step: object  # MethodStep
    completion: object | None  # StepCompletion, when done
    # Labels of the earlier steps of the phase still to do: why this step cannot be marked done yet.
    missing_before: tuple[str, ...] = ()
    # True when a later step of the phase is done: reopen that one first.
    has_done_after: bool = False

    @property
    def done(self) -> bool:
        return self.completion is not None

    @property
    def can_complete(self) -> bool:
        return not self.done and not self.missing_before

    @property
    def can_reopen(self) -> bool:
        return self.done and not self.has_done_after


@dataclass(frozen=True)
class PhaseProgress:
    phase: object  # MethodPhase
    steps: list[StepProgress] = field(default_factory=list)

    @property
    def state(self) -> str:
        done = sum(1 for step in self.steps if step.done)
        if done == 0:
            return "todo"
        return "done" if done == len(self.steps) else "current"


def progress_timeline(method, completions) -> list[PhaseProgress]:
    """Each phase of the method with its steps, done or not, and what each step waits for."""
    if method is None:
        return []
    by_code = {completion.step: completion for completion in completions}
    timeline = []
    for phase in method.phase_list():
        steps = []
        for index, step in enumerate(phase.step_list):
            missing = tuple(str(s.label) for s in phase.step_list[:index] if s.code not in by_code)
            done_after = any(s.code in by_code for s in phase.step_list[index + 1 :])
            steps.append(StepProgress(step, by_code.get(step.code), missing, done_after))
        timeline.append(PhaseProgress(phase, steps))
    return timeline


def progress_percent(method, done_step_codes) -> int:
    codes = set(method.step_codes()) if method is not None else set()
    if not codes:
        return 0
    done = codes.intersection(done_step_codes)
    return round(100 * len(done) / len(codes))
