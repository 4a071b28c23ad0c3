"""Writes for inspections: the representative sample, its reserve list, double reading and readers.

The arithmetic is inspections.sampling (pure, tested on its own); these services read the
population, store the draw and audit every change.

Choices where the issue was silent:
- The reserve list holds, per stratum, max(5, half the stratum's allocation, rounded up) records
  in draw order: enough replacements for unreadable records without storing a row for every
  record of a 100,000-record population.
- Without stratification every record is in one stratum, stored as "" and shown as "All records".
- A record with no value in the stratifying column is in the stratum "Not recorded".
- A redraw of an unlocked sample deletes its rows, including readers assigned to records not yet
  started (an unlocked sample has no answers).
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.fields.json import KT
from django.utils import timezone

from accounts.selectors import assignments_for
from core.exceptions import ApplicationError
from core.services import audit_record
from inspections import sampling
from inspections.models import (
    Answer,
    Population,
    Reading,
    Sample,
    SampleRecord,
    ScrutinyActivity,
)
from inspections.population_schemas import get_schema
from inspections.rules import READERS

__all__ = [
    "ALL_RECORDS",
    "SampleCalculation",
    "double_reading_select",
    "readers_assign",
    "readers_assign_evenly",
    "reserve_size",
    "sample_calculate",
    "sample_draw",
    "sample_lock",
    "sample_lock_if_needed",
    "sample_replace_record",
]

ALL_RECORDS = ""  # the one stratum of an unstratified sample
NOT_RECORDED = "Not recorded"

NO_POPULATION = "Upload the population before drawing a sample."
EMPTY_POPULATION = "The population has no records to sample."
STRATIFY_UNKNOWN = "Choose how to stratify the sample from the list."
SAMPLE_LOCKED = (
    "Reading has started, so the sample is locked and cannot be drawn again. Replace "
    "records that cannot be read instead."
)
OVERRIDE_TOO_LARGE = "The exact size must be no more than the population ({population:,})."
ONLY_ACTIVE_SAMPLED = "Only a record in the sample that has not been replaced can be replaced."
REASON_REQUIRED = "Enter why the record cannot be read."
RESERVE_EXHAUSTED = (
    "There are no reserve records left in the stratum ‘{stratum}’. Draw the sample again "
    "before reading starts, or continue with one record fewer in this stratum."
)
SUBMITTED_CANNOT_BE_REPLACED = "The record has a submitted reading, so it cannot be replaced."
SHARE_INVALID = "The share of records for double reading must be between 0 and 100%."
REFERENCES_UNKNOWN = "These references are not in the sample: {references}."
DOUBLE_READING_LOCKED = (
    "Reading has started, so the records chosen for double reading cannot be changed."
)
NOT_A_READER = "{name} is not in the team for this inspection, so cannot read its records."
SAME_READER_TWICE = (
    "{name} already has the first reading of {reference}. The second reading must be by "
    "someone else."
)
NOT_DOUBLE_READ = "{reference} is not chosen for double reading, so it has no second reading."
READING_STARTED = "{reference} is already being read by {name}, so its reader cannot change."
NO_READERS = "Choose at least one reader."
TWO_READERS_NEEDED = "Choose at least two readers: double-read records need a second reader."
RECORD_NOT_IN_SAMPLE = "A record is not in this sample."


@dataclass(frozen=True)
class SampleCalculation:
    """The size, allocation and working shown before the draw (and stored with it)."""

    population: int
    confidence: float
    margin: float
    proportion: float
    stratify_by: str
    minimum_per_stratum: int
    override_size: int | None
    calculation: sampling.SampleSizeCalculation
    strata: dict[str, int]
    allocation: sampling.Allocation
    working: list[str] = field(default_factory=list)

    @property
    def calculated_size(self) -> int:
        return self.calculation.size

    @property
    def size(self) -> int:
        return self.allocation.total

    def rows(self) -> list[tuple[str, int, int]]:
        """Return (stratum, population, allocated), strata in name order."""
        return [(s, self.strata[s], self.allocation[s]) for s in sorted(self.strata)]


def reserve_size(allocated: int) -> int:
    return max(5, math.ceil(allocated / 2))


def _population(activity: ScrutinyActivity) -> Population:
    population = Population.objects.filter(activity=activity).first()
    if population is None:
        raise ApplicationError(NO_POPULATION)
    if population.row_count == 0:
        raise ApplicationError(EMPTY_POPULATION)
    return population


def _stratum(value) -> str:
    if value is None or value == "":
        return NOT_RECORDED
    return str(value)


def _records_by_stratum(population: Population, stratify_by: str):
    """Return {stratum: [(id, reference)]} in one query."""
    grouped: dict[str, list[tuple[int, str]]] = defaultdict(list)
    if stratify_by:
        # KT (->> as text) spares decoding a JSON value for each of up to 100,000 records.
        rows = population.records.annotate(stratum_value=KT(f"data__{stratify_by}"))
        for pk, reference, value in rows.values_list("id", "reference", "stratum_value").order_by():
            grouped[_stratum(value)].append((pk, reference))
    else:
        rows = population.records.values_list("id", "reference").order_by()
        grouped[ALL_RECORDS] = list(rows)
    return grouped


def _check_stratify(activity: ScrutinyActivity, stratify_by: str) -> None:
    if stratify_by and stratify_by not in dict(
        get_schema(activity.population_schema).stratify_choices
    ):
        raise ApplicationError(STRATIFY_UNKNOWN)


def _calculate(
    *,
    activity,
    strata: dict[str, int],
    confidence: float,
    margin: float,
    proportion: float,
    stratify_by: str,
    minimum_per_stratum: int,
    override_size: int | None,
) -> SampleCalculation:
    total = sum(strata.values())
    try:
        calculation = sampling.sample_size(
            population=total, confidence=confidence, margin=margin, proportion=proportion
        )
    except ValueError as error:
        raise ApplicationError(str(error)) from None
    working = list(calculation.working)
    wanted = calculation.size
    if override_size is not None:
        if override_size > total:
            raise ApplicationError(OVERRIDE_TOO_LARGE.format(population=total))
        wanted = override_size
        working.append(
            f"Exact size chosen: {override_size:,} records (instead of {calculation.size:,})"
        )
    try:
        allocation = sampling.allocate(strata=strata, total=wanted, minimum=minimum_per_stratum)
    except ValueError as error:
        raise ApplicationError(str(error)) from None
    if stratify_by:
        label = get_schema(activity.population_schema).stratify_label(stratify_by).lower()
        working.append(
            f"Stratified by {label}: shared in proportion to each stratum's size"
            + (f", at least {minimum_per_stratum:,} per stratum" if minimum_per_stratum else "")
        )
    working.extend(allocation.notes)
    return SampleCalculation(
        population=total,
        confidence=confidence,
        margin=margin,
        proportion=proportion,
        stratify_by=stratify_by,
        minimum_per_stratum=minimum_per_stratum,
        override_size=override_size,
        calculation=calculation,
        strata=strata,
        allocation=allocation,
        working=working,
    )


def sample_calculate(
    *,
    activity: ScrutinyActivity,
    confidence: float = 0.95,
    margin: float = 0.09,
    proportion: float = 0.5,
    stratify_by: str = "",
    minimum_per_stratum: int = 0,
    override_size: int | None = None,
) -> SampleCalculation:
    """Return the sample size and its allocation between strata, with the working."""
    _check_stratify(activity, stratify_by)
    population = _population(activity)
    grouped = _records_by_stratum(population, stratify_by)
    return _calculate(
        activity=activity,
        strata={s: len(r) for s, r in grouped.items()},
        confidence=confidence,
        margin=margin,
        proportion=proportion,
        stratify_by=stratify_by,
        minimum_per_stratum=minimum_per_stratum,
        override_size=override_size,
    )


def _delete_sample_rows(sample: Sample) -> None:
    readings = Reading.objects.filter(sample_record__sample=sample)
    if Answer.objects.filter(reading__in=readings).exists():
        raise ApplicationError(SAMPLE_LOCKED)
    readings.delete()
    # Promoted reserves point at the records they replace (PROTECT): unlink first.
    sample.records.update(replaces=None)
    sample.records.all().delete()


@transaction.atomic
def sample_draw(
    *,
    activity: ScrutinyActivity,
    confidence: float = 0.95,
    margin: float = 0.09,
    proportion: float = 0.5,
    stratify_by: str = "",
    minimum_per_stratum: int = 0,
    override_size: int | None = None,
    seed: str | None = None,
    by,
    request=None,
) -> Sample:
    """Draw (or, before reading starts, redraw) the sample and its reserve list."""
    ScrutinyActivity.objects.select_for_update().filter(pk=activity.pk).first()
    _check_stratify(activity, stratify_by)
    existing = Sample.objects.filter(activity=activity).first()
    if existing is not None and existing.is_locked:
        raise ApplicationError(SAMPLE_LOCKED)
    population = _population(activity)
    grouped = _records_by_stratum(population, stratify_by)
    calc = _calculate(
        activity=activity,
        strata={s: len(r) for s, r in grouped.items()},
        confidence=confidence,
        margin=margin,
        proportion=proportion,
        stratify_by=stratify_by,
        minimum_per_stratum=minimum_per_stratum,
        override_size=override_size,
    )
    seed = seed or sampling.new_seed()
    try:
        result = sampling.draw(
            references_by_stratum={s: [ref for _, ref in rows] for s, rows in grouped.items()},
            allocation=dict(calc.allocation),
            seed=seed,
        )
    except ValueError as error:
        raise ApplicationError(str(error)) from None

    old = None
    if existing is not None:
        old = {"seed": existing.seed, "size": existing.size}
        _delete_sample_rows(existing)
        sample = existing
    else:
        sample = Sample(activity=activity)
    sample.seed = seed
    sample.algorithm_version = result.algorithm_version
    sample.stratify_by = stratify_by
    sample.minimum_per_stratum = minimum_per_stratum
    sample.confidence = round(confidence, 3)
    sample.margin = round(margin, 3)
    sample.proportion = round(proportion, 3)
    sample.calculated_size = calc.calculated_size
    sample.override_size = override_size
    sample.size = calc.size
    sample.allocation = {
        s: {"population": calc.strata[s], "allocated": calc.allocation[s]} for s in calc.strata
    }
    sample.working = calc.working
    sample.drawn_by = by
    sample.locked_at = None
    sample.save()

    ids = {ref: pk for rows in grouped.values() for pk, ref in rows}
    objects = [
        SampleRecord(
            sample=sample,
            record_id=ids[item.reference],
            stratum=item.stratum,
            rank=item.rank,
            role=SampleRecord.Role.SAMPLED,
        )
        for item in result.sample
    ]
    for stratum, references in result.reserve.items():
        allocated = calc.allocation[stratum]
        start = allocated + 1
        for offset, reference in enumerate(references[: reserve_size(allocated)]):
            objects.append(
                SampleRecord(
                    sample=sample,
                    record_id=ids[reference],
                    stratum=stratum,
                    rank=start + offset,
                    role=SampleRecord.Role.RESERVE,
                )
            )
    SampleRecord.objects.bulk_create(objects, batch_size=5000)
    audit_record(
        action="sample_drawn",
        actor=by,
        obj=sample,
        request=request,
        old=old,
        new={
            "seed": seed,
            "algorithm_version": sample.algorithm_version,
            "size": sample.size,
            "stratify_by": stratify_by,
            "allocation": sample.allocation,
        },
    )
    return sample


@transaction.atomic
def sample_replace_record(
    *, sample_record: SampleRecord, reason: str, by, request=None
) -> SampleRecord:
    """Replace a record that cannot be read by the next reserve of its stratum; return that."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(REASON_REQUIRED)
    record = SampleRecord.objects.select_for_update().get(pk=sample_record.pk)
    if record.role != SampleRecord.Role.SAMPLED or record.status != SampleRecord.Status.ACTIVE:
        raise ApplicationError(ONLY_ACTIVE_SAMPLED)
    readings = list(record.readings.all())
    if any(r.status == Reading.Status.SUBMITTED for r in readings):
        raise ApplicationError(SUBMITTED_CANNOT_BE_REPLACED)
    reserve = (
        SampleRecord.objects.select_for_update()
        .filter(
            sample_id=record.sample_id,
            stratum=record.stratum,
            role=SampleRecord.Role.RESERVE,
            status=SampleRecord.Status.ACTIVE,
        )
        .order_by("rank")
        .first()
    )
    if reserve is None:
        raise ApplicationError(RESERVE_EXHAUSTED.format(stratum=record.stratum or "All records"))
    record.status = SampleRecord.Status.REPLACED
    record.replaced_reason = reason[:300]
    record.save(update_fields=["status", "replaced_reason"])
    reserve.role = SampleRecord.Role.SAMPLED
    reserve.replaces = record
    reserve.double_read = record.double_read
    reserve.save(update_fields=["role", "replaces", "double_read"])
    # The readers of the unreadable record read its replacement; their started readings stay
    # with the replaced record as history.
    Reading.objects.bulk_create(
        Reading(
            sample_record=reserve,
            reader_id=r.reader_id,
            order=r.order,
            instrument_version_id=r.instrument_version_id,
        )
        for r in readings
    )
    audit_record(
        action="sample_record_replaced",
        actor=by,
        obj=record,
        request=request,
        old={"reference": record.record.reference},
        new={"replacement": reserve.record.reference, "rank": reserve.rank},
        detail=reason,
    )
    return reserve


def sample_lock(*, sample: Sample, by=None) -> Sample:
    """Lock the sample (reading has started): no redraw, no change to double reading."""
    if sample.is_locked:
        return sample
    updated = Sample.objects.filter(pk=sample.pk, locked_at__isnull=True).update(
        locked_at=timezone.now()
    )
    sample.refresh_from_db(fields=["locked_at"])
    if updated:
        audit_record(action="sample_locked", actor=by, obj=sample, actor_label="first reading")
    return sample


def sample_lock_if_needed(sample: Sample, by=None) -> Sample:
    """Call when a reading starts: lock the sample the first time (cheap when already locked)."""
    if sample.locked_at is None:
        return sample_lock(sample=sample, by=by)
    return sample


@transaction.atomic
def double_reading_select(
    *,
    sample: Sample,
    share_percent: int | None = None,
    references: Iterable[str] | None = None,
    by,
    request=None,
) -> list[SampleRecord]:
    """Choose the records for an independent second reading: a share, or named references.

    A share takes ceil(share% × records in the sample) records in the order of
    `rank_key(seed + ":double", reference)`, so the choice is reproducible too.
    """
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    if sample.is_locked:
        raise ApplicationError(DOUBLE_READING_LOCKED)
    active = list(
        sample.records.filter(
            role=SampleRecord.Role.SAMPLED, status=SampleRecord.Status.ACTIVE
        ).select_related("record")
    )
    by_reference = {r.record.reference: r for r in active}
    wanted_refs = [ref.strip() for ref in (references or []) if ref.strip()]
    if wanted_refs:
        unknown = [ref for ref in wanted_refs if ref not in by_reference]
        if unknown:
            raise ApplicationError(REFERENCES_UNKNOWN.format(references=", ".join(unknown)))
        chosen = {by_reference[ref].pk for ref in wanted_refs}
    else:
        share = sample.double_read_share if share_percent is None else share_percent
        if not 0 <= share <= 100:
            raise ApplicationError(SHARE_INVALID)
        count = math.ceil(round(share * len(active) / 100, 9))
        seed = f"{sample.seed}:double"
        ordered = sorted(active, key=lambda r: sampling.rank_key(seed, r.record.reference))
        chosen = {r.pk for r in ordered[:count]}
        sample.double_read_share = share
        sample.save(update_fields=["double_read_share"])
    sample.records.filter(pk__in=chosen).update(double_read=True)
    sample.records.exclude(pk__in=chosen).update(double_read=False)
    # Second readings of records no longer chosen go (an unlocked sample has no answers).
    Reading.objects.filter(
        sample_record__sample=sample, order=Reading.Order.SECOND, status=Reading.Status.IN_PROGRESS
    ).exclude(sample_record_id__in=chosen).filter(answers__isnull=True).delete()
    selected = [r for r in active if r.pk in chosen]
    audit_record(
        action="double_reading_selected",
        actor=by,
        obj=sample,
        request=request,
        new={
            "share_percent": None if wanted_refs else sample.double_read_share,
            "references": sorted(r.record.reference for r in selected),
        },
    )
    return selected


def _team_readers(activity) -> dict[int, object]:
    return {a.user_id: a.user for a in assignments_for(target=activity).filter(kind__in=READERS)}


def _set_reader(record: SampleRecord, order: int, reader, instrument, existing) -> bool:
    """Create or move the reading of `order`; return whether anything changed."""
    current = existing.get((record.pk, order))
    if current is not None:
        if current.reader_id == reader.pk:
            return False
        if current.status != Reading.Status.IN_PROGRESS or current.answers.exists():
            raise ApplicationError(
                READING_STARTED.format(reference=record.record.reference, name=current.reader)
            )
        current.reader = reader
        current.save(update_fields=["reader", "updated_at"])
        return True
    reading = Reading.objects.create(
        sample_record=record, reader=reader, order=order, instrument_version=instrument
    )
    existing[(record.pk, order)] = reading
    return True


@transaction.atomic
def readers_assign(
    *,
    sample: Sample,
    assignments: Mapping[int, Iterable[int]],
    order: int = Reading.Order.FIRST,
    by,
    request=None,
) -> int:
    """Give readers records: {reader id: [sample record ids]} for the first (or second) reading.

    Return how many readings were created or moved. Readers must be in the activity's team; a
    second reading must be of a double-read record and by someone other than the first reader.
    """
    activity = sample.activity
    team = _team_readers(activity)
    records = {
        r.pk: r
        for r in sample.records.filter(
            role=SampleRecord.Role.SAMPLED, status=SampleRecord.Status.ACTIVE
        ).select_related("record")
    }
    existing = {
        (r.sample_record_id, r.order): r
        for r in Reading.objects.filter(sample_record__sample=sample).select_related("reader")
    }
    changed = 0
    for reader_id, record_ids in assignments.items():
        reader = team.get(int(reader_id))
        if reader is None:
            from accounts.models import User

            name = User.objects.filter(pk=reader_id).values_list("name", flat=True).first()
            raise ApplicationError(NOT_A_READER.format(name=name or "This person"))
        for record_id in record_ids:
            record = records.get(int(record_id))
            if record is None:
                raise ApplicationError(RECORD_NOT_IN_SAMPLE)
            other = existing.get(
                (record.pk, Reading.Order.FIRST if order == Reading.Order.SECOND else 2)
            )
            if order == Reading.Order.SECOND and not record.double_read:
                raise ApplicationError(NOT_DOUBLE_READ.format(reference=record.record.reference))
            if other is not None and other.reader_id == reader.pk:
                first_reference = record.record.reference
                raise ApplicationError(
                    SAME_READER_TWICE.format(name=reader, reference=first_reference)
                )
            changed += _set_reader(record, order, reader, activity.reading_instrument, existing)
    audit_record(
        action="readers_assigned",
        actor=by,
        obj=sample,
        request=request,
        new={
            "order": int(order),
            "assignments": {str(k): sorted(int(i) for i in v) for k, v in assignments.items()},
        },
    )
    return changed


@transaction.atomic
def readers_assign_evenly(*, sample: Sample, readers: Iterable, by, request=None) -> int:
    """Share the records without a reader evenly among `readers` (least loaded first).

    Every record gets a first reader; each double-read record also gets a second reader who is
    not its first. Existing assignments stay. Return how many readings were created.
    """
    activity = sample.activity
    team = _team_readers(activity)
    readers = list(readers)
    if not readers:
        raise ApplicationError(NO_READERS)
    for reader in readers:
        if reader.pk not in team:
            raise ApplicationError(NOT_A_READER.format(name=reader))
    records = list(
        sample.records.filter(role=SampleRecord.Role.SAMPLED, status=SampleRecord.Status.ACTIVE)
        .select_related("record")
        .order_by("stratum", "rank")
    )
    if any(r.double_read for r in records) and len(readers) < 2:
        raise ApplicationError(TWO_READERS_NEEDED)
    existing = {
        (r.sample_record_id, r.order): r
        for r in Reading.objects.filter(sample_record__sample=sample)
    }
    load = {reader.pk: 0 for reader in readers}
    for reading in existing.values():
        if reading.reader_id in load:
            load[reading.reader_id] += 1
    position = {reader.pk: i for i, reader in enumerate(readers)}
    by_pk = {reader.pk: reader for reader in readers}

    def next_reader(excluding: int | None = None):
        candidates = [pk for pk in load if pk != excluding]
        pk = min(candidates, key=lambda p: (load[p], position[p]))
        load[pk] += 1
        return by_pk[pk]

    instrument = activity.reading_instrument
    new: list[Reading] = []
    for record in records:
        first = existing.get((record.pk, Reading.Order.FIRST))
        if first is None:
            reader = next_reader()
            first = Reading(
                sample_record=record,
                reader=reader,
                order=Reading.Order.FIRST,
                instrument_version=instrument,
            )
            new.append(first)
        if record.double_read and (record.pk, Reading.Order.SECOND) not in existing:
            second_reader = next_reader(excluding=first.reader_id)
            new.append(
                Reading(
                    sample_record=record,
                    reader=second_reader,
                    order=Reading.Order.SECOND,
                    instrument_version=instrument,
                )
            )
    Reading.objects.bulk_create(new)
    created = len(new)
    audit_record(
        action="readers_assigned",
        actor=by,
        obj=sample,
        request=request,
        new={"evenly": [reader.pk for reader in readers], "readings_created": created},
    )
    return created
