"""Structure of therapy_edi, and who may see what: EDI files carry PHI,
so only the billing roles (biller, owner, accountant) read them; the
clearinghouses are the biller's and owner's to keep."""
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

from therapy_scheduling.tests.fixtures import as_user, create_user
from therapy_edi.claim_rows import parties
from therapy_edi.exceptions import ClearinghouseValidationError


class TherapyEdiTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Therapy EDI module"
    module = 'therapy_edi'

    @with_transaction()
    def test_edi_records_only_for_billing_roles(self):
        """Front desk and clinicians read neither EDI files nor clearinghouses,
        not even by export or history"""
        pool = Pool()
        Clearinghouse = pool.get('therapy.clearinghouse')
        EdiFile = pool.get('therapy.edi.file')
        company = create_company()
        with set_company(company):
            clearinghouse, = Clearinghouse.create([{
                        'name': "Test House", 'submitter_id': 'SUB1',
                        'submitter_name': "Practice",
                        'contact_name': "Billing",
                        'contact_phone': '212-555-0100',
                        'receiver_id': 'RCV1', 'receiver_name': "House",
                        'outbound_folder': '/tmp/out',
                        'inbound_folder': '/tmp/in'}])
            edi_file, = EdiFile.create([{
                        'company': company.id, 'direction': 'in',
                        'kind': '999', 'name': 'ack.999',
                        'state': 'imported'}])
        for group in ['group_front_desk', 'group_clinician']:
            with set_company(company):
                user = create_user(group,
                    [f'therapy_scheduling.{group}'])
            with self.subTest(group=group), as_user(user):
                for Model, record in [(EdiFile, edi_file),
                        (Clearinghouse, clearinghouse)]:
                    with self.assertRaises(AccessError):
                        Model.read([record.id], ['name'])
                    with self.assertRaises(AccessError):
                        Model.search([])
                # the export and history routes of the file's content
                with self.assertRaises(AccessError):
                    EdiFile.export_data([EdiFile(edi_file.id)],
                        ['name', 'data'])
                with self.assertRaises(AccessError):
                    EdiFile.history_revisions([edi_file.id])
        for group in ['group_biller', 'group_owner', 'group_accountant']:
            with set_company(company):
                user = create_user(group,
                    [f'therapy_scheduling.{group}'])
            with self.subTest(group=group), as_user(user):
                self.assertEqual(EdiFile.search([]), [edi_file])
                with self.assertRaises(AccessError):
                    EdiFile.write([EdiFile(edi_file.id)], {'name': 'x'})
                with self.assertRaises(AccessError):
                    EdiFile.delete([EdiFile(edi_file.id)])

    @with_transaction()
    def test_clearinghouse_checks(self):
        "Separators, folders and the contact phone are checked"
        pool = Pool()
        Clearinghouse = pool.get('therapy.clearinghouse')
        values = {
            'name': "Test House", 'submitter_id': 'SUB1',
            'submitter_name': "Practice", 'contact_name': "Billing",
            'contact_phone': '212-555-0100', 'receiver_id': 'RCV1',
            'receiver_name': "House", 'outbound_folder': '/tmp/out',
            'inbound_folder': '/tmp/in'}
        with set_company(create_company()):
            for number, bad in enumerate([{'element_separator': ':'},
                    {'segment_terminator': 'A'},
                    {'outbound_folder': 'relative/out'},
                    {'contact_phone': '555-0100'}]):
                # a failed create leaves its row in the transaction: a
                # name of its own keeps the unique name out of the way
                with self.subTest(bad=bad), self.assertRaises(
                        ClearinghouseValidationError):
                    Clearinghouse.create([dict(values, name=f"House {number}",
                                **bad)])

    @with_transaction()
    def test_claim_rows_say_what_the_records_say(self):
        "The 837P's rows of parties and addresses, read without records"
        pool = Pool()
        Party = pool.get('party.party')
        typed, parts = Party.create([{
                    'name': "Typed Street", 'addresses': [('create', [{
                                    'street': "12 Main Street\nApt 4",
                                    'city': "Albany", 'postal_code': '12201',
                                    }])]}, {
                    'name': "Street Parts", 'addresses': [('create', [{
                                    'street_name': "Court Street",
                                    'building_number': '210',
                                    'city': "Brooklyn",
                                    }])]}])
        rows = parties([typed.id, parts.id])
        for party in [typed, parts]:
            address, = party.addresses
            row = rows[party.id]
            self.assertEqual(row.name, party.name)
            self.assertEqual(row.rec_name, party.rec_name)
            self.assertEqual(
                (row.address_get().street, row.address_get().city),
                (address.street, address.city))
        self.assertIn('210', rows[parts.id].address_get().street)

    @with_transaction()
    def test_cms1500_only_for_billers_and_owners(self):
        "Both CMS-1500 reports are in the claim's Print menu, theirs alone"
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        Keyword = pool.get('ir.action.keyword')
        ModelData = pool.get('ir.model.data')
        billing = {ModelData.get_id('therapy_scheduling', g)
            for g in ['group_biller', 'group_owner']}
        company = create_company()
        for name in ['therapy.claim.cms1500', 'therapy.claim.cms1500.aligned']:
            action, = ActionReport.search([('report_name', '=', name)])
            self.assertEqual({g.id for g in action.groups}, billing)
            self.assertTrue(Keyword.search([
                        ('action', '=', action.action.id),
                        ('keyword', '=', 'form_print'),
                        ('model', '=', 'therapy.claim,-1')]))
            Report = pool.get(name, type='report')
            for group in ['group_front_desk', 'group_clinician',
                    'group_accountant']:
                with set_company(company):
                    user = create_user(f'{name}-{group}',
                        [f'therapy_scheduling.{group}'])
                with self.subTest(report=name, group=group), \
                        as_user(user), self.assertRaises(AccessError):
                    Report.execute([1], {})


del ModuleTestCase
