"""Models for reports (added by the issues that build this part of the product)."""
