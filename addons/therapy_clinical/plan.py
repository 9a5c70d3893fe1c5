"""Treatment plans: goals -> measurable objectives -> interventions.

A plan is signed by its clinician (content locked, SHA-256 stored), then by
the client or guardian. Reviewing a plan drafts the next version; signing it
supersedes the previous one, so every version stays as it was signed."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    ModelSQL, ModelView, Workflow, fields, sequence_ordered)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from therapy_scheduling import clock

from .exceptions import PlanError
from .locking import LockedRowMixin, SignedLockMixin
from .form import SIGNER_ROLES
from .note import is_employee_user
from .signature import content_hash

REVIEW_DAYS = 90
OBJECTIVE_STATUS = [
    ('not_started', "Not started"),
    ('in_progress', "In progress"),
    ('met', "Met"),
    ('partially_met', "Partially met"),
    ('not_met', "Not met"),
    ('discontinued', "Discontinued"),
    ]


class TreatmentPlan(SignedLockMixin, Workflow, ModelSQL, ModelView):
    "Treatment Plan"
    __name__ = 'therapy.treatment.plan'
    _history = True

    _draft = {'readonly': Eval('state') != 'draft'}
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_draft)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))], states=_draft)
    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))], states=_draft)
    diagnoses = fields.Many2Many(
        'therapy.treatment.plan-therapy.client.diagnosis', 'plan',
        'diagnosis', "Diagnoses",
        domain=[('client', '=', Eval('client', -1))], states=_draft)
    start_date = fields.Date("Start", required=True, states=_draft)
    review_due = fields.Date(
        "Review Due", required=True, states=_draft,
        domain=[('review_due', '>=', Eval('start_date', None))])
    goals = fields.One2Many(
        'therapy.treatment.goal', 'plan', "Goals", states=_draft)
    previous = fields.Many2One(
        'therapy.treatment.plan', "Previous Version", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('superseded', "Superseded"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)
    signed_by = fields.Many2One('res.user', "Signed By", readonly=True)
    signed_at = fields.DateTime("Signed At", readonly=True)
    content_hash = fields.Char("Content SHA-256", readonly=True, size=64)
    client_signer_name = fields.Char(
        "Client Signer",
        states={'readonly': Bool(Eval('client_signed_at'))
            | (Eval('state') != 'active')})
    client_signer_role = fields.Selection(
        SIGNER_ROLES, "Client Signer Role",
        states={'readonly': Bool(Eval('client_signed_at'))
            | (Eval('state') != 'active')})
    client_signed_at = fields.DateTime("Client Signed At", readonly=True)
    review_overdue = fields.Function(
        fields.Boolean("Review Overdue"), 'get_review_overdue',
        searcher='search_review_overdue')
    del _draft

    _unlocked_fields = {'state', 'client_signer_name', 'client_signer_role',
        'client_signed_at'}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'superseded'),
            ('active', 'closed'),
            }
        cls._buttons.update({
                'sign': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'client_sign': {
                    'invisible': ((Eval('state') != 'active')
                        | Bool(Eval('client_signed_at'))),
                    'depends': ['state', 'client_signed_at'],
                    },
                'review': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def check_modification(cls, mode, plans, values=None, external=False):
        super().check_modification(
            mode, plans, values=values, external=external)
        ClientDiagnosis = Pool().get('therapy.client.diagnosis')
        ClientDiagnosis.check_care_team(mode, plans, values, external)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_clinician(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_review_due(cls):
        return cls.default_start_date() + dt.timedelta(days=REVIEW_DAYS)

    @fields.depends('start_date')
    def on_change_start_date(self):
        if self.start_date:
            self.review_due = self.start_date + dt.timedelta(days=REVIEW_DAYS)

    def get_rec_name(self, name):
        return gettext('therapy_clinical.msg_plan_rec_name',
            client=self.client.rec_name, date=self.start_date)

    def get_review_overdue(self, name):
        today = Pool().get('ir.date').today()
        return self.state == 'active' and self.review_due < today

    @classmethod
    def search_review_overdue(cls, name, clause):
        today = Pool().get('ir.date').today()
        _, operator, value = clause
        overdue = [('state', '=', 'active'), ('review_due', '<', today)]
        if (operator == '=') == bool(value):
            return overdue
        return ['OR', ('state', '!=', 'active'), ('review_due', '>=', today)]

    def signed_content(self):
        return {
            'plan': self.id,
            'client': self.client.id,
            'clinician': self.clinician.id,
            'diagnoses': [[d.id, d.code.code] for d in self.diagnoses],
            'start_date': self.start_date,
            'review_due': self.review_due,
            'goals': [{
                    'goal': g.description,
                    'objectives': [{
                            'objective': o.description,
                            'measure': o.measure or '',
                            'target_date': o.target_date,
                            'status': o.status,
                            'interventions': [
                                [i.intervention.id, i.frequency or '']
                                for i in o.interventions],
                            } for o in g.objectives],
                    } for g in self.goals],
            'signed_by': self.signed_by.id if self.signed_by else None,
            'signed_at': self.signed_at,
            }

    def locked_message(self):
        return gettext('therapy_clinical.msg_plan_signed_locked',
            plan=self.rec_name)

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def sign(cls, plans):
        User = Pool().get('res.user')
        user = User(Transaction().user)
        previous = []
        for plan in plans:
            if not is_employee_user(plan.clinician):
                raise PlanError(gettext(
                        'therapy_clinical.msg_plan_sign_not_author',
                        plan=plan.rec_name,
                        clinician=plan.clinician.rec_name))
            if not plan.goals or not all(g.objectives for g in plan.goals):
                raise PlanError(gettext(
                        'therapy_clinical.msg_plan_incomplete',
                        plan=plan.rec_name))
            plan.signed_by = user
            plan.signed_at = clock.now()
            plan.content_hash = content_hash(plan.signed_content())
            if plan.previous and plan.previous.state == 'active':
                previous.append(plan.previous)
        cls.save(plans)
        if previous:
            cls.supersede(previous)

    @classmethod
    @Workflow.transition('superseded')
    def supersede(cls, plans):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, plans):
        pass

    @classmethod
    @ModelView.button
    def client_sign(cls, plans):
        for plan in plans:
            if not (plan.client_signer_name and plan.client_signer_role):
                raise PlanError(gettext(
                        'therapy_clinical.msg_form_signer_missing',
                        form=plan.rec_name))
        cls.write(plans, {'client_signed_at': clock.now()})

    @classmethod
    @ModelView.button_action('therapy_clinical.act_plan_review')
    def review(cls, plans):
        "Draft the next version, goals and objectives carried over"
        return {'res_id': [p.id for p in cls.draft_review(plans)]}

    @classmethod
    def draft_review(cls, plans):
        pool = Pool()
        Goal = pool.get('therapy.treatment.goal')
        Date = pool.get('ir.date')
        today = Date.today()
        new_plans = []
        for plan in plans:
            new, = cls.create([{
                        'company': plan.company.id,
                        'client': plan.client.id,
                        'clinician': plan.clinician.id,
                        'diagnoses': [('add', [d.id for d in plan.diagnoses
                                    if d.active_problem])],
                        'start_date': today,
                        'review_due': today + dt.timedelta(days=REVIEW_DAYS),
                        'previous': plan.id,
                        }])
            Goal.copy(plan.goals, default={'plan': new.id})
            new_plans.append(new)
        return new_plans

    @classmethod
    def copy(cls, plans, default=None):
        if not plans:
            return []
        raise AccessError(gettext('therapy_clinical.msg_plan_no_copy'))


class PlanDiagnosis(LockedRowMixin, ModelSQL):
    "Treatment Plan - Diagnosis"
    __name__ = 'therapy.treatment.plan-therapy.client.diagnosis'
    _locked_parent = 'plan'
    plan = fields.Many2One(
        'therapy.treatment.plan', "Plan", required=True, ondelete='CASCADE')
    diagnosis = fields.Many2One(
        'therapy.client.diagnosis', "Diagnosis", required=True,
        ondelete='RESTRICT')


class Goal(LockedRowMixin, sequence_ordered(), ModelSQL, ModelView):
    "Treatment Goal"
    __name__ = 'therapy.treatment.goal'
    _locked_parent = 'plan'
    _history = True

    plan = fields.Many2One(
        'therapy.treatment.plan', "Plan", required=True, ondelete='CASCADE')
    description = fields.Text("Goal", required=True)
    objectives = fields.One2Many(
        'therapy.treatment.objective', 'goal', "Objectives")

    def get_rec_name(self, name):
        return (self.description or '').splitlines()[0][:80] if (
            self.description) else ''


class Objective(LockedRowMixin, sequence_ordered(), ModelSQL, ModelView):
    "Treatment Objective"
    __name__ = 'therapy.treatment.objective'
    _locked_parent = 'goal.plan'
    _history = True

    goal = fields.Many2One(
        'therapy.treatment.goal', "Goal", required=True, ondelete='CASCADE')
    description = fields.Text("Objective", required=True)
    measure = fields.Char(
        "Measured By", required=True,
        help="How progress is measured, e.g. PHQ-9 below 10, 4 of 5 trials.")
    baseline = fields.Char("Baseline")
    target_date = fields.Date("Target Date", required=True)
    status = fields.Selection(OBJECTIVE_STATUS, "Status", required=True)
    interventions = fields.One2Many(
        'therapy.treatment.intervention', 'objective', "Interventions")

    @classmethod
    def default_status(cls):
        return 'not_started'


class PlanIntervention(LockedRowMixin, sequence_ordered(), ModelSQL, ModelView):
    "Treatment Plan Intervention"
    __name__ = 'therapy.treatment.intervention'
    _locked_parent = 'objective.goal.plan'

    objective = fields.Many2One(
        'therapy.treatment.objective', "Objective", required=True,
        ondelete='CASCADE')
    intervention = fields.Many2One(
        'therapy.intervention', "Intervention", required=True,
        ondelete='RESTRICT')
    frequency = fields.Char("Frequency", help="e.g. weekly, each session.")
