"""Models for throughcare (added by the issues that build this part of the product)."""
