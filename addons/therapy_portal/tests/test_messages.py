"""Secure messages (issue 14), from both sides: a guardian writes from the
portal, the care team is told by an email that names no one, a clinician
answers with the Reply button, the guardian reads it; and the abuse
cases (SECURITY.md §4, 1, 2, 14, 15): another client's thread or file,
a forged client id, an oversized or mislabelled file, a sent message
changed over RPC, a clinician outside the care team."""
import datetime as dt
import hashlib
import io

from trytond import config
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    as_user, create_clinician, create_user)
from therapy_scheduling.tests.outbox import OutboxMixin, without_tokens

PASSWORD = 'correct horse battery staple'
PDF = b'%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'
PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 32
EXE = b'MZ\x90\x00' + b'\x00' * 60


class PortalMessagesTestCase(OutboxMixin, RouteTestCase):
    "Secure messages between the portal and the back office"
    module = 'therapy_portal'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        Thread = pool.get('therapy.portal.thread')
        company = create_company()
        with set_company(company):
            dana = create_clinician("Dana Lopez")
            sam = create_clinician("Sam Other")
            create_user('dana', ['therapy_scheduling.group_clinician'],
                employee=dana, email='dana@harborview.example')
            create_user('sam', ['therapy_scheduling.group_clinician'],
                employee=sam, email='sam@harborview.example')
            create_user('desk', ['therapy_scheduling.group_front_desk'],
                email='desk@harborview.example')
            ann, parent, bob = Party.create([
                    {'name': "Ann Client"}, {'name': "Pat Parent"},
                    {'name': "Bob Other"}])
            annie, bobby = Client.create([{
                        'party': ann.id,
                        'preferred_name': "Annie",
                        'birth_date': dt.date(2015, 5, 1),
                        'primary_clinician': dana.id,
                        'guardians': [('create', [{'party': parent.id}])],
                        }, {'party': bob.id}])
            pat, bob_login = WebUser.create([{
                        'email': 'pat@example.com', 'password': PASSWORD,
                        'party': parent.id,
                        }, {
                        'email': 'bob@example.com', 'password': PASSWORD,
                        'party': bob.id,
                        }])
            # Bob's own conversation, with a file: what Pat must not reach
            Thread.start(bobby, "Bob's bills", "Private words of Bob",
                bob_login, [('scan.pdf', PDF)])

    def login(self, client, email='pat@example.com'):
        response = client.post(f'/{self.db_name}/portal/login', data={
                'email': email, 'password': PASSWORD})
        self.assertEqual(response.status_code, 302)
        return response

    @property
    def base(self):
        return f'/{self.db_name}/portal'

    @with_transaction()
    def ids(self):
        "{name: id} of the clients, and of Bob's thread and attachment"
        pool = Pool()
        Client = pool.get('therapy.client')
        Thread = pool.get('therapy.portal.thread')
        Attachment = pool.get('therapy.portal.message.attachment')
        found = {c.party.name: c.id for c in Client.search([])}
        found['client numbers'] = [c.number for c in Client.search([])]
        bobs, = Thread.search([('subject', '=', "Bob's bills")])
        found['bob thread'] = bobs.id
        found['bob file'], = [a.id for a in Attachment.search([
                    ('message.thread', '=', bobs.id)])]
        return found

    @with_transaction()
    def counts(self):
        pool = Pool()
        return tuple(pool.get(m).search([], count=True) for m in [
                'therapy.portal.thread', 'therapy.portal.message',
                'therapy.portal.message.attachment'])

    @with_transaction()
    def thread(self, subject):
        "(id, last from, unread by practice, unread by client, messages)"
        Thread = Pool().get('therapy.portal.thread')
        thread, = Thread.search([('subject', '=', subject)])
        return (thread.id, thread.last_from, thread.unread_by_practice,
            thread.unread_by_client, [(m.direction, m.body, bool(m.read_at),
                    [(a.name, a.content_type, a.size, a.sha256)
                        for a in m.attachments])
                for m in thread.messages])

    @with_transaction()
    def staff_reply(self, login, thread_id, body):
        "login answers the thread with its Reply button and wizard"
        pool = Pool()
        User = pool.get('res.user')
        Thread = pool.get('therapy.portal.thread')
        Reply = pool.get('therapy.portal.thread.reply', type='wizard')
        user, = User.search([('login', '=', login)])
        with as_user(user), Transaction().set_context(
                active_model=Thread.__name__, active_id=thread_id,
                active_ids=[thread_id]):
            Thread.reply([Thread(thread_id)])
            session_id, _, _ = Reply.create()
            Reply.execute(session_id, {}, 'start')
            Reply.execute(session_id, {'start': {'body': body}}, 'send')
        Transaction().commit()

    def post_thread(self, browser, **data):
        files = data.pop('files', None)
        if files:
            data['attachment'] = [(io.BytesIO(content), name)
                for name, content in files]
        return browser.post(f'{self.base}/messages', data=data,
            content_type='multipart/form-data')

    def assert_no_phi(self, email, ids, *words):
        text = without_tokens(email['Subject'] + email.get_body(
                preferencelist=('plain',)).get_content())
        for word in ["Ann", "Annie", "Pat", "Bob", *ids['client numbers'],
                *words]:
            self.assertNotIn(word, text)

    def test_guardian_writes_clinician_answers_guardian_reads(self):
        ids = self.ids()
        client = self.client()
        self.login(client)
        page = client.get(f'{self.base}/messages').get_data(as_text=True)
        self.assertIn("Write to the practice", page)
        self.assertNotIn("Bob's bills", page)
        response = self.post_thread(client, client=str(ids["Ann Client"]),
            subject="Sleep question", body="Annie sleeps badly since May.",
            files=[('sleep diary.pdf', PDF)])
        self.assertEqual(response.status_code, 302, response.get_data(True))
        thread_id, last_from, unread_practice, unread_client, messages = \
            self.thread("Sleep question")
        self.assertEqual((last_from, unread_practice, unread_client),
            ('client', True, False))
        (direction, body, read, files), = messages
        self.assertEqual((direction, body, read),
            ('client', "Annie sleeps badly since May.", False))
        self.assertEqual(files, [('sleep diary.pdf', 'application/pdf',
                    len(PDF), hashlib.sha256(PDF).hexdigest())])

        # the care team (Dana, primary clinician) is told, and no one else
        (to, email), = self.outbox.emails
        self.assertEqual(to, ['dana@harborview.example'])
        self.assertEqual(email['Subject'], "A secure message is waiting")
        self.assert_no_phi(email, ids, "Sleep", "sleeps")
        self.assertIn('therapy.portal.thread', email.get_content())
        self.outbox.clear()

        page = client.get(f'{self.base}/messages/{thread_id}').get_data(
            as_text=True)
        self.assertIn("Annie sleeps badly since May.", page)
        self.assertIn("sleep diary.pdf", page)

        # Dana answers from the back office
        self.staff_reply('dana', thread_id, "Let us talk on Tuesday.")
        _, last_from, unread_practice, unread_client, messages = \
            self.thread("Sleep question")
        self.assertEqual((last_from, unread_practice, unread_client),
            ('practice', False, True))
        self.assertEqual([(d, b, r) for d, b, r, _ in messages], [
                ('client', "Annie sleeps badly since May.", True),
                ('practice', "Let us talk on Tuesday.", False)])
        (to, email), = self.outbox.emails
        self.assertEqual(to, ['pat@example.com'])
        self.assertEqual(email['Subject'],
            "You have a new secure message from Dunder Mifflin")
        self.assertIn(f'/{self.db_name}/portal/login', email.get_content())
        self.assert_no_phi(email, ids, "Sleep", "Tuesday")

        # the guardian's home counts it unread until the thread is opened
        home = client.get(f'{self.base}/').get_data(as_text=True)
        self.assertIn("1 unread", home)
        listing = client.get(f'{self.base}/messages').get_data(as_text=True)
        self.assertIn("New reply", listing)
        page = client.get(f'{self.base}/messages/{thread_id}').get_data(
            as_text=True)
        self.assertIn("Let us talk on Tuesday.", page)
        self.assertEqual(self.thread("Sleep question")[4][1][2], True)
        home = client.get(f'{self.base}/').get_data(as_text=True)
        self.assertNotIn("unread", home)

        # the guardian answers in the thread; Dana is told again
        self.outbox.clear()
        response = client.post(f'{self.base}/messages/{thread_id}',
            data={'body': "Tuesday works."},
            content_type='multipart/form-data')
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.thread("Sleep question")[1:3],
            ('client', True))
        self.assertEqual([to for to, _ in self.outbox.emails],
            [['dana@harborview.example']])

    def test_other_clients_thread_file_and_forged_client(self):
        "Another client's thread or file: 404, as one that does not exist"
        ids = self.ids()
        before = self.counts()
        client = self.client()
        self.login(client)
        bob_thread = f"{self.base}/messages/{ids['bob thread']}"
        self.assertEqual(client.get(bob_thread).status_code, 404)
        self.assertEqual(client.get(
                f"{self.base}/messages/999999").status_code, 404)
        self.assertEqual(client.get(
                f"{bob_thread}/attachments/{ids['bob file']}").status_code,
            404)
        response = client.post(bob_thread, data={'body': "Hi Bob"},
            content_type='multipart/form-data')
        self.assertEqual(response.status_code, 404)
        # a forged client id: Bob is not Pat's
        response = self.post_thread(client, client=str(ids["Bob Other"]),
            subject="Forged", body="as Bob")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Private words of Bob",
            client.get(f'{self.base}/messages').get_data(as_text=True))
        # Pat's own thread does not open Bob's file either
        self.post_thread(client, client=str(ids["Ann Client"]),
            subject="Mine", body="A thread of Pat's")
        own_id = self.thread("Mine")[0]
        self.assertEqual(client.get(
                f"{self.base}/messages/{own_id}/attachments/"
                f"{ids['bob file']}").status_code, 404)
        self.assertEqual(self.counts(),
            (before[0] + 1, before[1] + 1, before[2]))

    def test_refused_files_keep_nothing(self):
        """An oversized file, an executable named .pdf, a PNG named .pdf:
        refused with a message, nothing kept; a good file downloads as an
        attachment, never inline"""
        ids = self.ids()
        client = self.client()
        self.login(client, 'bob@example.com')
        before = self.counts()
        if not config.has_section('caseload'):
            config.add_section('caseload')
        saved = config.get('caseload', 'portal_attachment_max')
        config.set('caseload', 'portal_attachment_max', '1024')
        try:
            response = self.post_thread(client, subject="Big",
                body="A big scan", files=[('big.pdf', PDF + b'0' * 2000)])
        finally:
            config.set('caseload', 'portal_attachment_max',
                saved or str(10 * 1024 * 1024))
        self.assertEqual(response.status_code, 422)
        self.assertIn("too large", response.get_data(as_text=True))
        for name, content in [('invoice.pdf', EXE), ('photo.pdf', PNG),
                ('page.html', b'<html><script>x</script>')]:
            response = self.post_thread(client, subject="Bad file",
                body="see attached", files=[(name, content)])
            self.assertEqual(response.status_code, 422, name)
            page = response.get_data(as_text=True)
            self.assertIn("only PDF, PNG and JPEG", page)
            self.assertIn("see attached", page)  # the text is not lost
        self.assertEqual(self.counts(), before)

        url = (f"{self.base}/messages/{ids['bob thread']}/attachments/"
            f"{ids['bob file']}")
        response = client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_data(), PDF)
        self.assertEqual(response.headers['Content-Disposition'],
            'attachment; filename="scan.pdf"')
        self.assertEqual(response.headers['X-Content-Type-Options'],
            'nosniff')
        self.assertEqual(response.content_type, 'application/pdf')

    def test_message_flood_refused(self):
        "Past the hourly limit a post is refused (429), nothing kept"
        ids = self.ids()
        client = self.client()
        self.login(client, 'bob@example.com')
        before = self.counts()
        if not config.has_section('caseload'):
            config.add_section('caseload')
        config.set('caseload', 'portal_messages_per_hour', '1')
        try:
            # Bob's one message of the hour was sent at set-up
            new = self.post_thread(client, subject="Again", body="Again")
            answer = client.post(
                f"{self.base}/messages/{ids['bob thread']}",
                data={'body': "Again"}, content_type='multipart/form-data')
        finally:
            config.set('caseload', 'portal_messages_per_hour', '20')
        for response in [new, answer]:
            self.assertEqual(response.status_code, 429)
            self.assertIn("many messages", response.get_data(as_text=True))
        self.assertEqual(self.counts(), before)

    @with_transaction()
    def test_sent_message_immutable_and_care_team_bounded(self):
        """Staff cannot change or delete a sent message over RPC; a
        clinician outside the client's care team cannot read the thread"""
        pool = Pool()
        User = pool.get('res.user')
        Thread = pool.get('therapy.portal.thread')
        Message = pool.get('therapy.portal.message')
        Attachment = pool.get('therapy.portal.message.attachment')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        annie, = Client.search([('party.name', '=', "Ann Client")])
        pat, = WebUser.search([('email', '=', 'pat@example.com')])
        thread = Thread.start(annie, "Rules", "A private message", pat,
            [('a.png', PNG)])
        message, = thread.messages
        attachment, = message.attachments
        desk, dana, sam = [User.search([('login', '=', login)])[0]
            for login in ['desk', 'dana', 'sam']]
        with set_company(annie.company), as_user(desk):
            for call in [
                    lambda: Message.write([message], {'body': "Edited"}),
                    lambda: Message.delete([message]),
                    lambda: Attachment.write([attachment], {'name': 'x'}),
                    lambda: Thread.write([thread], {'subject': "Changed"}),
                    lambda: Message.create([{'thread': thread.id,
                                'client': annie.id, 'direction': 'practice',
                                'body': "Forged", 'sent_at': dt.datetime(
                                    2020, 1, 1)}]),
                    ]:
                with self.assertRaises(AccessError):
                    call()
            # the front desk reads it; opening it marks the client's read
            self.assertEqual(Message.read([message.id], ['body'])[0]['body'],
                "A private message")
            Thread.read([thread.id], ['messages'])
        self.assertTrue(Message(message.id).read_at)
        self.assertEqual(Message(message.id).body, "A private message")
        with set_company(annie.company), as_user(sam):
            self.assertNotIn(thread, Thread.search([]))
            for Model, record in [(Thread, thread), (Message, message),
                    (Attachment, attachment)]:
                with self.assertRaises(AccessError, msg=Model.__name__):
                    Model.read([record.id], ['id'])
            with self.assertRaises(AccessError):
                Thread.reply([thread])
        with set_company(annie.company), as_user(dana):
            self.assertIn(thread, Thread.search([]))
            self.assertEqual(Message.read([message.id], ['body'])[0]['body'],
                "A private message")


del RouteTestCase
