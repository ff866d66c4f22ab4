"""Voting methods, one class each (kinds as objects): what a voter fills in, how a filled ballot is
checked, how the votes are counted, and which template presents the result.

A vote's `choices` is {option id (str): int}:
- approval: 1 for each approved option (others absent);
- dot voting: points given to each option (absent = 0), at most `ballot.points` in all;
- majority judgment: a grade for every option, 0 (À rejeter) … 5 (Excellent);
- ranking: a rank for every option, 1 (first) … n, each rank used once (counted by Borda).

Each `tally` is a pure function of the options and the list of choices, tested against examples
worked by hand in tests/codesign/test_voting.py.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass
class OptionResult:
    option: object
    rank: int = 0
    score: float = 0
    # Method-specific figures (counts per grade, per rank, the majority grade, …).
    details: dict = field(default_factory=dict)


@dataclass
class Result:
    voters: int
    rows: list[OptionResult]
    # Options that no rule separates (a tie that stays a tie): said, never hidden.
    ties: list[list[object]] = field(default_factory=list)


def _ranked(rows: list[OptionResult], key) -> list[OptionResult]:
    """Sort by key (higher first) and give equal keys the same rank (1, 2, 2, 4)."""
    rows.sort(key=lambda row: (key(row), -row.option.position, -row.option.pk), reverse=True)
    previous, rank = None, 0
    for index, row in enumerate(rows, start=1):
        current = key(row)
        if current != previous:
            rank, previous = index, current
        row.rank = rank
    return rows


def _ties(rows: list[OptionResult]) -> list[list[object]]:
    groups: dict[int, list] = {}
    for row in rows:
        groups.setdefault(row.rank, []).append(row.option)
    return [options for options in groups.values() if len(options) > 1]


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class VotingMethod:
    code = ""
    label = ""
    help = ""
    form_template = ""
    result_template = ""

    def parse(self, data, *, options, ballot) -> dict[str, int]:
        """The choices from a submitted form (a QueryDict or a dict); ValidationError in French."""
        raise NotImplementedError

    def tally(self, *, options, votes: list[dict], ballot=None) -> Result:
        raise NotImplementedError

    @staticmethod
    def field_name(option) -> str:
        return f"option-{option.pk}"


class Approval(VotingMethod):
    code = "approval"
    label = gettext_lazy("Vote par approbation")
    help = gettext_lazy("Chaque personne coche toutes les propositions qu'elle approuve.")
    form_template = "codesign/voting/approval_form.html"
    result_template = "codesign/voting/approval_result.html"

    def parse(self, data, *, options, ballot):
        chosen = {str(o.pk): 1 for o in options if data.get(self.field_name(o)) in ("1", "on", 1, True)}
        if not chosen:
            raise ValidationError(_("Cochez au moins une proposition."))
        return chosen

    def tally(self, *, options, votes, ballot=None):
        rows = []
        for option in options:
            approvals = sum(1 for choice in votes if choice.get(str(option.pk)) == 1)
            share = approvals / len(votes) if votes else 0
            rows.append(OptionResult(option, score=approvals, details={"share": share, "percent": round(100 * share)}))
        rows = _ranked(rows, lambda row: row.score)
        return Result(len(votes), rows, _ties(rows))


class DotVoting(VotingMethod):
    code = "dots"
    label = gettext_lazy("Vote par gommettes")
    help = gettext_lazy(
        "Chaque personne répartit ses gommettes entre les propositions, plusieurs sur une même si elle veut."
    )
    form_template = "codesign/voting/dots_form.html"
    result_template = "codesign/voting/dots_result.html"

    def parse(self, data, *, options, ballot):
        chosen = {}
        for option in options:
            raw = data.get(self.field_name(option), "")
            if raw in ("", None):
                continue
            points = _int(raw)
            if points is None or points < 0:
                raise ValidationError(
                    _("Indiquez un nombre entier de gommettes, zéro ou plus, pour chaque proposition.")
                )
            if points:
                chosen[str(option.pk)] = points
        total = sum(chosen.values())
        if total > ballot.points:
            raise ValidationError(
                _("Vous avez placé %(total)d gommettes, pour %(allowed)d permises : retirez-en %(extra)d.")
                % {"total": total, "allowed": ballot.points, "extra": total - ballot.points}
            )
        if not total:
            raise ValidationError(_("Placez au moins une gommette."))
        return chosen

    def tally(self, *, options, votes, ballot=None):
        rows = []
        total = sum(sum(choice.values()) for choice in votes) or 1
        for option in options:
            points = sum(choice.get(str(option.pk), 0) for choice in votes)
            supporters = sum(1 for choice in votes if choice.get(str(option.pk), 0) > 0)
            rows.append(
                OptionResult(
                    option, score=points, details={"supporters": supporters, "percent": round(100 * points / total)}
                )
            )
        # Equal points: the option more people supported goes first (a broad support over a few
        # people who put all their dots on it).
        rows = _ranked(rows, lambda row: (row.score, row.details["supporters"]))
        return Result(len(votes), rows, _ties(rows))


GRADES = (
    gettext_lazy("À rejeter"),
    gettext_lazy("Insuffisant"),
    gettext_lazy("Passable"),
    gettext_lazy("Assez bien"),
    gettext_lazy("Bien"),
    gettext_lazy("Excellent"),
)


def majority_grade(counts: list[int]) -> int:
    """The majority grade of a merit profile (counts per grade, worst first): the median vote, the
    lower of the two middle votes when their number is even (Balinski and Laraki's convention)."""
    total = sum(counts)
    if not total:
        return 0
    position = (total - 1) // 2  # index of the lower median in the votes sorted worst first
    seen = 0
    for grade, count in enumerate(counts):
        seen += count
        if seen > position:
            return grade
    return len(counts) - 1


def majority_value(counts: list[int]) -> tuple[int, ...]:
    """Balinski and Laraki's tie-breaking: the majority grade, then the majority grade once one
    vote at that grade is removed, and so on until no vote is left. Options compare by this
    sequence, greatest first (lexicographic order)."""
    counts = list(counts)
    sequence = []
    for _vote in range(sum(counts)):
        grade = majority_grade(counts)
        sequence.append(grade)
        counts[grade] -= 1
    return tuple(sequence)


class MajorityJudgment(VotingMethod):
    code = "majority_judgment"
    label = gettext_lazy("Jugement majoritaire")
    help = gettext_lazy(
        "Chaque personne attribue une mention à chaque proposition ; la mention majoritaire (médiane) classe "
        "les propositions, et les égalités se départagent en retirant une à une les mentions médianes."
    )
    form_template = "codesign/voting/mj_form.html"
    result_template = "codesign/voting/mj_result.html"
    grades = GRADES

    def parse(self, data, *, options, ballot):
        chosen = {}
        missing = []
        for option in options:
            grade = _int(data.get(self.field_name(option), ""))
            if grade is None:
                missing.append(option.label)
                continue
            if not 0 <= grade < len(self.grades):
                raise ValidationError(_("Mention inconnue : choisissez parmi les mentions proposées."))
            chosen[str(option.pk)] = grade
        if missing:
            raise ValidationError(
                _("Attribuez une mention à chaque proposition ; il en manque pour : %(labels)s.")
                % {"labels": ", ".join(missing)}
            )
        return chosen

    def tally(self, *, options, votes, ballot=None):
        rows = []
        for option in options:
            counts = [0] * len(self.grades)
            for choice in votes:
                grade = choice.get(str(option.pk))
                # A vote that left an option ungraded counts it "À rejeter", as the method says.
                counts[grade if isinstance(grade, int) and 0 <= grade < len(self.grades) else 0] += 1
            total = sum(counts) or 1
            grade = majority_grade(counts)
            above = sum(counts[grade + 1 :])
            below = sum(counts[:grade])
            rows.append(
                OptionResult(
                    option,
                    score=grade,
                    details={
                        "counts": counts,
                        "majority_grade": grade,
                        "majority_label": self.grades[grade],
                        "value": majority_value(counts),
                        # The profile, best grade first, as the merit profile draws it.
                        "profile": [
                            {
                                "grade": index,
                                "label": self.grades[index],
                                "count": counts[index],
                                "percent": round(100 * counts[index] / total, 1),
                            }
                            for index in reversed(range(len(self.grades)))
                        ],
                        "above": round(100 * above / total),
                        "below": round(100 * below / total),
                    },
                )
            )
        rows = _ranked(rows, lambda row: row.details["value"])
        return Result(len(votes), rows, _ties(rows))


class Ranking(VotingMethod):
    code = "ranking"
    label = gettext_lazy("Classement (méthode de Borda)")
    help = gettext_lazy(
        "Chaque personne classe toutes les propositions ; une proposition reçoit n − 1 points pour une "
        "première place, n − 2 pour une deuxième, … 0 pour la dernière. À points égaux, le plus de "
        "premières places l'emporte."
    )
    form_template = "codesign/voting/ranking_form.html"
    result_template = "codesign/voting/ranking_result.html"

    def parse(self, data, *, options, ballot):
        count = len(options)
        chosen = {}
        for option in options:
            rank = _int(data.get(self.field_name(option), ""))
            if rank is None or not 1 <= rank <= count:
                raise ValidationError(_("Donnez à chaque proposition un rang entre 1 et %(count)d.") % {"count": count})
            chosen[str(option.pk)] = rank
        if len(set(chosen.values())) != count:
            raise ValidationError(_("Chaque rang ne s'utilise qu'une fois : deux propositions ont le même rang."))
        return chosen

    def tally(self, *, options, votes, ballot=None):
        count = len(options)
        rows = []
        for option in options:
            per_rank = [0] * count
            points = 0
            for choice in votes:
                rank = choice.get(str(option.pk))
                if isinstance(rank, int) and 1 <= rank <= count:
                    per_rank[rank - 1] += 1
                    points += count - rank
            rows.append(OptionResult(option, score=points, details={"per_rank": per_rank}))
        rows = _ranked(rows, lambda row: (row.score, tuple(row.details["per_rank"])))
        return Result(len(votes), rows, _ties(rows))


METHODS: dict[str, VotingMethod] = {
    method.code: method for method in (Approval(), DotVoting(), MajorityJudgment(), Ranking())
}


def method_of(code: str) -> VotingMethod:
    return METHODS[code]


def method_choices() -> list[tuple[str, str]]:
    return [(code, method.label) for code, method in METHODS.items()]
