"""Writes for inspections and the shared fieldwork machinery, one module per area.

Import from here: `from inspections import services; services.sample_draw(...)`.
"""

from inspections.services.evaluations import *  # noqa: F403
from inspections.services.evidence import *  # noqa: F403
from inspections.services.interviews import *  # noqa: F403
from inspections.services.moderation import *  # noqa: F403
from inspections.services.populations import *  # noqa: F403
from inspections.services.readings import *  # noqa: F403
from inspections.services.report import *  # noqa: F403
from inspections.services.report_versions import *  # noqa: F403
from inspections.services.samples import *  # noqa: F403
from inspections.services.setup import *  # noqa: F403
