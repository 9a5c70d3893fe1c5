"""The practice's security settings: who the privacy officer is (the
integrity check and break-glass email them) and how long emergency
access lasts. Two-step sign-in's demo relaxation is the demo loader's
alone: no group writes it (field access in configuration.xml)."""
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

# SECURITY.md SEC-AC-02: a window of emergency access is ≤ 12 h
EMERGENCY_HOURS_MAX = 12
EMERGENCY_HOURS_DEFAULT = 4


class Configuration(ModelSingleton, ModelSQL, ModelView):
    "Security Configuration"
    __name__ = 'therapy.security.configuration'
    mfa_relaxed_for_demo = fields.Boolean(
        "Two-Step Sign-in Relaxed for the Demo", readonly=True,
        help="Set by the demo loader only: staff who have not enrolled "
        "sign in with their password alone. Never set in a practice's "
        "database.")
    privacy_officer_email = fields.Char("Privacy Officer's Email",
        help="Told (without any client's details) when emergency access "
        "is opened and when the nightly check finds a record or the audit "
        "log changed outside Caseload.")
    emergency_hours = fields.Integer("Emergency Access Hours",
        domain=['OR', ('emergency_hours', '=', None), [
                ('emergency_hours', '>=', 1),
                ('emergency_hours', '<=', EMERGENCY_HOURS_MAX)]],
        help="How long a window of emergency access (break-glass) lasts "
        f"before it closes by itself (1 to {EMERGENCY_HOURS_MAX}; "
        f"{EMERGENCY_HOURS_DEFAULT} when empty).")

    @classmethod
    def default_emergency_hours(cls):
        return EMERGENCY_HOURS_DEFAULT

    @classmethod
    def emergency_window(cls):
        "How many hours a window of emergency access lasts"
        with without_check_access():
            return cls(1).emergency_hours or EMERGENCY_HOURS_DEFAULT

    @classmethod
    def mfa_relaxed(cls):
        with without_check_access():
            return bool(cls(1).mfa_relaxed_for_demo)

    @classmethod
    def write(cls, *args):
        super().write(*args)
        names = sorted({k for values in args[1::2] for k in values})
        if Transaction().user:
            # settings, not PHI: the new values go in the event
            Pool().get('therapy.audit.event').log('admin.config.change', 'U',
                model=cls.__name__, ids=[1], field_names=names,
                detail={n: getattr(cls(1), n) for n in names})
