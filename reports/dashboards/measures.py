"""The record-reading measures the dashboard shows, each tied to a question of the CPO reading
tool (qi_framework/data/instruments/cpo_file_reading_v1.json) by its stable code.

A measure is a rating ("good or better" out of the records rated) or a yes/no question ("yes"
out of the records where it applied: "not applicable" answers are left out of the
denominator). A cross-tab compares the timeliness of an assessment or plan across quality
groups, as the seed report does. Summaries (ADR 0009) store the counts every measure and
cross-tab needs; changing this list changes `DEFINITION` and so recomputes every summary.
"""

import hashlib
from dataclasses import dataclass

from reports.statistics import (
    ADEQUATE_OR_WEAK,
    GOOD_OR_BETTER,
    VERY_GOOD_OR_EXCELLENT,
    GradeGroup,
)

RATING = "rating"
YES_NO = "yes_no"
GRADES = ("6", "5", "4", "3", "2", "1")
YES_NO_VALUES = ("yes", "no", "na")
RATING_POSITIVE = frozenset(str(g) for g in GOOD_OR_BETTER.values)
RATING_COUNTED = frozenset(GRADES)
YES_POSITIVE = frozenset({"yes"})
YES_COUNTED = frozenset({"yes", "no"})


@dataclass(frozen=True)
class Measure:
    code: str  # in addresses: "court-report-quality"
    label: str  # "Court report quality"
    question: str  # the question code in the reading tool
    kind: str  # RATING or YES_NO
    subject: str  # plural noun phrase for the words: "court reports"
    predicate: str  # "were good or better"

    @property
    def positive(self) -> frozenset[str]:
        """The answers the measure counts in its numerator."""
        return RATING_POSITIVE if self.kind == RATING else YES_POSITIVE

    @property
    def counted(self) -> frozenset[str]:
        """The answers in its denominator."""
        return RATING_COUNTED if self.kind == RATING else YES_COUNTED

    @property
    def definition(self) -> str:
        if self.kind == RATING:
            return (
                f"Sampled records whose answer that counts for “{self.label.lower()}” is 4, 5 or 6 "
                "(good or better) on the six-point scale, out of the records rated. The answer "
                "that counts is the moderated answer where there is one, else the first reading's."
            )
        return (
            f"Sampled records whose answer that counts for “{self.label}” is “yes”, out of "
            "the records answered “yes” or “no” (“not applicable” is left out). The answer "
            "that counts is the moderated answer where there is one, else the first reading's."
        )


@dataclass(frozen=True)
class CrossTabMeasure:
    code: str  # "lscmi-quality-timeliness"
    label: str
    rating: str  # question code of the quality rating (rows)
    timeliness: str  # question code of the yes/no timeliness answer (columns)
    subject: str  # "LS/CMI assessments"
    predicate: str  # "were completed within 20 working days"
    first: tuple[str, GradeGroup] = ("rated very good or excellent", VERY_GOOD_OR_EXCELLENT)
    second: tuple[str, GradeGroup] = ("rated adequate or weak", ADEQUATE_OR_WEAK)


MEASURES: tuple[Measure, ...] = (
    Measure(
        "court-report-quality",
        "Court report quality",
        "cjswr_quality",
        RATING,
        "court reports",
        "were good or better",
    ),
    Measure(
        "lscmi-completed",
        "LS/CMI assessment completed",
        "lscmi_completed",
        YES_NO,
        "records",
        "had an LS/CMI assessment completed",
    ),
    Measure(
        "lscmi-on-time",
        "LS/CMI completed within 20 working days",
        "lscmi_within_20_days",
        YES_NO,
        "LS/CMI assessments",
        "were completed within 20 working days",
    ),
    Measure(
        "lscmi-quality",
        "LS/CMI assessment quality",
        "lscmi_quality",
        RATING,
        "LS/CMI assessments",
        "were good or better",
    ),
    Measure(
        "cmp-on-time",
        "Case management plan on time",
        "cmp_within_timescale",
        YES_NO,
        "case management plans",
        "were completed within the expected timescale",
    ),
    Measure(
        "cmp-quality",
        "Case management plan quality",
        "cmp_quality",
        RATING,
        "case management plans",
        "were good or better",
    ),
    Measure(
        "review-3-months",
        "Review held at 3 months",
        "review_3_months",
        YES_NO,
        "records",
        "had a review at 3 months",
    ),
    Measure(
        "review-6-months",
        "Review held at 6 months",
        "review_6_months",
        YES_NO,
        "records",
        "had a review at 6 months",
    ),
    Measure(
        "home-visits",
        "Home visit carried out",
        "home_visit_done",
        YES_NO,
        "records",
        "had a home visit",
    ),
    Measure(
        "upw-starts",
        "Unpaid work started within 7 working days",
        "upw_placement_within_7_days",
        YES_NO,
        "unpaid work placements",
        "started within 7 working days",
    ),
)

CROSSTABS: tuple[CrossTabMeasure, ...] = (
    CrossTabMeasure(
        "lscmi-quality-timeliness",
        "LS/CMI quality against timeliness",
        "lscmi_quality",
        "lscmi_within_20_days",
        "LS/CMI assessments",
        "were completed within 20 working days",
    ),
    CrossTabMeasure(
        "cmp-quality-timeliness",
        "Case management plan quality against timeliness",
        "cmp_quality",
        "cmp_within_timescale",
        "case management plans",
        "were completed within the expected timescale",
    ),
)

MEASURE_BY_CODE = {m.code: m for m in MEASURES}
CROSSTAB_BY_CODE = {c.code: c for c in CROSSTABS}
# Every question whose answers the summaries count.
QUESTION_CODES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [m.question for m in MEASURES] + [q for c in CROSSTABS for q in (c.rating, c.timeliness)]
    )
)
QUESTION_KINDS: dict[str, str] = {
    **{m.question: m.kind for m in MEASURES},
    **{c.rating: RATING for c in CROSSTABS},
    **{c.timeliness: YES_NO for c in CROSSTABS},
}
# What the stored counts mean: a summary computed under another definition is recomputed.
DEFINITION = hashlib.sha256(
    repr((QUESTION_CODES, [(c.code, c.rating, c.timeliness) for c in CROSSTABS])).encode()
).hexdigest()[:16]


def measure_get(code: str) -> Measure | None:
    return MEASURE_BY_CODE.get(code)
