"""Writes for improvement plans, one module per side of the work.

Import from here: `from improvement.services import improvement_plan_open`.
"""

from improvement.services.actions import *  # noqa: F403
from improvement.services.plans import *  # noqa: F403
from improvement.services.reminders import *  # noqa: F403
