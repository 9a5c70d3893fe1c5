"""Automatic emails (notify.py): headers, and the PHI guard that refuses
an email naming a client it is about. Without a database: a client is
anything with party.name and number."""
import unittest
from types import SimpleNamespace

from ..notify import PHIInEmailError, auto_email, check_no_phi, phi_terms


def client(name, number):
    return SimpleNamespace(party=SimpleNamespace(name=name), number=number)


ANN = client("Ann Lee", 'C0042')


class AutoEmailTestCase(unittest.TestCase):

    def test_headers_and_body(self):
        message = auto_email(['b@example.com', 'a@example.com'],
            "3 notes overdue", "Open Caseload to see them.", about=[ANN],
            sender='practice@example.com')
        self.assertEqual(message['From'], 'practice@example.com')
        self.assertEqual(message['To'], 'a@example.com, b@example.com')
        self.assertEqual(message['Subject'], "3 notes overdue")
        self.assertEqual(message['Auto-Submitted'], 'auto-generated')
        self.assertEqual(
            message.get_content().strip(), "Open Caseload to see them.")

    def test_one_address(self):
        message = auto_email('ann@example.com', "Reminder", "Tomorrow",
            about=[ANN], sender='practice@example.com')
        self.assertEqual(message['To'], 'ann@example.com')

    def test_body_naming_the_client_refused(self):
        with self.assertRaises(PHIInEmailError):
            auto_email('x@example.com', "Reminder",
                "Ann Lee has an appointment tomorrow.", about=[ANN],
                sender='practice@example.com')

    def test_subject_naming_the_client_refused(self):
        with self.assertRaises(PHIInEmailError):
            auto_email('x@example.com', "Reminder for ann  LEE", "Tomorrow",
                about=[ANN], sender='practice@example.com')

    def test_client_number_refused(self):
        with self.assertRaises(PHIInEmailError):
            auto_email('x@example.com', "Reminder", "Client c0042: tomorrow",
                about=[ANN], sender='practice@example.com')

    def test_record_instead_of_text_refused(self):
        with self.assertRaises(PHIInEmailError):
            auto_email('x@example.com', "Reminder", ANN, about=[ANN],
                sender='practice@example.com')


class CheckNoPHITestCase(unittest.TestCase):

    def test_whole_words_only(self):
        # "Ann Leeds Clinic" is not the client "Ann Lee"
        check_no_phi("Ann Leeds Clinic", "C00421 is another number",
            phi_terms([ANN]))

    def test_other_clients_names_not_checked(self):
        check_no_phi("Reminder", "Bob Ray, tomorrow", phi_terms([ANN]))

    def test_terms_of_clients(self):
        self.assertEqual(phi_terms([ANN, client("  ", None)]),
            ['Ann Lee', 'C0042'])
