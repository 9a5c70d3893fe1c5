"""Booking outside a clinician's availability: refused without the override
right, warned then logged with it."""
import datetime as dt
import unittest

from trytond.exceptions import UserWarning
from trytond.model.exceptions import ValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .fixtures import (
    DAY, SchedulingPractice, at, create_availability, create_user)


class OverrideTestCase(unittest.TestCase):
    "Test availability enforcement and its override"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_outside_hours(self):
        pool = Pool()
        Override = pool.get('therapy.appointment.override')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            # Dana works Mondays 9:00-17:00 in New York (14:00-22:00 UTC)
            create_availability(practice.dana, practice.location,
                DAY.weekday(), dt.time(9), dt.time(17))
            inside = practice.book(at(15))
            self.assertEqual(inside.overrides, ())
            front_desk = create_user(
                'desk', ['therapy_scheduling.group_front_desk'])
            manager = create_user('manager', [
                    'therapy_scheduling.group_front_desk',
                    'therapy_scheduling.group_schedule_override'])
            context = {'company': company.id, 'companies': [company.id]}
            with Transaction().set_user(front_desk.id), \
                    Transaction().set_context(context):
                with self.assertRaises(ValidationError) as cm:
                    practice.book(at(23), client=practice.ben)
            self.assertIn("Dana is not available on Mon Mar 03, 2031 "
                "06:00 PM EST", cm.exception.message)
            with Transaction().set_user(manager.id), \
                    Transaction().set_context(context):
                with self.assertRaises(UserWarning):
                    practice.book(at(23), client=practice.cara)
            with Transaction().set_user(manager.id), \
                    Transaction().set_context(
                        _skip_warnings=True, **context):
                late = practice.book(at(23), client=practice.cara)
            override, = late.overrides
            self.assertEqual(override.user, manager)
            self.assertEqual(override.kind, 'availability')
            self.assertIn("not available", override.detail)
            self.assertEqual(Override.search(
                    [('appointment.company', '=', company.id)]), [override])
