"""Retention runs are read on the managers' page (retention:run_list); the admin only lists them."""
