"""The national overview report (issue 8): its figures, its text, its pages and its PDF."""
