"""Models for partnerships (added by the issues that build this part of the product)."""
