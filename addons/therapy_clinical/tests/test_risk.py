"""Risk answers (issue 14): a risk question answered, or a PHQ-9 item 9
above 0, flags the response, emails the care team on a real SMTP server
(without naming the client) and waits on their homes until one of them
records the review; nobody else may record it or write its fields."""
import datetime as dt
import unittest

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    CommittingTestMixin, create_user)
from therapy_scheduling.tests.outbox import OutboxMixin, without_tokens

from .fixtures import ClinicalPractice

TO_REVIEW = [('risk_flag', '=', True), ('risk_reviewed_at', '=', None),
    ('state', '=', 'completed')]


class RiskForms:
    "A form with a risk question, answered for the practice's client"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_clinical')
        super().setUpClass()

    def check_in(self):
        "A practice's check-in form with a risk question"
        Template = Pool().get('therapy.form.template')
        template, = Template.create([{
                    'name': "Weekly Check-in", 'category': 'intake',
                    'questions': [('create', [{
                                    'sequence': 1, 'text': "How was your week?",
                                    'type': 'long_text'}, {
                                    'sequence': 2, 'code': 'harm',
                                    'text': "Any thoughts of hurting "
                                    "yourself?", 'type': 'yes_no',
                                    'risk': True, 'clinical': True}])],
                    }])
        return template

    def answer(self, practice, template, values):
        "A completed response of Jordan's: {question code or text: value}"
        Response = Pool().get('therapy.form.response')
        response, = Response.create([{
                    'client': practice.client.id, 'template': template.id}])
        for answer in response.answers:
            key = answer.question.code or answer.question.text
            answer.value = values.get(key)
        response.answers = response.answers
        response.save()
        Response.do_complete([response])
        return Response(response.id)


class RiskAlertTestCase(
        RiskForms, CommittingTestMixin, OutboxMixin, unittest.TestCase):
    "(a class a test: each commits its practice, users included)"

    @with_transaction()
    def test_risk_answer_alerts_the_care_team(self):
        pool = Pool()
        Response = pool.get('therapy.form.response')
        Template = pool.get('therapy.form.template')
        transaction = Transaction()
        with set_company(create_company()):
            practice = ClinicalPractice()
            # Morgan sees Jordan, Avery supervises Morgan: the care team
            practice.session(practice.morgan, practice.past(2))
            template = self.check_in()

            calm = self.answer(practice, template,
                {"How was your week?": "Fine", 'harm': 'no'})
            self.assertFalse(calm.risk_flag)
            transaction.commit()
            self.assertEqual(self.outbox.emails, [])

            flagged = self.answer(practice, template,
                {"How was your week?": "Hard", 'harm': 'yes'})
            self.assertTrue(flagged.risk_flag)
            transaction.commit()  # the alert leaves when it commits
            (to, message), = [(sorted(t), m)
                for t, m in self.outbox.emails]
            self.assertEqual(to, ['avery@example.com', 'morgan@example.com'])
            body = message.get_content()
            self.assertIn("Risk Answers to Review", body)
            for phi in ["Jordan", "Lee", practice.client.number,
                    "hurting", "Check-in"]:
                self.assertNotIn(phi,
                    without_tokens(body + message['Subject']))

            # a PHQ-9 with item 9 above 0 alerts the same way
            self.outbox.clear()
            phq9, = Template.search([('code', '=', 'phq9')])
            measure = self.answer(practice, phq9,
                {f'item{i}': '1' if i == 9 else '0' for i in range(1, 10)})
            self.assertEqual((measure.score, measure.risk_flag), (1, True))
            transaction.commit()
            self.assertEqual(len(self.outbox.emails), 1)

            # on the homes of the team, not of a clinician outside it
            with transaction.set_user(practice.morgan_user.id), \
                    transaction.set_context(_check_access=True):
                self.assertEqual(Response.search(TO_REVIEW, order=[
                            ('id', 'ASC')]), [flagged, measure])
            with transaction.set_user(practice.alex_user.id), \
                    transaction.set_context(_check_access=True):
                self.assertEqual(Response.search(TO_REVIEW), [])
                with self.assertRaises(AccessError):
                    Response.review_risk([Response(flagged.id)])

            # Morgan records the review: it leaves the list
            with transaction.set_user(practice.morgan_user.id), \
                    transaction.set_context(_check_access=True):
                Response.review_risk([Response(flagged.id)])
                self.assertEqual(Response.search(TO_REVIEW), [measure])
            flagged = Response(flagged.id)
            self.assertEqual(flagged.risk_reviewed_by, practice.morgan_user)
            self.assertTrue(flagged.risk_reviewed_at)


class RiskAlertNoTeamTestCase(
        RiskForms, CommittingTestMixin, OutboxMixin, unittest.TestCase):

    @with_transaction()
    def test_no_care_team_alerts_the_clinical_director(self):
        pool = Pool()
        User = pool.get('res.user')
        with set_company(create_company()):
            practice = ClinicalPractice()
            User.write([practice.director_user],
                {'email': 'director@example.com'})
            template = self.check_in()
            self.answer(practice, template, {'harm': 'yes'})
            Transaction().commit()
            (to,), _ = self.outbox.emails[0]
            self.assertEqual(to, 'director@example.com')


class RiskReviewTestCase(RiskForms, unittest.TestCase):

    @with_transaction()
    def test_review_is_the_care_teams_and_server_owned(self):
        pool = Pool()
        Response = pool.get('therapy.form.response')
        Question = pool.get('therapy.form.question')
        transaction = Transaction()
        with set_company(create_company()):
            practice = ClinicalPractice()
            practice.session(practice.morgan, practice.past(2))
            template = self.check_in()
            flagged = self.answer(practice, template, {'harm': 'yes'})
            desk = create_user('desk', ['therapy_scheduling.group_front_desk'])
            # a risk question's answers are the care team's only
            with self.assertRaises(UserError) as refused:
                Question.write(list(template.questions), {'clinical': False})
            self.assertIn('must be clinical', str(refused.exception))

            with transaction.set_user(desk.id), \
                    transaction.set_context(_check_access=True):
                with self.assertRaises(AccessButtonError):
                    Response.review_risk([Response(flagged.id)])
            with transaction.set_user(practice.morgan_user.id), \
                    transaction.set_context(_check_access=True):
                for values in [{'risk_reviewed_at': dt.datetime.now()},
                        {'risk_reviewed_by': practice.morgan_user.id},
                        {'risk_flag': False}]:
                    with self.subTest(values=values), \
                            self.assertRaises(AccessError):
                        Response.write([Response(flagged.id)], values)
            self.assertIsNone(Response(flagged.id).risk_reviewed_at)
