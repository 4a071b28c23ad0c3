import pytest

from tests.inspections.factories import make_inspection


@pytest.fixture
def inspection(reference_data):
    """A CPO inspection of West Dunbartonshire with a lead inspector (inspection.lead)."""
    return make_inspection()
