"""Views for thematic reviews, one module per area; each module defines its `urlpatterns`.

`views/common.py` is the one place pages find their review or area (404 outside scope).
"""
