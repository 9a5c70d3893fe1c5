"""The codec is pure Python: make ``therapy_edi.x12`` importable from the
worktree's ``addons/`` without installing the (future) Tryton module."""
import os
import sys

ADDONS = os.path.abspath(os.path.join(os.path.dirname(__file__), *[
    os.pardir] * 3))
if ADDONS not in sys.path:
    sys.path.insert(0, ADDONS)
