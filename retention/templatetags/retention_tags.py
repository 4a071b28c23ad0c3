"""Template helpers for pages that show figures whose records may be deleted (ADR 0011)."""

from django import template

from retention.selectors import activity_notices, register_record_data_notice

register = template.Library()


@register.simple_tag
def register_retention_notice(figure_register):
    """Return the retention notice for a figure register's subject, or None."""
    return register_record_data_notice(register=figure_register)


@register.simple_tag
def dashboard_retention_notices(activity_ids):
    """Return a notice for each activity in the dashboard's scope whose data was deleted."""
    return activity_notices(activity_ids=activity_ids)


@register.filter
def iso_date(value: str) -> str:
    """Return an ISO date from a run's report as "3 March 2029" (the text itself if not one)."""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return f"{day.day} {day:%B %Y}"
