"""Kinds of document that exist only in tests, registered in the test process and in the worker
process the worker tests start (`celery worker --include tests.reports.kinds_for_tests`).

- "test_slow": "test_small", but its context builder waits while the file named by
  TEST_RENDER_HOLD_FILE exists, so a test can hold a render in the "rendering" state.
- "test_broken": its context builder raises, as a bug in a document's code would.
- "test_restricted": the booklet, but only administrators may ask for it or download it.
- "test_small": a one-page document about a framework version, quick to render, for tests of
  the document's life rather than its content.
"""

import os
import time
from dataclasses import replace
from pathlib import Path

from reports import kinds

HOLD_FILE_ENV = "TEST_RENDER_HOLD_FILE"
HOLD_LIMIT_SECONDS = 120


def _no_context(framework):
    return {}


def _held_context(framework):
    _hold()
    return {}


def _hold():
    hold = os.environ.get(HOLD_FILE_ENV)
    deadline = time.monotonic() + HOLD_LIMIT_SECONDS
    while hold and Path(hold).exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def _broken_context(framework):
    raise RuntimeError("secret internal detail /srv/app/thing.py line 12")


SMALL = kinds.register(
    replace(
        kinds.FRAMEWORK_BOOKLET,
        code="test_small",
        template_name="reports/documents/base_document.html",
        build_context=_no_context,
    )
)
SLOW = kinds.register(replace(SMALL, code="test_slow", build_context=_held_context))
BROKEN = kinds.register(replace(SMALL, code="test_broken", build_context=_broken_context))
RESTRICTED = kinds.register(
    replace(kinds.FRAMEWORK_BOOKLET, code="test_restricted", permission="accounts.administer")
)
