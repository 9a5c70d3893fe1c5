"""PHI on every read path, tried from the attacker's side: a clinician
asks for another clinician's note by id through export and history, and
through a search on appointments that reaches into notes' content (an
oracle that would count what the record rules hide). The walk keeps the
guard on every model of ours: a new model is PHI (PHIMixin) or says in
NOT_PHI why it is not."""
import unittest

from trytond.model import ModelStorage
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from therapy_clinical.tests.fixtures import ClinicalPractice, signed_note
from therapy_scheduling.phi import NOT_PHI, PHIMixin
from therapy_scheduling.tests.fixtures import as_user

MODULES = ['therapy_scheduling', 'therapy_clinical', 'therapy_billing',
    'therapy_portal', 'therapy_reporting', 'therapy_edi']
# Tryton's party records are the clients' names, addresses and contacts
PARTIES = {'party.party', 'party.address', 'party.contact_mechanism'}


def ours(name):
    return (name.startswith('therapy.') or '-therapy.' in name
        or name in PARTIES)



class PHIGuardTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module(MODULES)

    @with_transaction()
    def test_every_model_is_guarded_or_declared(self):
        pool = Pool()
        stored = {name for name, Model in pool.iterobject()
            if ours(name) and issubclass(Model, ModelStorage)}
        for name in sorted(stored):
            with self.subTest(model=name):
                Model = pool.get(name)
                self.assertTrue(
                    issubclass(Model, PHIMixin) or name in NOT_PHI,
                    f"{name}: inherit PHIMixin (phi.py of its module) or "
                    "say in NOT_PHI why it holds no PHI")
                self.assertFalse(
                    issubclass(Model, PHIMixin) and name in NOT_PHI, name)
        self.assertLessEqual(set(NOT_PHI), stored, "stale NOT_PHI entries")

    @with_transaction()
    def test_unreadable_note_by_export_history_and_nested_search(self):
        pool = Pool()
        Note = pool.get('therapy.note')
        Appointment = pool.get('therapy.appointment')
        with set_company(create_company()):
            practice = ClinicalPractice()
            morgans = signed_note(practice, practice.morgan)
            alexs = signed_note(practice, practice.alex, days=2)

        with as_user(practice.alex_user):
            with self.assertRaises(AccessError):
                Note.export_data([Note(morgans.id)], ['rec_name'])
            with self.assertRaises(AccessError):
                Note.history_revisions([morgans.id])
            # the nested domain applies the notes' rules: Alex's search
            # finds their own session, never Morgan's
            self.assertEqual(Appointment.search(
                    [('clinical_notes.id', '=', morgans.id)]), [])
            self.assertEqual(Appointment.search(
                    [('clinical_notes.sections.content', 'ilike', '%text%')]),
                [alexs.appointment])
            self.assertEqual(Appointment.search_count(
                    [('clinical_notes.risk_level', '=', 'low')]), 1)
            # the allowed path still works
            rows = Note.export_data([Note(alexs.id)], ['id'])
            self.assertEqual(rows, [[alexs.id]])
            self.assertTrue(Note.history_revisions([alexs.id]))

        with as_user(practice.morgan_user):
            self.assertEqual(Appointment.search(
                    [('clinical_notes.id', '=', morgans.id)]),
                [morgans.appointment])
            self.assertEqual(Appointment.search_count(
                    [('clinical_notes.risk_level', '=', 'low')]), 1)
        # Morgan's supervisor reads Morgan's notes, not Alex's
        with as_user(practice.avery_user):
            self.assertEqual(Appointment.search(
                    [('clinical_notes.risk_level', '=', 'low')]),
                [morgans.appointment])

    @with_transaction()
    def test_exported_cells_never_run_as_formulas(self):
        pool = Pool()
        Client = pool.get('therapy.client')
        with set_company(create_company()):
            practice = ClinicalPractice()
            client = practice.client
            client.party.name = '=HYPERLINK("http://evil.example","x")'
            client.party.save()
            rows = Client.export_data([client], ['party/name'])
        self.assertEqual(rows, [["'" + client.party.name]])
