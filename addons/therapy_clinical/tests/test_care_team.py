"""The care team from the side of the clinician who is not on it: every
path to another client's record and the people it names (read, search,
count, export, write, a new diagnosis or plan) is refused, and each way
onto the team opens it."""
import datetime as dt
import unittest

from trytond.model.exceptions import AccessError
from trytond.model.modelsql import convert_from
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    as_user, create_client, create_clinician, create_user, day_at)

from .fixtures import CLINICIAN, DIRECTOR, SUPERVISOR, ClinicalPractice

FRONT_DESK = 'therapy_scheduling.group_front_desk'
OWNER = 'therapy_scheduling.group_owner'


class CareTeamPractice(ClinicalPractice):
    """Morgan (supervised by Avery) is Jordan's primary clinician; Alex
    is on no team of Jordan's; Sam is another of Alex's clients"""

    def __init__(self):
        super().__init__()
        pool = Pool()
        Diagnosis = pool.get('therapy.client.diagnosis')
        ICD10 = pool.get('therapy.icd10')
        Plan = pool.get('therapy.treatment.plan')
        Response = pool.get('therapy.form.response')
        Template = pool.get('therapy.form.template')
        self.client.primary_clinician = self.morgan
        self.client.save()
        self.sam = create_client("Sam Ortiz", primary_clinician=self.alex.id)
        self.front_desk_user = create_user('desk', [FRONT_DESK])
        # as in the demo: the clinical director is a clinician too
        self.director_user = create_user('chief', [CLINICIAN, DIRECTOR])
        self.owner_user = create_user('owner', [OWNER])
        self.appointment = self.session(self.morgan, self.past(3))
        self.code, = ICD10.search([('code', '=', 'F41.1')])
        code = self.code
        self.diagnosis, = Diagnosis.create([{
                    'client': self.client.id, 'code': code.id}])
        self.plan, = Plan.create([{
                    'client': self.client.id, 'clinician': self.morgan.id,
                    'start_date': dt.date.today(),
                    'review_due': dt.date.today()}])
        phq9, = Template.search([('code', '=', 'phq9')])
        self.phq9 = phq9
        self.response, = Response.create([{
                    'client': self.client.id, 'template': phq9.id}])
        for answer in self.response.answers:
            if answer.question.code.startswith('item'):
                answer.value = '1'
        self.response.answers = self.response.answers
        self.response.save()
        Response.do_complete([self.response])
        self.answer = self.response.answers[0]
        # the latest score of a measure is its completed response's row
        self.measure = pool.get('therapy.measure.latest')(self.response.id)

    def member(self, employee, client=None, **values):
        Member = Pool().get('therapy.client.care_team.member')
        member, = Member.create([{
                    'client': (client or self.client).id,
                    'employee': employee.id, 'reason': "Covering",
                    **values}])
        return member


CLINICAL = {
    'therapy.form.response': 'response',
    'therapy.form.answer': 'answer',
    'therapy.measure.latest': 'measure',
    'therapy.client.diagnosis': 'diagnosis',
    'therapy.treatment.plan': 'plan',
    'therapy.appointment': 'appointment',
    'therapy.client': 'client',
    }


TEAM_FIELDS = [('therapy.client', 'care_team'),
    ('therapy.client', 'demographics_team'),
    ('therapy.appointment', 'care_team')]


class CareTeamTestCase(unittest.TestCase):

    def assert_paths_agree(self, employees):
        """A care team clause answers the same searched (the searcher: the
        team's clients collected) and tested row by row, as a record rule
        or a relation's clause is (search_domain: on_care_team)"""
        pool = Pool()
        cursor = Transaction().connection.cursor()
        for name, field in TEAM_FIELDS:
            Model = pool.get(name)
            for employee in employees:
                for operator in ['in', 'not in']:
                    clause = [(field, operator, [employee.id])]
                    searched = {r.id for r in Model.search(clause)}
                    tables, expression = Model.search_domain(clause)
                    table, _ = tables[None]
                    cursor.execute(*convert_from(None, tables).select(
                            table.id, where=expression))
                    self.assertEqual({i for i, in cursor}, searched,
                        (name, field, operator, employee.rec_name))

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_clinical')

    def reaches(self, practice, user, models=CLINICAL):
        "The models whose record of Jordan the user reads, by every path"
        pool = Pool()
        found = set()
        for name, attr in CLINICAL.items():
            if name not in models:
                continue
            Model = pool.get(name)
            record = getattr(practice, attr)
            with as_user(user):
                ids = [r.id for r in Model.search([])]
                count = Model.search_count([('id', '=', record.id)])
                try:
                    Model.read([record.id], ['id'])
                    read = True
                except AccessError:
                    read = False
                try:
                    Model.export_data([Model(record.id)], ['id'])
                    exported = True
                except AccessError:
                    exported = False
            paths = {record.id in ids, bool(count), read, exported}
            self.assertEqual(len(paths), 1, f"{user.login} {name} {paths}")
            if read:
                found.add(name)
        return found

    @with_transaction()
    def test_outsider_reaches_nothing(self):
        """Alex, on no team of Jordan's, reads, searches, counts and
        exports none of Jordan's record, nor Jordan's name"""
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Client = pool.get('therapy.client')
        Guardian = pool.get('therapy.client.guardian')
        with set_company(create_company()):
            practice = CareTeamPractice()
            self.assertEqual(self.reaches(practice, practice.alex_user), set())
            party = practice.client.party
            # the people Jordan's record names: a parent, an emergency
            # contact
            parent, neighbour = Party.create(
                [{'name': "Dana Parent"}, {'name': "Lee Neighbour"}])
            Guardian.create([{'client': practice.client.id,
                        'party': parent.id, 'relationship': 'parent'}])
            Client.write([practice.client], {
                    'emergency_contact': neighbour.id})
            named = [party, parent, neighbour]
            with as_user(practice.alex_user):
                found = Party.search([])
                for person in named:
                    self.assertNotIn(person, found)
                    self.assertEqual(Party.search_count(
                            [('id', '=', person.id)]), 0)
                    with self.assertRaises(AccessError):
                        Party.read([person.id], ['name'])
                    with self.assertRaises(AccessError):
                        Party.export_data([Party(person.id)], ['name'])
                self.assertFalse(Address.search([('party', '=', party.id)]))
                # Alex's own client, and clinicians' parties, stay readable
                self.assertIn(practice.sam.party, Party.search([]))
                Party.read([practice.morgan.party.id], ['name'])
                Party.export_data([Party(practice.morgan.party.id)], ['name'])
            with as_user(practice.morgan_user):
                self.assertEqual(Party.search(
                        [('id', 'in', [p.id for p in named])],
                        order=[('id', 'ASC')]), named)
                Party.export_data(named, ['name'])

    @with_transaction()
    def test_outsider_changes_nothing(self):
        """Alex cannot move Morgan's appointment, nor add a diagnosis or a
        plan to Jordan's record"""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Diagnosis = pool.get('therapy.client.diagnosis')
        Plan = pool.get('therapy.treatment.plan')
        with set_company(create_company()):
            practice = CareTeamPractice()
            # a booking of Alex's with Jordan puts Alex on the team (read),
            # not in charge of Morgan's appointments (write)
            practice.session(practice.alex, practice.past(1), state=None)
            with as_user(practice.alex_user):
                self.assertIn(practice.appointment,
                    Appointment.search([]))
                with self.assertRaises(AccessError):
                    Appointment.write([practice.appointment],
                        {'notes': "moved"})
            Appointment.delete(Appointment.search([
                        ('clinician', '=', practice.alex.id)]))
            with as_user(practice.alex_user):
                with self.assertRaisesRegex(AccessError, "care team"):
                    Diagnosis.create([{'client': practice.client.id,
                                'code': practice.code.id}])
                with self.assertRaisesRegex(AccessError, "care team"):
                    Plan.create([{'client': practice.client.id,
                                'clinician': practice.alex.id,
                                'start_date': dt.date.today(),
                                'review_due': dt.date.today()}])
                # on Sam's team (primary clinician): allowed, and it
                # stays on Sam's record
                sams, = Diagnosis.create([{'client': practice.sam.id,
                            'code': practice.code.id}])
                with self.assertRaisesRegex(AccessError, "care team"):
                    Diagnosis.write([sams], {'client': practice.client.id})

    @with_transaction()
    def test_each_way_onto_the_team(self):
        """The primary clinician, the supervisor, the clinical director, a
        booked clinician and an explicit member reach Jordan's record;
        ending the membership closes it again"""
        pool = Pool()
        Member = pool.get('therapy.client.care_team.member')
        with set_company(create_company()):
            practice = CareTeamPractice()
            everything = set(CLINICAL)
            for user in [practice.morgan_user, practice.avery_user,
                    practice.director_user]:
                self.assertEqual(
                    self.reaches(practice, user), everything, user.login)

            member = practice.member(practice.alex)
            self.assertEqual(
                self.reaches(practice, practice.alex_user), everything)
            self.assertIn(practice.alex, practice.client.care_team)
            self.assert_paths_agree([practice.alex, practice.morgan,
                    practice.avery])
            # a supervisor of a member reaches the record too
            boss = create_clinician("Casey Boss")
            practice.alex.supervisor = boss
            practice.alex.save()
            boss_user = create_user('casey', [CLINICIAN, SUPERVISOR], boss)
            self.assertEqual(self.reaches(practice, boss_user), everything)
            self.assert_paths_agree([boss, practice.alex])

            with as_user(practice.owner_user):
                Member.end([Member(member.id)])
            member = Member(member.id)
            self.assertEqual(member.to_date, dt.date.today())
            self.assertEqual(member.ended_by, practice.owner_user)
            # ended: off the team at once, not at midnight
            self.assertNotIn(practice.alex,
                Pool().get('therapy.client')(practice.client.id).care_team)
            self.assertEqual(
                self.reaches(practice, practice.alex_user), set())
            # a membership whose dates have passed is over as well
            member, = Member.create([{'client': practice.client.id,
                        'employee': practice.alex.id, 'reason': "Covering",
                        'from_date': practice.past(3).date(),
                        'to_date': practice.past(1).date()}])
            self.assertEqual(
                self.reaches(practice, practice.alex_user), set())

            self.assert_paths_agree([practice.alex, boss])

            practice.session(practice.alex, day_at(5, 12), state=None)
            self.assertEqual(
                self.reaches(practice, practice.alex_user), everything)
            self.assert_paths_agree([practice.alex, boss])

    @with_transaction()
    def test_window_edges(self):
        "Days back and days ahead count whole days, both ends included"
        pool = Pool()
        Client = pool.get('therapy.client')
        Appointment = pool.get('therapy.appointment')
        Configuration = pool.get('therapy.configuration')
        with set_company(create_company()):
            practice = CareTeamPractice()
            config = Configuration(1)
            self.assertEqual(
                (config.care_team_days_back, config.care_team_days_ahead),
                (180, 90))
            for days, inside in [(-181, False), (-180, True), (90, True),
                    (91, False)]:
                with self.subTest(days=days):
                    appointment = practice.session(
                        practice.alex, day_at(days, 12), state=None)
                    self.assertEqual(practice.client in Client.search(
                            [('care_team', 'in', [practice.alex.id])]),
                        inside)
                    self.assert_paths_agree([practice.alex])
                    Appointment.write([appointment], {
                            'state': 'cancelled', 'cancelled_by': 'practice',
                            'cancel_reason': 'clinician'})
                    # a cancelled booking brings no one on the team
                    self.assertNotIn(practice.client, Client.search(
                            [('care_team', 'in', [practice.alex.id])]))
            config.care_team_days_ahead = 91
            config.save()
            practice.session(practice.alex, day_at(91, 12), state=None)
            self.assertIn(practice.client, Client.search(
                    [('care_team', 'in', [practice.alex.id])]))

    @with_transaction()
    def test_front_desk_schedules_everyone(self):
        "The front desk and the owner change any clinician's appointment"
        Appointment = Pool().get('therapy.appointment')
        with set_company(create_company()):
            practice = CareTeamPractice()
            for user in [practice.front_desk_user, practice.owner_user]:
                with as_user(user):
                    Appointment.write([Appointment(practice.appointment.id)],
                        {'notes': f"parking ({user.login})"})
            with as_user(practice.morgan_user):
                Appointment.write([Appointment(practice.appointment.id)],
                    {'notes': "own appointment"})

    @with_transaction()
    def test_membership_is_a_record(self):
        """Added and ended by the owner or the clinical director; never
        changed or deleted over RPC; a clinician adds no one"""
        Member = Pool().get('therapy.client.care_team.member')
        with set_company(create_company()):
            practice = CareTeamPractice()
            with as_user(practice.alex_user), \
                    self.assertRaises(AccessError):
                Member.create([{'client': practice.client.id,
                            'employee': practice.alex.id, 'reason': "me"}])
            with as_user(practice.director_user):
                member, = Member.create([{'client': practice.client.id,
                            'employee': practice.alex.id,
                            'reason': "Consult"}])
                self.assertEqual(member.create_uid, practice.director_user)
                with self.assertRaisesRegex(AccessError, "End"):
                    Member.write([member], {'to_date': dt.date.today()})
                with self.assertRaises(AccessError):
                    Member.delete([member])

    @with_transaction()
    def test_demographics_setting(self):
        """Limited (the default): Alex reads neither Jordan nor Jordan's
        party; every clinician: Alex reads them, clinical records stay
        bounded"""
        pool = Pool()
        Client = pool.get('therapy.client')
        Party = pool.get('party.party')
        Configuration = pool.get('therapy.configuration')
        with set_company(create_company()):
            practice = CareTeamPractice()
            self.assertEqual(
                Configuration(1).client_demographics, 'care_team')
            names = {c: c.party.name for c in [practice.client, practice.sam]}
            with as_user(practice.alex_user):
                self.assertEqual(Client.search([]), [practice.sam])
                # the search bar finds by name only the clients Alex reads
                for client, found in [(practice.client, []),
                        (practice.sam, [practice.sam])]:
                    self.assertEqual(Client.search([('rec_name', 'ilike',
                                    f'%{names[client]}%')]), found)
            config = Configuration(1)
            config.client_demographics = 'all'
            config.save()
            with as_user(practice.alex_user):
                self.assertIn(practice.client, Client.search([]))
                Party.read([practice.client.party.id], ['name'])
                Client.export_data([Client(practice.client.id)], ['number'])
                Party.export_data([Party(practice.client.party.id)], ['name'])
            self.assertEqual(self.reaches(practice, practice.alex_user,
                    set(CLINICAL) - {'therapy.client'}), set())
