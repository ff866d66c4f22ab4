"""The phases every participating territory goes through, and the steps a referent marks done.

Phases and steps are defined here, in code, because they are the method of a shared project as the
charter describes it; what is stored is which step each territory completed, when and by whom.
"""

from dataclasses import dataclass

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
TOTAL_STEPS = len(STEPS_BY_CODE)
STEP_CHOICES = [(code, str(step.label)) for code, (_phase, step) in STEPS_BY_CODE.items()]


@dataclass(frozen=True)
class PhaseProgress:
    phase: Phase
    done_steps: frozenset[str]

    @property
    def state(self) -> str:
        done = len(self.done_steps)
        if done == 0:
            return "todo"
        return "done" if done == len(self.phase.steps) else "current"

    @property
    def steps(self):
        return [(step, step.code in self.done_steps) for step in self.phase.steps]


def progress_timeline(done_step_codes) -> list[PhaseProgress]:
    done = frozenset(done_step_codes)
    return [PhaseProgress(phase, frozenset(s.code for s in phase.steps if s.code in done)) for phase in PHASES]


def progress_percent(done_step_codes) -> int:
    done = {code for code in done_step_codes if code in STEPS_BY_CODE}
    return round(100 * len(done) / TOTAL_STEPS)
