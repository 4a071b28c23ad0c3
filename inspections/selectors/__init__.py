"""Reads for inspections and the shared fieldwork machinery, one module per area.

Import from here: `from inspections import selectors; selectors.sample_progress(...)`.
"""

from inspections.selectors.evaluations import *  # noqa: F403
from inspections.selectors.evidence import *  # noqa: F403
from inspections.selectors.feedback import *  # noqa: F403
from inspections.selectors.interviews import *  # noqa: F403
from inspections.selectors.moderation import *  # noqa: F403
from inspections.selectors.populations import *  # noqa: F403
from inspections.selectors.readings import *  # noqa: F403
from inspections.selectors.report import *  # noqa: F403
from inspections.selectors.report_versions import *  # noqa: F403
from inspections.selectors.samples import *  # noqa: F403
from inspections.selectors.setup import *  # noqa: F403
