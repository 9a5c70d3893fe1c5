"""A client's care team: who may read the client's clinical record.

The team is the primary clinician, the clinicians booked with the client
(an appointment not cancelled, individual or group, from the practice's
days back to its days ahead), the explicit members (a covering clinician,
a consultant: added and ended by the owner or the clinical director), and
the supervisors of all of those, up the supervision chain.

Record rules ask "is one of my employees on this client's team?" as
`('care_team', 'in', Eval('employees'))`. The searcher answers with one SQL
subquery: a recursive walk down the supervision tree from the user's
employees, then the clients any of them is on the team of. Nothing loops
over clients in Python, and the date window is computed at each search, so
the rule domain cached by ir.rule holds no date.

Demographics (the client and its party, addresses and contact details)
follow the practice's setting: every clinician reads them, or only the
care team plus the clinicians who ever saw the client (so one's own past
clients keep their names in one's notes)."""
import datetime as dt

from sql import Column, Literal, Null, Union, With
from sql.operators import Exists, Or

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.model.fields import SQL_OPERATORS
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from . import clock
from .exceptions import CareTeamError


def _employee_ids(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value if v is not None]
    return [int(value)]


def direct_parts(window=True):
    """[(from, client column, employee column, condition)]: where each kind
    of direct care team member comes from (primary clinician, bookings,
    group bookings, explicit members). With window False, bookings count
    whatever their date."""
    pool = Pool()
    Client = pool.get('therapy.client')
    Appointment = pool.get('therapy.appointment')
    Attendee = pool.get('therapy.appointment.attendee')
    Member = pool.get('therapy.client.care_team.member')
    Date = pool.get('ir.date')
    client = Client.__table__()
    appointment = Appointment.__table__()
    appointment2 = Appointment.__table__()
    attendee = Attendee.__table__()
    member = Member.__table__()

    today = Date.today()
    booked = appointment.state != 'cancelled'
    group_booked = (appointment2.state != 'cancelled') & (
        attendee.attendance != 'cancelled')
    if window:
        days_back, days_ahead = CareTeamSettings.window()
        first = dt.datetime.combine(
            today - dt.timedelta(days=days_back), dt.time())
        after = dt.datetime.combine(
            today + dt.timedelta(days=days_ahead + 1), dt.time())
        booked &= (appointment.start >= first) & (appointment.start < after)
        group_booked &= ((appointment2.start >= first)
            & (appointment2.start < after))
    return [
        (client, client.id, client.primary_clinician,
            client.primary_clinician != Null),
        (appointment, appointment.client, appointment.clinician,
            booked & (appointment.client != Null)),
        (attendee.join(appointment2,
                condition=attendee.appointment == appointment2.id),
            attendee.client, appointment2.clinician, group_booked),
        # ended by the End button: out at once, not at midnight
        (member, member.client, member.employee,
            (member.from_date <= today) & (member.ended_at == Null)
            & ((member.to_date == Null) | (member.to_date >= today))),
        ]


def team_pairs(window=True, employees=None):
    """SQL query of (client, employee): the direct members of each
    client's care team (primary clinician, bookings, explicit members).
    With window False, bookings count whatever their date.
    employees: the ids of the employees wanted, put in each part of the
    union: PostgreSQL does not push a condition with a subquery into a
    UNION, and the whole practice's history was sorted to keep one
    clinician's pairs (670 ms a client read at 275,000 appointments)"""
    def wanted(condition, column):
        if employees is not None:
            condition &= SQL_OPERATORS['in'](column, employees)
        return condition
    # one flat UNION: SQLite's parser has a shallow stack for nesting
    return Union(*(from_.select(client.as_('client'),
                employee.as_('employee'), where=wanted(condition, employee))
            for from_, client, employee, condition in direct_parts(window)))


def team_of(employee_ids):
    """The ids of employee_ids and of everyone they supervise, down the
    chain: read first, so that the database sees the ids (a subquery's
    few rows it guesses, and it scanned every appointment rather than use
    the clinician's index)"""
    Employee = Pool().get('company.employee')
    employee = Employee.__table__()
    cursor = Transaction().connection.cursor()
    team = With('id', recursive=True)
    team.query = employee.select(employee.id,
        where=SQL_OPERATORS['in'](employee.id, employee_ids or [-1]))
    team.query |= employee.join(team,
        condition=employee.supervisor == team.id).select(employee.id)
    cursor.execute(*team.select(team.id, with_=[team]))
    return sorted({i for i, in cursor}) or [-1]


def care_team_clients(employee_ids, window=True):
    """SQL query of the ids of the clients on whose care team one of
    employee_ids is (themselves or through someone they supervise)"""
    pairs = team_pairs(window, employees=team_of(employee_ids))
    return pairs.select(Column(pairs, 'client'))


def on_care_team(client_column, team, window=True):
    """SQL condition: the client in client_column (a column of the query
    it goes in) has one of team (from team_of) on its care team. A record
    rule's test of the records read: each part is an EXISTS on the
    client's own rows (their indexes), where the query of the whole team
    (care_team_clients) collects every client of the clinician's history
    first, tens of milliseconds for one record; PostgreSQL still hashes
    each part once when many rows are tested. Never NULL, so that its
    negation keeps the clients it does not hold."""
    return Or([Exists(from_.select(Literal(1),
                    where=condition & SQL_OPERATORS['in'](employee, team)
                    & (client == client_column)))
            for from_, client, employee, condition in direct_parts(window)])


def team_expression(clause, expression):
    """SQL expression of a care team clause: expression(team) is the
    condition for its 'in'"""
    _, operator, value = clause[:3]
    expression = expression(team_of(_employee_ids(value)))
    if operator in {'not in', '!='}:
        return ~expression
    return expression


def search_team_clause(clause, query):
    "Domain on the client ids of query for an employee clause"
    _, operator, _ = clause[:3]
    if operator in {'not in', '!='}:
        return [('id', 'not in', query)]
    return [('id', 'in', query)]


def everyone_ids():
    "Every employee: the readers of what is not limited"
    Employee = Pool().get('company.employee')
    with without_check_access():
        return [e.id for e in Employee.search([])]


def client_people():
    """SQL query of (party, client): the client's own party, emergency
    contact and guardians, the people a client's demographics name"""
    pool = Pool()
    Client = pool.get('therapy.client')
    Guardian = pool.get('therapy.client.guardian')
    client = Client.__table__()
    emergency = Client.__table__()
    guardian = Guardian.__table__()
    return Union(
        client.select(client.party.as_('party'), client.id.as_('client')),
        emergency.select(emergency.emergency_contact.as_('party'),
            emergency.id.as_('client'),
            where=emergency.emergency_contact != Null),
        guardian.select(guardian.party.as_('party'),
            guardian.client.as_('client')))


def pairs_of(query, key, value, ids):
    """{id: {value, ...}} of a two-column query, for the given ids of its
    key column (read in slices the database's IN accepts)"""
    cursor = Transaction().connection.cursor()
    result = {i: set() for i in ids}
    for sub in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*query.select(Column(query, key), Column(query, value),
                where=SQL_OPERATORS['in'](Column(query, key), list(sub))))
        for key_id, value_id in cursor:
            result[key_id].add(value_id)
    return result


class CareTeamSettings:
    "The practice's care team settings"

    @staticmethod
    def settings():
        Configuration = Pool().get('therapy.configuration')
        return Configuration.settings(['care_team_days_back',
                'care_team_days_ahead', 'client_demographics'])

    @classmethod
    def window(cls):
        config = cls.settings()
        return (config['care_team_days_back'] or 0,
            config['care_team_days_ahead'] or 0)

    @classmethod
    def demographics_limited(cls):
        return cls.settings()['client_demographics'] != 'all'


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    care_team = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Care Team",
            help="Who reads the client's clinical record: the primary "
            "clinician, the clinicians booked with the client within the "
            "practice's window, the explicit members, and their "
            "supervisors."),
        'get_care_team', searcher='search_care_team')
    demographics_team = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Demographics Readers",
            help="Clinicians who read the client's name and contact "
            "details when the practice limits them to the care team."),
        'get_care_team', searcher='search_demographics_team')
    care_team_members = fields.One2Many(
        'therapy.client.care_team.member', 'client', "Care Team Members",
        readonly=True,
        help="Clinicians added to the care team by the owner or the "
        "clinical director (covering, consulting).")

    @classmethod
    def get_care_team(cls, clients, name):
        "The direct members, then their supervisors up the chain"
        Employee = Pool().get('company.employee')
        if (name == 'demographics_team'
                and not CareTeamSettings.demographics_limited()):
            # read in Python too (export_data evaluates rules per record)
            everyone = everyone_ids()
            return {c.id: everyone for c in clients}
        direct = pairs_of(team_pairs(window=name == 'care_team'),
            'client', 'employee', [c.id for c in clients])
        result = {}
        with without_check_access():
            for client_id, employee_ids in direct.items():
                team = set()
                for employee in Employee.browse(list(employee_ids)):
                    while employee and employee.id not in team:
                        team.add(employee.id)
                        employee = employee.supervisor
                result[client_id] = sorted(team)
        return result

    @classmethod
    def search_care_team(cls, name, clause):
        return search_team_clause(clause,
            care_team_clients(_employee_ids(clause[2])))

    @classmethod
    def search_demographics_team(cls, name, clause):
        if not CareTeamSettings.demographics_limited():
            return []
        return search_team_clause(clause,
            care_team_clients(_employee_ids(clause[2]), window=False))

    # Record rules and clauses through a relation (a note's client) come
    # here, searches on the client itself to the searchers: the rule tests
    # the rows read (on_care_team), a search collects the team's clients.
    @classmethod
    def domain_care_team(cls, domain, tables):
        if '.' in domain[0]:
            return cls.search_care_team('care_team', domain)
        table, _ = tables[None]
        return team_expression(domain,
            lambda team: on_care_team(table.id, team))

    @classmethod
    def domain_demographics_team(cls, domain, tables):
        if '.' in domain[0] or not CareTeamSettings.demographics_limited():
            return cls.search_demographics_team('demographics_team', domain)
        table, _ = tables[None]
        return team_expression(domain,
            lambda team: on_care_team(table.id, team, window=False))

    @classmethod
    def outside_care_team(cls, clients):
        """The clients among these whose care team the current user is
        not on, when the user's clinical reach stops at the care team"""
        pool = Pool()
        User = pool.get('res.user')
        # called for a user's own change (check_modification's external):
        # Tryton runs that check without access checks
        if not Transaction().user:
            return []
        if not cls.care_team_bounded():
            return []
        ids = {c.id for c in clients}
        with without_check_access():
            inside = {c.id for c in cls.search([
                        ('id', 'in', list(ids)),
                        ('care_team', 'in', list(User.get_employees())),
                        ])}
        return [c for c in clients if c.id not in inside]

    @classmethod
    def check_care_team(cls, clients):
        "Refuse unless the current user is on each client's care team"
        if cls.outside_care_team(clients):
            # no name: the user may not be allowed to read it
            raise CareTeamError(gettext(
                'therapy_scheduling.msg_client_outside_care_team'))

    @classmethod
    def care_team_bounded(cls):
        """Whether the current user's clinical reach stops at the care
        team: a clinician or supervisor with no role that sees every
        client"""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        groups = set(User.get_groups())
        bounded = {ModelData.get_id('therapy_scheduling', g)
            for g in ['group_clinician', 'group_supervisor']}
        unbounded = {ModelData.get_id(*g.split('.'))
            for g in cls._care_team_unbounded_groups()}
        return bool(groups & bounded) and not (groups & unbounded)

    @classmethod
    def _care_team_unbounded_groups(cls):
        return ['therapy_scheduling.group_front_desk',
            'therapy_scheduling.group_owner',
            # inside a window of break-glass (therapy_audit/emergency.py)
            'therapy_audit.group_emergency_active']


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    care_team = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Care Team",
            help="The care team of the client (or of a group's clients)."),
        'get_care_team', searcher='search_care_team')

    @classmethod
    def get_care_team(cls, appointments, name):
        result = {}
        for appointment in appointments:
            clients = ([appointment.client] if appointment.client
                else [a.client for a in appointment.attendees])
            result[appointment.id] = sorted(
                {e.id for c in clients for e in c.care_team})
        return result

    @classmethod
    def search_care_team(cls, name, clause):
        """The appointments of the clients of the care team, in SQL: a
        domain through client and attendees would nest every model's
        rules in the query, deeper than SQLite parses"""
        Attendee = Pool().get('therapy.appointment.attendee')
        appointment = cls.__table__()
        attendee = Attendee.__table__()
        clients = care_team_clients(_employee_ids(clause[2]))
        query = Union(
            appointment.select(appointment.id,
                where=appointment.client.in_(clients)),
            attendee.select(attendee.appointment.as_('id'),
                where=attendee.client.in_(clients)))
        return search_team_clause(clause, query)

    @classmethod
    def domain_care_team(cls, domain, tables):
        "As the client's: the rows read tested (on_care_team)"
        if '.' in domain[0]:
            return cls.search_care_team('care_team', domain)
        Attendee = Pool().get('therapy.appointment.attendee')
        table, _ = tables[None]
        attendee = Attendee.__table__()
        return team_expression(domain,
            lambda team: on_care_team(table.client, team)
            | Exists(attendee.select(Literal(1),
                    where=(attendee.appointment == table.id)
                    & on_care_team(attendee.client, team))))


class Member(ModelSQL, ModelView):
    "Care Team Member"
    __name__ = 'therapy.client.care_team.member'
    _history = True

    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='CASCADE',
        states={'readonly': Eval('id', -1) >= 0})
    employee = fields.Many2One(
        'company.employee', "Clinician", required=True, ondelete='CASCADE',
        domain=[('discipline', '!=', None)],
        states={'readonly': Eval('id', -1) >= 0})
    reason = fields.Char(
        "Reason", required=True,
        states={'readonly': Eval('id', -1) >= 0},
        help="Why this clinician joins the team (covering, consulting).")
    from_date = fields.Date(
        "From", required=True, states={'readonly': Eval('id', -1) >= 0})
    to_date = fields.Date(
        "To",
        domain=['OR', ('to_date', '=', None),
            ('to_date', '>=', Eval('from_date', None))],
        states={'readonly': Eval('id', -1) >= 0},
        help="Leave empty until the membership is ended.")
    ended_by = fields.Many2One('res.user', "Ended By", readonly=True)
    ended_at = fields.DateTime("Ended At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('client')
        cls._order = [('from_date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'end': {
                    'invisible': ((Eval('to_date', None) != None)  # noqa: E711
                        | (Eval('id', -1) < 0)),
                    'depends': ['to_date', 'id'],
                    },
                })

    @classmethod
    def default_from_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        return f'{self.employee.rec_name} ({self.reason})'

    @classmethod
    def check_modification(cls, mode, members, values=None, external=False):
        super().check_modification(
            mode, members, values=values, external=external)
        if mode == 'delete':
            raise AccessError(gettext(
                    'therapy_scheduling.msg_care_team_member_delete'))
        if mode == 'write' and external:
            raise AccessError(gettext(
                    'therapy_scheduling.msg_care_team_member_write'))

    @classmethod
    @ModelView.button
    def end(cls, members):
        "End the membership today (the row and its history stay)"
        today = Pool().get('ir.date').today()
        transaction = Transaction()
        for member in members:
            if member.to_date and member.to_date <= today:
                continue
            member.to_date = max(today, member.from_date)
            member.ended_by = transaction.user
            member.ended_at = clock.now()
        cls.save(members)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    demographics_team = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Demographics Readers",
            help="For a client's own party, emergency contact or "
            "guardian: the clinicians who read it when the practice limits "
            "demographics to the care team. Other parties (clinicians, "
            "payers) are not limited."),
        'get_demographics_team', searcher='search_demographics_team')
    client_person = fields.Function(fields.Boolean(
            "Named by a Client",
            help="A client's own party, emergency contact or guardian: "
            "only the front desk and the owner change their names, "
            "addresses and contacts."),
        'get_client_person', searcher='search_client_person')

    @classmethod
    def get_client_person(cls, parties, name):
        named = pairs_of(client_people(), 'party', 'client',
            [p.id for p in parties])
        return {p.id: bool(named[p.id]) for p in parties}

    @classmethod
    def search_client_person(cls, name, clause):
        _, operator, value = clause
        people = client_people()
        named = people.select(Column(people, 'party'),
            where=Column(people, 'party') != Null)
        wanted = (operator == '=') == bool(value)
        return [('id', 'in' if wanted else 'not in', named)]

    @classmethod
    def get_demographics_team(cls, parties, name):
        """Everyone for a party no client's demographics name; for a
        client's own party, emergency contact or guardian, the clients'
        demographics readers"""
        Client = Pool().get('therapy.client')
        everyone = everyone_ids()
        result = {p.id: everyone for p in parties}
        if not CareTeamSettings.demographics_limited():
            return result
        named = {party_id: client_ids for party_id, client_ids in pairs_of(
                client_people(), 'party', 'client',
                [p.id for p in parties]).items() if client_ids}
        with without_check_access():
            clients = {c.id: c for c in Client.browse(
                    list(set().union(*named.values())))}
            for party_id, client_ids in named.items():
                result[party_id] = sorted({e.id for i in client_ids
                        for e in clients[i].demographics_team})
        return result

    @classmethod
    def search_demographics_team(cls, name, clause):
        """A party no client's demographics name, or one a client of the
        care team (ever seen) names: its own, its emergency contact, its
        guardians"""
        if not CareTeamSettings.demographics_limited():
            return []
        people = client_people()
        reached = client_people()
        reach = reached.select(Column(reached, 'party'),
            where=Column(reached, 'client').in_(care_team_clients(
                    _employee_ids(clause[2]), window=False)))
        return ['OR',
            ('id', 'not in', people.select(Column(people, 'party'))),
            ('id', 'in', reach),
            ]
