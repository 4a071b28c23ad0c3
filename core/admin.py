"""The audit log is read in its own page (core:audit_list); it is not editable in the admin."""
