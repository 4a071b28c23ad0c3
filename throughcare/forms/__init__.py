"""Forms for thematic reviews, one module per area of work."""

from throughcare.forms.areas import *  # noqa: F403
from throughcare.forms.outputs import *  # noqa: F403
from throughcare.forms.recommendations import *  # noqa: F403
from throughcare.forms.reviews import *  # noqa: F403
from throughcare.forms.themes import *  # noqa: F403
from throughcare.forms.triangulation import *  # noqa: F403
