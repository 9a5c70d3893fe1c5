"""Electronic claims: the X12 837P sent through a clearinghouse and its
999/277CA answers read back (see README, "Electronic claims").

Kept empty on purpose: Tryton 8 registers the classes from tryton.cfg, and
``therapy_edi.x12`` (the pure codec) is imported through this package by
plain tests that must not import trytond."""
