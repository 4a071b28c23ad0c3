"""Who may see and do what on inspections and on the shared fieldwork machinery.

Objects are ScrutinyActivity (fieldwork) or Inspection (which delegates to its activity).
- The team is assigned to the activity: lead inspector, inspectors, associate assessors (from
  another authority), local co-readers and the local co-ordinator (from the inspected authority).
- Managers see every inspection.
- The inspected authority's contacts and co-ordinators see the inspection's home, timetable,
  population upload and self-evaluation, and never readings or grades.
- Co-readers and associate assessors see only activities they are assigned to.
"""

import rules

from accounts.models import Role
from accounts.rules import has_role, is_administrator
from accounts.selectors import user_context

LEAD = "lead_inspector"
INSPECTOR = "inspector"
ASSOCIATE = "associate_assessor"
CO_READER = "local_co_reader"
COORDINATOR = "local_coordinator"
READERS = (LEAD, INSPECTOR, ASSOCIATE, CO_READER)
INSPECTION_TEAM = (LEAD, INSPECTOR, ASSOCIATE)


def activity_of(obj):
    """Return the ScrutinyActivity behind an Inspection, a SampleRecord, a Reading, etc."""
    from inspections.models import Inspection, ScrutinyActivity

    if obj is None or isinstance(obj, ScrutinyActivity):
        return obj
    if isinstance(obj, Inspection):
        return obj.activity
    for attribute in ("activity", "sample", "sample_record", "reading"):
        if hasattr(obj, attribute):
            return activity_of(getattr(obj, attribute))
    raise TypeError(f"No scrutiny activity behind {obj!r}")


def assigned(*kinds: str):
    @rules.predicate(name=f"assigned({', '.join(kinds)})")
    def predicate(user, obj) -> bool:
        activity = activity_of(obj)
        return activity is not None and user_context(user).is_assigned(activity, *kinds)

    return predicate


@rules.predicate
def is_authority_staff(user, obj) -> bool:
    """A contact or co-ordinator of the inspected authority."""
    activity = activity_of(obj)
    if activity is None:
        return False
    context = user_context(user)
    return any(
        org == activity.authority_id and role in {Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR}
        for org, role in context.roles
    )


is_manager = has_role(Role.MANAGER)
is_inspector = has_role(Role.INSPECTOR)
is_lead = assigned(LEAD)

rules.add_perm("inspections.create_inspection", is_inspector | is_manager)
rules.add_perm(
    "inspections.view_inspection",
    is_manager | assigned(*READERS, COORDINATOR) | is_authority_staff | is_administrator,
)
rules.add_perm("inspections.manage_inspection", is_lead | is_manager)
rules.add_perm(
    "inspections.change_timetable",
    is_lead | assigned(INSPECTOR) | assigned(COORDINATOR) | is_authority_staff,
)
rules.add_perm("inspections.change_self_evaluation", is_authority_staff)
rules.add_perm(
    "inspections.view_self_evaluation",
    is_manager | assigned(*INSPECTION_TEAM, COORDINATOR) | is_authority_staff,
)
rules.add_perm(
    "inspections.upload_population",
    is_lead | assigned(INSPECTOR) | is_authority_staff,
)
rules.add_perm("inspections.draw_sample", is_lead)
rules.add_perm("inspections.view_sample", is_manager | assigned(*READERS) | is_authority_staff)
rules.add_perm("inspections.read_records", assigned(*READERS))
rules.add_perm("inspections.view_readings", is_manager | assigned(*INSPECTION_TEAM))
rules.add_perm("inspections.moderate", is_lead)
rules.add_perm("inspections.record_interviews", is_lead | assigned(INSPECTOR, ASSOCIATE))
rules.add_perm("inspections.view_interviews", is_manager | assigned(*INSPECTION_TEAM))


@rules.predicate
def may_see_some_inspection(user) -> bool:
    """Someone whose roles or assignments let them see at least one inspection."""
    from django.contrib.contenttypes.models import ContentType

    from inspections.models import ScrutinyActivity

    context = user_context(user)
    if context.has_role(
        Role.MANAGER,
        Role.ADMINISTRATOR,
        Role.INSPECTOR,
        Role.AUTHORITY_CONTACT,
        Role.LOCAL_COORDINATOR,
    ):
        return True
    activity_type = ContentType.objects.get_for_model(ScrutinyActivity).id
    return any(target_type == activity_type for _, target_type, _ in context.assignments)


rules.add_perm("inspections.view_inspection_list", may_see_some_inspection)
# Publication is approved by a manager; the lead signs the report off before that.
rules.add_perm("inspections.publish_inspection", is_manager)

# Evaluations: the inspection team proposes grades, the lead agrees them. The inspected
# authority's contacts, co-ordinators and co-readers never see readings or grades.
rules.add_perm("inspections.propose_grade", is_lead | assigned(INSPECTOR, ASSOCIATE))
rules.add_perm("inspections.agree_grades", is_lead)
rules.add_perm("inspections.view_evaluations", is_manager | assigned(*INSPECTION_TEAM))

# The inspection report: the lead and inspectors on the team write it; managers and the team
# read it. A report version's PDF: managers and the team see every version; the inspected
# authority's contacts and co-ordinators see published versions only.
rules.add_perm("inspections.write_report", is_lead | assigned(INSPECTOR))
rules.add_perm("inspections.view_report", is_manager | assigned(*INSPECTION_TEAM))


def of_report_version(predicate):
    """Test `predicate` against the inspection of a ReportVersion."""

    @rules.predicate(name=f"of_report_version({predicate.name})")
    def wrapped(user, version) -> bool:
        inspection = getattr(version, "inspection", None)
        return inspection is not None and predicate.test(user, inspection)

    return wrapped


@rules.predicate
def is_published_version(user, version) -> bool:
    return getattr(version, "status", None) == "published"


rules.add_perm(
    "inspections.view_report_version",
    is_manager
    | of_report_version(assigned(*INSPECTION_TEAM))
    | (is_published_version & of_report_version(is_authority_staff)),
)

# Report versions, publication and verbal feedback: the lead, inspectors on the team and managers
# make draft PDFs; the lead and inspectors record verbal feedback, which managers and the team
# read; the lead or a manager sends the feedback questionnaire again after publication.
rules.add_perm("inspections.make_report_draft", is_lead | assigned(INSPECTOR) | is_manager)
rules.add_perm(
    "inspections.view_report_versions",
    is_manager | assigned(*INSPECTION_TEAM) | is_authority_staff,
)
rules.add_perm("inspections.record_verbal_feedback", is_lead | assigned(INSPECTOR))
rules.add_perm("inspections.view_verbal_feedback", is_manager | assigned(*INSPECTION_TEAM))
rules.add_perm("inspections.send_feedback_request", is_lead | is_manager)
# Feedback questionnaire answers totalled across inspections: managers only.
rules.add_perm("inspections.view_feedback", is_manager)
