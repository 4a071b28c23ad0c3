"""Loading, versioning and editing the QI framework."""

import copy
import json

import pytest

from core.models import AuditEvent
from qi_framework import selectors, services
from qi_framework.models import (
    FrameworkVersion,
    Illustration,
    IllustrationSet,
    QualityIndicator,
    ScrutinyKind,
)

pytestmark = pytest.mark.django_db


def _data():
    return json.loads(services.DEFAULT_DATA_FILE.read_text(encoding="utf-8"))


def test_first_version_has_the_whole_framework(framework):
    qis = framework.quality_indicators.all()
    assert qis.filter(kind=QualityIndicator.Kind.QI).count() == 22
    assert qis.get(code="10.1").kind == QualityIndicator.Kind.CAPACITY
    assert framework.key_questions.count() == 6
    assert sorted({qi.indicator.number for qi in qis}) == list(range(1, 11))
    assert qis.get(code="5.3").name == "Planning and providing effective intervention"
    assert qis.get(code="6.2").name == "Planning and delivering services in a collaborative way"


def test_scale_has_the_exact_labels_and_definitions(framework):
    scale = {s.value: (s.label, s.short_definition) for s in framework.scale.all()}
    assert scale == {
        6: ("Excellent", "Outstanding or sector leading"),
        5: ("Very good", "Major strengths"),
        4: ("Good", "Important strengths, with some areas for improvement"),
        3: ("Adequate", "Strengths just outweigh weaknesses"),
        2: ("Weak", "Important weaknesses – priority action required"),
        1: ("Unsatisfactory", "Major weaknesses – urgent remedial action required"),
    }


@pytest.mark.parametrize(
    ("kind", "reported", "evaluated"),
    [
        (
            ScrutinyKind.CPO_INSPECTION,
            ["1.1", "2.1", "5.1", "5.2", "5.3", "5.4", "6.1", "6.4", "9.4"],
            ["1.1", "2.1", "5.2", "5.3", "9.4"],
        ),
        (ScrutinyKind.SVSE, ["6.2", "8.1", "9.2"], ["6.2", "8.1", "9.2"]),
        (
            ScrutinyKind.THROUGHCARE_REVIEW,
            ["2.1", "3.1", "5.1", "5.2", "5.3", "6.1", "7.1"],
            [],
        ),
    ],
)
def test_scopes_per_kind_of_scrutiny(framework, kind, reported, evaluated):
    entries = selectors.scope_for(framework=framework, scrutiny_kind=kind)
    assert [e.quality_indicator.code for e in entries] == reported
    assert [e.quality_indicator.code for e in entries if e.evaluated] == evaluated


def test_loader_never_overwrites_an_existing_version(framework):
    qi = framework.quality_indicators.get(code="5.2")
    services.quality_indicator_update(
        qi=qi, name=qi.name, description="Edited by an administrator", themes=["One theme"]
    )
    again, created = services.framework_load()
    assert not created
    assert again == framework
    qi.refresh_from_db()
    assert qi.description == "Edited by an administrator"
    assert qi.themes == ["One theme"]
    assert FrameworkVersion.objects.count() == 1


def test_a_new_data_file_becomes_a_new_current_version(framework):
    data = _data()
    data["framework"]["version"] = 2
    data["key_questions"][0]["indicators"][0]["qis"][0]["themes"] = ["New theme"]
    version2, created = services.framework_load(data=data)
    assert created
    framework.refresh_from_db()
    assert version2.is_current and not framework.is_current
    assert selectors.framework_current() == version2
    # Work done against version 1 keeps version 1's content.
    assert framework.quality_indicators.get(code="1.1").themes != ["New theme"]
    assert version2.quality_indicators.get(code="1.1").themes == ["New theme"]


def test_copy_makes_the_next_version_without_making_it_current(framework):
    copy_ = services.framework_copy(framework=framework)
    framework.refresh_from_db()
    assert copy_.version == 2
    assert copy_.copied_from == framework
    assert framework.is_current and not copy_.is_current
    assert copy_.quality_indicators.count() == framework.quality_indicators.count()
    assert Illustration.objects.filter(illustration_set__framework=copy_).count() == (
        Illustration.objects.filter(illustration_set__framework=framework).count()
    )
    exported = services.framework_export(framework=framework)
    exported_copy = services.framework_export(framework=copy_)
    exported_copy["framework"]["version"] = exported["framework"]["version"]
    assert exported_copy == exported
    services.framework_make_current(framework=copy_)
    assert selectors.framework_current() == copy_
    assert AuditEvent.objects.filter(action="framework_made_current").count() >= 2


def test_export_round_trips_through_the_loader(framework):
    data = copy.deepcopy(services.framework_export(framework=framework))
    data["framework"]["version"] = 7
    loaded, _ = services.framework_load(data=data)
    again = services.framework_export(framework=loaded)
    again["framework"]["version"] = framework.version
    data["framework"]["version"] = framework.version
    assert again == data


def test_illustration_edits_add_change_and_remove_levels(framework):
    qi = framework.quality_indicators.get(code="5.2")
    general = framework.illustration_sets.get(code="general")
    services.illustrations_update(
        illustration_set=general, qi=qi, texts={6: "Sector-leading practice.", 5: "", 2: "Weak."}
    )
    levels = dict(
        Illustration.objects.filter(illustration_set=general, quality_indicator=qi).values_list(
            "level", "text"
        )
    )
    assert levels == {6: "Sector-leading practice.", 2: "Weak."}
    event = AuditEvent.objects.get(action="illustrations_changed")
    assert event.new_value == {"6": "Sector-leading practice.", "2": "Weak."}


def test_readers_see_the_set_for_their_kind_of_scrutiny_first(framework):
    qi = framework.quality_indicators.get(code="5.2")
    groups = selectors.illustrations_for(qi=qi, scrutiny_kind=ScrutinyKind.THROUGHCARE_REVIEW)
    assert [g.illustration_set.code for g in groups] == ["throughcare", "general"]
    assert list(groups[0].by_level) == [5, 2]
    cpo = selectors.illustrations_for(qi=qi, scrutiny_kind=ScrutinyKind.CPO_INSPECTION)
    assert [g.illustration_set.code for g in cpo] == ["general"]


def test_illustration_sets_are_marked_as_drafts(framework):
    assert set(framework.illustration_sets.values_list("status", flat=True)) == {
        IllustrationSet.Status.DRAFT
    }
