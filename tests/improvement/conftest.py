import pytest

from tests.improvement.factories import make_plan


@pytest.fixture
def setup(reference_data):
    """West Dunbartonshire's open plan (three elements) and the people around it."""
    return make_plan()
