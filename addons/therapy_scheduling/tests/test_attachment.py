"""What may be attached to a record: documents and pictures by their
content, links to web addresses; plus the allow-list itself."""
import unittest

from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from therapy_scheduling.attachment import allowed

PDF = b'%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'
PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 32
HTML = b'<!DOCTYPE html><html><script>fetch("//x/")</script></html>'


class AllowListTestCase(unittest.TestCase):

    def test_content_must_match_the_name(self):
        self.assertTrue(allowed('card.pdf', PDF))
        self.assertTrue(allowed('Card Front.PNG', PNG))
        self.assertTrue(allowed('notes.txt', b'plain words\n'))
        self.assertFalse(allowed('card.pdf', HTML))
        self.assertFalse(allowed('card.png', PDF))
        self.assertFalse(allowed('page.html', HTML))
        self.assertFalse(allowed('image.svg', b'<svg onload="x()"/>'))
        self.assertFalse(allowed('notes.txt', HTML))
        self.assertFalse(allowed('tool.exe', b'MZ\x90\x00'))
        self.assertFalse(allowed('no extension', PDF))


class AttachmentTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_attachments_refused_and_accepted(self):
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Party = pool.get('party.party')
        party, = Party.create([{'name': "Robin Vale"}])
        resource = str(party)
        card, = Attachment.create([{'resource': resource,
                    'name': 'insurance card.pdf', 'data': PDF}])
        self.assertEqual(card.data, PDF)
        with self.assertRaisesRegex(ValidationError, 'cannot be attached'):
            Attachment.create([{'resource': resource, 'name': 'card.pdf',
                        'data': HTML}])
        with self.assertRaisesRegex(ValidationError, 'cannot be attached'):
            Attachment.write([card], {'data': HTML})
        with self.assertRaisesRegex(ValidationError, 'https://'):
            Attachment.create([{'resource': resource, 'name': 'portal',
                        'type': 'link', 'link': 'javascript:alert(1)'}])
        Attachment.create([{'resource': resource, 'name': 'school site',
                    'type': 'link', 'link': 'https://school.example/iep'}])
