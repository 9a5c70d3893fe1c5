"""The front desk sees no clinical data (issue 16), tried from its side over
the ORM with access checks on: no diagnoses on charges (read, search,
export), no superbill, no clinical intake answers (read, search, through
the response or its signed document); while the biller still reads the
charges' diagnoses and prints the superbill, the clinician reads the
clinical answers, and the desk keeps the non-clinical answers and the
forms due on its lists."""
import datetime as dt
import unittest
from decimal import Decimal

from lxml import etree

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    as_user, create_client, create_clinician, create_location,
    create_service, create_user)

DESK = 'therapy_scheduling.group_front_desk'
BILLER = 'therapy_scheduling.group_biller'
OWNER = 'therapy_scheduling.group_owner'
CLINICIAN = 'therapy_scheduling.group_clinician'


def view_fields(Model, view_type):
    arch = Model.fields_view_get(view_type=view_type)['arch']
    return {f.get('name') for f in etree.fromstring(arch).iter('field')}


class FrontDeskPHITestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module(['therapy_clinical', 'therapy_billing'])

    def charge(self, client, clinician):
        pool = Pool()
        Charge = pool.get('therapy.charge')
        company = Transaction().context['company']
        charge, = Charge.create([{
                    'company': company, 'client': client.id,
                    'kind': 'service',
                    'date': dt.date.today() - dt.timedelta(days=3),
                    'procedure_code': '90834', 'units': 1,
                    'unit_price': Decimal(150), 'amount': Decimal(150),
                    'responsibility': 'client',
                    'diagnosis_codes': 'F41.1',
                    'rendering': clinician.id}])
        return charge

    @with_transaction()
    def test_no_diagnoses_on_charges_nor_superbill(self):
        pool = Pool()
        Charge = pool.get('therapy.charge')
        Superbill = pool.get('therapy.client.superbill', type='report')
        with set_company(create_company()):
            create_location()
            create_service()
            clinician = create_clinician("Noa Lind", npi='1234567893')
            client = create_client("Kim Reyes")
            charge = self.charge(client, clinician)
            desk = create_user('phi_desk', [DESK])
            biller = create_user('phi_biller', [BILLER])
            owner = create_user('phi_owner', [OWNER])

            with as_user(desk):
                # the charge itself stays readable: the desk answers
                # questions about what a client owes
                self.assertEqual(
                    Charge.read([charge.id], ['amount'])[0]['amount'],
                    Decimal(150))
                with self.assertRaises(AccessError):
                    Charge.read([charge.id], ['diagnosis_codes'])
                with self.assertRaises(AccessError):
                    Charge.search([('diagnosis_codes', 'like', 'F41%')])
                with self.assertRaises(AccessError):
                    Charge.search([], order=[('diagnosis_codes', 'ASC')])
                with self.assertRaises(AccessError):
                    Charge.export_data([Charge(charge.id)],
                        ['procedure_code', 'diagnosis_codes'])
                with self.assertRaises(AccessError):
                    Superbill.execute([client.id], {})
                # sao drops what the desk cannot read from its views
                for view_type in ['tree', 'form']:
                    self.assertNotIn('diagnosis_codes',
                        view_fields(Charge, view_type))
                self.assertIn('amount', view_fields(Charge, 'tree'))

            for allowed in [biller, owner]:
                with as_user(allowed):
                    self.assertEqual(Charge.read([charge.id],
                            ['diagnosis_codes'])[0]['diagnosis_codes'],
                        'F41.1')
                    self.assertEqual(Charge.search(
                            [('diagnosis_codes', 'like', 'F41%')]), [charge])
                    ext, content, _, _ = Superbill.execute([client.id], {})
                    self.assertEqual(ext, 'pdf')
                    self.assertTrue(content.startswith(b'%PDF'))
                # each print is an audit event naming the client
                printed, = pool.get('therapy.audit.event').search([
                        ('event_code', '=', 'phi.print'),
                        ('actor_user', '=', allowed.id)])
                self.assertEqual((printed.client_ids, printed.resource_model),
                    (f',{client.id},', 'therapy.client'))
                self.assertIn('superbill', printed.detail)

            # a clinician off the client's care team prints neither of the
            # client's billing documents (diagnoses, what is owed)
            outsider = create_user('phi_outsider', [CLINICIAN],
                create_clinician("Ola Far"))
            Statement = pool.get('therapy.client.statement', type='report')
            with as_user(outsider):
                for Report in [Superbill, Statement]:
                    with self.assertRaises(AccessError, msg=Report.__name__):
                        Report.execute([client.id], {})

    @with_transaction()
    def test_clinical_intake_answers_are_the_care_teams(self):
        pool = Pool()
        Template = pool.get('therapy.form.template')
        Response = pool.get('therapy.form.response')
        Answer = pool.get('therapy.form.answer')
        Appointment = pool.get('therapy.appointment')
        with set_company(create_company()):
            location = create_location()
            service = create_service()
            clinician = create_clinician("Noa Lind")
            client = create_client("Kim Reyes")
            desk = create_user('phi_desk', [DESK])
            owner = create_user('phi_owner', [OWNER])
            therapist = create_user('phi_clinician', [CLINICIAN],
                employee=clinician)
            intake, = Template.search([('code', '=', 'intake')])
            by_code = {q.code: q for q in intake.questions}
            # the shipped intake marks what is clinical
            self.assertTrue(all(by_code[c].clinical for c in [
                        'reason', 'medications', 'distress']))
            self.assertFalse(any(by_code[c].clinical for c in [
                        'street', 'phone', 'insurance_payer',
                        'emergency_name']))
            start = dt.datetime.combine(
                dt.date.today() + dt.timedelta(days=1), dt.time(15))
            appointment, = Appointment.create([{
                        'client': client.id, 'clinician': clinician.id,
                        'service': service.id, 'location': location.id,
                        'start': start,
                        'end': start + dt.timedelta(minutes=50)}])
            pending, = Response.create([{
                        'template': intake.id, 'client': client.id,
                        'appointment': appointment.id}])
            response, = Response.create([{
                        'template': intake.id, 'client': client.id}])
            values = {'street': "12 Elm Street", 'city': "Springfield",
                'postal_code': "01101", 'phone': "413 555 0101",
                'emergency_name': "Lee Reyes",
                'emergency_phone': "413 555 0102",
                'reason': "Panic attacks at work",
                'medications': "Sertraline 50 mg"}
            for answer in response.answers:
                if answer.question.code in values:
                    answer.value = values[answer.question.code]
            Answer.save(response.answers)
            Response.do_complete([response])
            # the signed document is whole, whoever completes it
            self.assertIn("Sertraline 50 mg", response.document)
            clinical_ids = {a.id for a in response.answers
                if a.question.clinical}

            for name, office in [('desk', desk), ('owner', owner)]:
                with as_user(office):
                    answers = Answer.search(
                        [('response', '=', response.id)])
                    self.assertTrue(answers, name)
                    self.assertFalse(
                        clinical_ids & {a.id for a in answers}, name)
                    # non-clinical answers stay readable
                    street, = Answer.search([
                            ('response', '=', response.id),
                            ('question.code', '=', 'street')])
                    self.assertEqual(Answer.read([street.id], ['value'])[0][
                            'value'], "12 Elm Street")
                    # through the response's answers, too
                    read, = Response.read([response.id], ['answers'])
                    self.assertFalse(clinical_ids & set(read['answers']))
                    with self.assertRaises(AccessError, msg=name):
                        Answer.read(list(clinical_ids), ['value'])
                    with self.assertRaises(AccessError, msg=name):
                        Answer.export_data(
                            Answer.browse(list(clinical_ids)), ['value'])
                    self.assertEqual(Answer.search(
                            [('value', 'ilike', '%sertraline%')]), [])
                    # a related path is searched without the answers'
                    # rules: refused, not an oracle
                    with self.assertRaises(AccessError, msg=name):
                        Response.search(
                            [('answers.value', 'ilike', '%panic%')])
                    with self.assertRaises(AccessError, msg=name):
                        Response.search([('answers', 'where',
                                    [('value', 'ilike', '%panic%')])])
                    with self.assertRaises(AccessError, msg=name):
                        Answer.search([
                                ('response.answers.value', 'ilike',
                                    '%panic%')])
                    with self.assertRaises(AccessError, msg=name):
                        Answer.write(Answer.browse(list(clinical_ids)[:1]),
                            {'value': "changed"})
                    # nor through the signed document
                    with self.assertRaises(AccessError, msg=name):
                        Response.read([response.id], ['document'])
                    with self.assertRaises(AccessError, msg=name):
                        Response.search(
                            [('document', 'ilike', '%sertraline%')])
                    self.assertNotIn('document',
                        view_fields(Response, 'form'))

            # the desk still sees which forms are due: completion, not
            # content
            with as_user(desk):
                # the desk still hands out an intake (its answers are
                # created for every question, clinical ones included)
                handed, = Response.create([{
                            'template': intake.id, 'client': client.id}])
                self.assertEqual(len(handed.answers), len(intake.questions))
                due, = Appointment.read([appointment.id], ['forms_due'])
                self.assertIn(intake.name, due['forms_due'])
                self.assertEqual(Response.search([
                            ('client', '=', client.id),
                            ('state', '=', 'draft')],
                        order=[('id', 'ASC')]), [pending, handed])

            with as_user(therapist):
                answers = Answer.search([('response', '=', response.id)])
                self.assertTrue(clinical_ids <= {a.id for a in answers})
                self.assertEqual(
                    {a['value'] for a in Answer.read(
                            list(clinical_ids), ['value'])} - {None},
                    {"Panic attacks at work", "Sertraline 50 mg"})
                self.assertEqual(Response.search(
                        [('answers.value', 'ilike', '%panic%')]), [response])
                document, = Response.read([response.id], ['document'])
                self.assertIn("Panic attacks", document['document'])
