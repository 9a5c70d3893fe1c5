"""Questionnaires: intake forms, consents and outcome measures.

A practice builds templates of typed questions; a response is one client's
answers. Completing a response freezes it: the exact rendered document
(text, answers, signer) is stored with its SHA-256, so what the client
signed can be shown and proven later. Intake answers mapped to client fields
update the one client record once staff have reviewed them."""
import datetime as dt
from zoneinfo import ZoneInfo

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, Workflow, fields,
    sequence_ordered)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from therapy_scheduling import clock

from .answers import (
    TYPES, AnswerError, flags_risk, label, normalize, parse_options)
from .client_update import apply_changes, describe_changes
from .exceptions import FormError
from .locking import LockedRowMixin, SignedLockMixin
from .measure import schedule
from .measures import MEASURES, SEVERITIES, ScoringError, score
from .signature import sha256

CATEGORIES = [
    ('intake', "Intake"),
    ('consent', "Consent"),
    ('measure', "Outcome Measure"),
    ('other', "Other"),
    ]
SIGNER_ROLES = [
    (None, ""),
    ('client', "Client"),
    ('guardian', "Parent / Guardian"),
    ]
# where an intake answer goes in the client record (client_update.py)
CLIENT_FIELDS = [
    (None, ""),
    ('street', "Address: street"),
    ('city', "Address: city"),
    ('postal_code', "Address: ZIP code"),
    ('phone', "Phone"),
    ('email', "Email"),
    ('preferred_name', "Preferred name"),
    ('pronouns', "Pronouns"),
    ('emergency_contact_name', "Emergency contact: name"),
    ('emergency_contact_phone', "Emergency contact: phone"),
    ('emergency_contact_relationship', "Emergency contact: relationship"),
    ('insurance_payer', "Insurance: payer"),
    ('insurance_member_id', "Insurance: member ID"),
    ('insurance_group_number', "Insurance: group number"),
    ('insurance_subscriber', "Insurance: subscriber"),
    ]


# who reads clinical answers (form.xml's rule on answers says the same)
CARE_TEAM = [
    ('therapy_scheduling', 'group_clinician'),
    ('therapy_scheduling', 'group_supervisor'),
    ('therapy_clinical', 'group_clinical_director'),
    ]


def reads_clinical_answers():
    "Whether the transaction's user may read clinical answers"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    transaction = Transaction()
    if not transaction.user or not transaction.check_access:
        return True
    care_team = {ModelData.get_id(*g) for g in CARE_TEAM}
    return bool(care_team & set(User.get_groups()))


def domain_paths(domain, prefix=''):
    "The field paths a search domain walks, nested where-domains included"
    if not domain or isinstance(domain, str):
        return
    if isinstance(domain[0], str) and len(domain) >= 3 and domain[0] not in {
            'AND', 'OR'}:
        name, operator = domain[0], domain[1]
        yield prefix + name
        if operator in {'where', 'not where'}:
            yield from domain_paths(domain[2], f'{prefix}{name}.')
        return
    for part in domain:
        if isinstance(part, (list, tuple)):
            yield from domain_paths(part, prefix)


def check_answers_search(domain):
    """Refuse a search through answers' content to who may not read
    clinical answers: Tryton searches a related path without the target's
    record rules, so it would tell which clients answered what"""
    if reads_clinical_answers():
        return
    for path in domain_paths(domain):
        names = path.split('.')
        if 'answers' in names[:-1]:
            raise AccessError(gettext(
                    'therapy_clinical.msg_form_answers_search'))


def company_date(utc):
    "The date of naive UTC datetime utc in the company's time zone"
    Company = Pool().get('company.company')
    company_id = Transaction().context.get('company')
    timezone = Company(company_id).timezone if company_id else None
    return utc.replace(tzinfo=dt.timezone.utc).astimezone(
        ZoneInfo(timezone or 'UTC')).date()


class FormTemplate(DeactivableMixin, ModelSQL, ModelView):
    "Form Template"
    __name__ = 'therapy.form.template'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", help="Stable identifier, e.g. phq9.")
    category = fields.Selection(CATEGORIES, "Category", required=True)
    body = fields.Text(
        "Document Text", translate=True,
        help="What the client reads (and signs, for a consent).")
    questions = fields.One2Many(
        'therapy.form.question', 'template', "Questions")
    signature_required = fields.Boolean(
        "Signature Required",
        help="Completing a response records who signed, when and from "
        "where, with a fingerprint of the signed document.")
    measure = fields.Selection(
        [(None, "")] + [(k, m.name) for k, m in MEASURES.items()],
        "Scoring",
        states={'invisible': Eval('category') != 'measure'},
        help="Scores answers with the published rules of the measure.")
    every_n_sessions = fields.Integer(
        "Every N Sessions",
        domain=[('every_n_sessions', '>=', 0)],
        states={'invisible': Eval('category') != 'measure'},
        help="Given at the first session, then every N attended sessions "
        "(0: only on demand).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'therapy_clinical.msg_form_template_code_unique'),
            ]
        cls._order = [('category', 'ASC'), ('name', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_category(cls):
        return 'intake'

    @classmethod
    def default_every_n_sessions(cls):
        return 0


class FormQuestion(sequence_ordered(), ModelSQL, ModelView):
    "Form Question"
    __name__ = 'therapy.form.question'

    template = fields.Many2One(
        'therapy.form.template', "Template", required=True,
        ondelete='CASCADE')
    code = fields.Char("Code", help="Stable key, e.g. item9 for scoring.")
    text = fields.Text("Question", required=True, translate=True)
    type = fields.Selection(TYPES, "Type", required=True)
    required = fields.Boolean("Required")
    options = fields.Text(
        "Options",
        states={'invisible': ~Eval('type').in_(['choice', 'multi_choice'])},
        help='One per line, as "value|label" or just the label.')
    scale_min = fields.Integer(
        "Scale From", states={'invisible': Eval('type') != 'scale'})
    scale_max = fields.Integer(
        "Scale To", states={'invisible': Eval('type') != 'scale'})
    client_field = fields.Selection(
        CLIENT_FIELDS, "Updates Client Field",
        help="After staff review, the answer is copied into the client "
        "record (no re-typing).")
    clinical = fields.Boolean(
        "Clinical",
        help="The answer is clinical (symptoms, history, medications, "
        "risk): only the care team reads it, not the front desk.")
    risk = fields.Boolean(
        "Risk Question",
        help="An answer other than none, no, 0 or the first option (such "
        "as thoughts of self-harm) shows the client crisis resources at "
        "once and alerts the care team. A risk question is clinical.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('template')

    @classmethod
    def default_type(cls):
        return 'text'

    def get_rec_name(self, name):
        # the question as staff read it, not "(23)" (Tryton's default for
        # a model without a name field)
        return self.text

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        return ['OR',
            ('text', operator, operand, *extra),
            ('code', operator, operand, *extra),
            ]

    @fields.depends('risk', 'clinical')
    def on_change_risk(self):
        if self.risk:
            self.clinical = True

    @classmethod
    def validate_fields(cls, questions, field_names):
        super().validate_fields(questions, field_names)
        if field_names & {'risk', 'clinical'}:
            for question in questions:
                if question.risk and not question.clinical:
                    raise FormError(gettext(
                            'therapy_clinical.msg_form_question_risk_clinical',
                            question=question.text))

    @classmethod
    def default_required(cls):
        return False

    @classmethod
    def default_clinical(cls):
        return False

    @property
    def parsed_options(self):
        if self.type == 'yes_no':
            return [('yes', "Yes"), ('no', "No")]
        return parse_options(self.options)

    def check_answer(self, value):
        try:
            value = normalize(self.type, value, self.parsed_options,
                (self.scale_min, self.scale_max))
        except AnswerError as error:
            raise FormError(gettext('therapy_clinical.msg_form_answer_invalid',
                    question=self.text, reason=str(error)))
        if self.required and value is None:
            raise FormError(gettext('therapy_clinical.msg_form_answer_missing',
                    question=self.text))
        return value


class FormResponse(SignedLockMixin, Workflow, ModelSQL, ModelView):
    "Form Response"
    __name__ = 'therapy.form.response'
    _history = True

    _draft = {'readonly': Eval('state') != 'draft'}
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_draft)
    template = fields.Many2One(
        'therapy.form.template', "Form", required=True, ondelete='RESTRICT',
        states=_draft)
    category = fields.Function(
        fields.Selection(CATEGORIES, "Category"), 'on_change_with_category',
        searcher='search_category')
    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))], states=_draft)
    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", ondelete='SET NULL',
        domain=[('company', '=', Eval('company', -1))], states=_draft)
    answers = fields.One2Many(
        'therapy.form.answer', 'response', "Answers", states=_draft)
    state = fields.Selection([
            ('draft', "Pending"),
            ('completed', "Completed"),
            ], "State", readonly=True, required=True, sort=False)
    date = fields.Date("Date", readonly=True)
    completed_at = fields.DateTime("Completed At", readonly=True)
    completed_by = fields.Many2One(
        'res.user', "Entered By", readonly=True,
        help="Staff user who entered it; empty when the client did so in "
        "the portal.")
    signer_name = fields.Char(
        "Signer Name",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': ~Eval('signature_required', False),
            })
    signer_role = fields.Selection(
        SIGNER_ROLES, "Signer Role",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': ~Eval('signature_required', False),
            })
    signature_required = fields.Function(
        fields.Boolean("Signature Required"),
        'on_change_with_signature_required')
    signer_ip = fields.Char("Signed From IP", readonly=True)
    signer_user_agent = fields.Char("Signed With Browser", readonly=True)
    # lazy: only who opens it reads it (the care team, form.xml)
    document = fields.Text("Signed Document", readonly=True, loading='lazy')
    document_hash = fields.Char("Document SHA-256", readonly=True, size=64)
    hash_valid = fields.Function(
        fields.Boolean("Document Unchanged"), 'get_hash_valid')
    score = fields.Integer("Score", readonly=True)
    severity = fields.Selection(
        [(None, "")] + SEVERITIES, "Severity", readonly=True)
    risk_flag = fields.Boolean(
        "Risk Flag", readonly=True,
        help="PHQ-9 item 9 above 0, or a risk question answered: assess "
        "risk today.")
    applied_at = fields.DateTime("Applied to Client At", readonly=True)
    applied_by = fields.Many2One('res.user', "Applied By", readonly=True)
    pending_changes = fields.Function(
        fields.Text("Changes to the Client Record"), 'get_pending_changes')
    del _draft

    # what a completed response may still receive (review of intake)
    _unlocked_fields = {'state', 'applied_at', 'applied_by'}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('appointment_unique',
                Unique(t, t.appointment, t.client, t.template),
                'therapy_clinical.msg_form_response_appointment_unique'),
            ]
        cls._order = [('date', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'completed')}
        cls._buttons.update({
                'complete': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'apply_to_client': {
                    'invisible': ((Eval('state') != 'completed')
                        | Bool(Eval('applied_at'))
                        | ~Eval('pending_changes')),
                    'depends': ['state', 'applied_at', 'pending_changes'],
                    },
                })

    @classmethod
    def search(cls, domain, *args, **kwargs):
        check_answers_search(domain)
        return super().search(domain, *args, **kwargs)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('template')
    def on_change_with_category(self, name=None):
        return self.template.category if self.template else None

    @classmethod
    def search_category(cls, name, clause):
        return [('template.category',) + tuple(clause[1:])]

    @fields.depends('template')
    def on_change_with_signature_required(self, name=None):
        return bool(self.template and self.template.signature_required)

    @fields.depends('template', 'answers')
    def on_change_template(self):
        if self.template and not self.answers:
            Answer = Pool().get('therapy.form.answer')
            self.answers = [Answer(question=q) for q in self.template.questions]

    @classmethod
    def create(cls, vlist):
        Answer = Pool().get('therapy.form.answer')
        responses = super().create(vlist)
        Answer.create([{'response': r.id, 'question': q.id}
                for r in responses if not r.answers
                for q in r.template.questions])
        return responses

    def get_rec_name(self, name):
        return f'{self.template.rec_name} - {self.client.rec_name}'

    def get_hash_valid(self, name):
        if self.document_hash:
            return sha256(self.document or '') == self.document_hash

    def answer_values(self):
        "{question: stored value}"
        return {a.question: a.value for a in self.answers}

    def render(self, signed_at):
        "The document as completed: text, questions and answers, signer"
        lines = [self.template.name, '']
        if self.template.body:
            lines += [self.template.body.strip(), '']
        lines.append(gettext('therapy_clinical.msg_form_render_client',
                client=self.client.party.name, number=self.client.number))
        for question, value in sorted(self.answer_values().items(),
                key=lambda i: (i[0].sequence or 0, i[0].id)):
            lines.append(f'{question.text.strip()}: '
                f'{label(question.type, value, question.parsed_options)}')
        if self.template.signature_required:
            lines += ['', gettext('therapy_clinical.msg_form_render_signed',
                    name=self.signer_name,
                    role=dict(SIGNER_ROLES)[self.signer_role],
                    date=signed_at.isoformat(sep=' ') + ' UTC')]
        return '\n'.join(lines) + '\n'

    def locked_message(self):
        return gettext('therapy_clinical.msg_form_response_locked',
            response=self.rec_name)

    @classmethod
    @ModelView.button
    def complete(cls, responses):
        cls.do_complete(responses)

    @classmethod
    @Workflow.transition('completed')
    def do_complete(cls, responses, ip_address=None, user_agent=None,
            portal=False, when=None):
        """Check every answer, score measures and freeze the document;
        ip_address and user_agent come from the portal request, when (UTC)
        from a paper form entered later"""
        pool = Pool()
        Answer = pool.get('therapy.form.answer')
        Date = pool.get('ir.date')
        now = (when or clock.now()).replace(microsecond=0)
        today = company_date(now) if when else Date.today()
        answers = []
        for response in responses:
            for answer in response.answers:
                answer.value = answer.question.check_answer(answer.value)
                answers.append(answer)
        Answer.save(answers)
        for response in responses:
            template = response.template
            if template.signature_required and not (
                    response.signer_name and response.signer_role):
                raise FormError(gettext(
                        'therapy_clinical.msg_form_signer_missing',
                        form=template.rec_name))
            if template.measure:
                response.set_score()
            response.risk_flag = bool(response.risk_flag
                or response.risk_answered())
            response.completed_at = now
            response.date = today
            response.completed_by = None if portal else (
                Transaction().user or None)
            response.signer_ip = ip_address
            response.signer_user_agent = (user_agent or '')[:250] or None
            response.document = response.render(now)
            response.document_hash = sha256(response.document)
        cls.save(responses)

    def set_score(self):
        by_item = {}
        for question, value in self.answer_values().items():
            if question.code and question.code.startswith('item'):
                by_item[int(question.code[4:])] = value
        try:
            result = score(self.template.measure, by_item)
        except ScoringError as error:
            raise FormError(gettext('therapy_clinical.msg_form_score',
                    form=self.template.rec_name, reason=str(error)))
        self.score, self.severity, self.risk_flag = result

    def risk_answered(self):
        "Whether an answer to one of the template's risk questions flags risk"
        return any(flags_risk(q.type, v, q.parsed_options)
            for q, v in self.answer_values().items() if q.risk)

    def get_pending_changes(self, name):
        if self.state != 'completed' or self.applied_at:
            return None
        return describe_changes(self.client, self.mapped_answers()) or None

    def mapped_answers(self):
        "{client field: answer} for answered questions mapped to the client"
        return {q.client_field: v for q, v in self.answer_values().items()
            if q.client_field and v}

    @classmethod
    @ModelView.button
    def apply_to_client(cls, responses):
        now = clock.now()
        for response in responses:
            if response.state != 'completed' or response.applied_at:
                continue
            apply_changes(response.client, response.mapped_answers())
        cls.write([r for r in responses if not r.applied_at], {
                'applied_at': now,
                'applied_by': Transaction().user or None,
                })

    @classmethod
    def schedule_measures(cls, horizon=dt.timedelta(days=2)):
        return schedule(horizon)


class FormAnswer(LockedRowMixin, ModelSQL, ModelView):
    "Form Answer"
    __name__ = 'therapy.form.answer'
    _locked_parent = 'response'
    _history = True

    response = fields.Many2One(
        'therapy.form.response', "Response", required=True,
        ondelete='CASCADE')
    question = fields.Many2One(
        'therapy.form.question', "Question", required=True,
        ondelete='RESTRICT',
        domain=[('template', '=', Eval('_parent_response.template', -1))])
    question_type = fields.Function(
        fields.Selection(TYPES, "Type"), 'on_change_with_question_type')
    clinical = fields.Function(
        fields.Boolean("Clinical"), 'on_change_with_clinical',
        searcher='search_clinical')
    value = fields.Text("Answer")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('question_unique', Unique(t, t.response, t.question),
                'therapy_clinical.msg_form_answer_unique'),
            ]
        cls._order = [('response', 'ASC'), ('id', 'ASC')]

    @fields.depends('question')
    def on_change_with_question_type(self, name=None):
        return self.question.type if self.question else None

    @classmethod
    def search(cls, domain, *args, **kwargs):
        check_answers_search(domain)
        return super().search(domain, *args, **kwargs)

    # the access rule on clinical answers tests this field: a rule on a
    # dotted path would not be evaluated when records are exported
    @fields.depends('question')
    def on_change_with_clinical(self, name=None):
        return bool(self.question and self.question.clinical)

    @classmethod
    def search_clinical(cls, name, clause):
        return [('question.clinical',) + tuple(clause[1:])]

    def get_rec_name(self, name):
        return self.question.text
