from . import routes  # noqa: F401
from . import waitlist_routes  # noqa: F401
