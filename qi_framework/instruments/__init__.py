"""The questionnaire engine: instruments as versioned data, and the API pages use to run them.

- `services`: load and import data files, export, copy, publish, retire, edit drafts.
- `selectors`: reads for pages.
- `evaluation`: what is shown, derived answers, typed parsing, what is still missing.
- `conditions`: the condition language; `validation`: checks on a data file.
- Derivation rules live in `qi_framework.derivations`.
"""

from qi_framework.instruments.evaluation import (
    AnswerCheck,
    Evaluation,
    compute_derived,
    instrument_evaluate,
    missing_required,
    questions_of,
    validate_answer,
    visible_questions,
)
from qi_framework.instruments.selectors import (
    instrument_list,
    instrument_version_current,
    instrument_version_get,
    instrument_version_outline,
    instrument_version_sections,
    question_get,
    section_get,
)
from qi_framework.instruments.services import (
    DATA_DIR,
    instrument_export,
    instrument_load,
    instrument_version_copy,
    instrument_version_publish,
    instrument_version_retire,
    instruments_load_all,
    question_update,
    section_update,
)

__all__ = [
    "DATA_DIR",
    "AnswerCheck",
    "Evaluation",
    "compute_derived",
    "instrument_evaluate",
    "instrument_export",
    "instrument_list",
    "instrument_load",
    "instrument_version_copy",
    "instrument_version_current",
    "instrument_version_get",
    "instrument_version_outline",
    "instrument_version_publish",
    "instrument_version_retire",
    "instrument_version_sections",
    "instruments_load_all",
    "missing_required",
    "question_get",
    "question_update",
    "questions_of",
    "section_get",
    "section_update",
    "validate_answer",
    "visible_questions",
]
