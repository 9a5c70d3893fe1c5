"""Views cached without the record a wizard or an action runs on.

Why: ``ModelView.fields_view_get`` caches a view keyed on the request's
whole context, and a wizard's context names its record (``active_id``,
``active_ids``, ``active_model``), so every step of every wizard built
its form again (parsing the XML, the fields' definitions, their
translations): 7 % of a reschedule in the load test. No view of Tryton's
modules or ours depends on those keys (views follow the company, the
language, the view's own id or a context model's values, which stay in
the key).

Installed when the module is imported, as ``selection_labels`` is; only
the cache's ignored keys change."""
from trytond.model import ModelView

RECORD_KEYS = {'active_id', 'active_ids', 'active_model'}


def install():
    ModelView._fields_view_get_cache.context_ignored_keys.update(
        RECORD_KEYS)
