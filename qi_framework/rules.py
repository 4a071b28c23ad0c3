"""Who may see and change the framework: everyone signed in reads it; administrators edit.

Instruments (and the public holidays their working-day rules count) are read by scrutiny staff
and administrators and changed by administrators.
"""

import rules

from accounts.rules import is_administrator, is_scrutiny_staff

rules.add_perm("qi_framework.view_framework", rules.is_authenticated)
rules.add_perm("qi_framework.change_framework", is_administrator)
rules.add_perm("qi_framework.view_instruments", is_scrutiny_staff | is_administrator)
