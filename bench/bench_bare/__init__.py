"""Bare Tryton: the scheduling benchmark's peer (bench/scheduling.py).

An appointment-like model with what any Tryton model of it would have
(its relations, the same three exclusion constraints, the calendar's
indexes) and none of Caseload's logic: no pre-checks, availability,
authorizations, labels, history or audit. It is never installed with
Caseload: the benchmark registers it for its own database only, to show
each figure against raw SQL (the limit) and against what an unadorned
ERP model costs."""
