from trytond.wsgi import app

from . import int_arrays, record_values, row_reader, routes  # noqa: F401
from . import selection_labels, view_cache, waitlist_routes  # noqa: F401
from .web_guard import install

install(app)
int_arrays.install()
record_values.install()
row_reader.install()
selection_labels.install()
view_cache.install()
