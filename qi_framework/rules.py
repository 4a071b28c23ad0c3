"""Who may see and change the framework: everyone signed in reads it; administrators edit."""

import rules

from accounts.rules import is_administrator

rules.add_perm("qi_framework.view_framework", rules.is_authenticated)
rules.add_perm("qi_framework.change_framework", is_administrator)
