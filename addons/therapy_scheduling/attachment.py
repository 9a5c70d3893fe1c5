"""Attachments are documents a practice keeps (insurance cards, referrals,
school reports), never pages: only the kinds on the allow-list, checked by
their content, not only by their name, so a script renamed .pdf or an
HTML page cannot be stored and later opened in a staff member's browser;
links go to http(s) addresses only."""
import os

import puremagic

from trytond.i18n import gettext
from trytond.model.exceptions import ValidationError
from trytond.pool import PoolMeta

# extension -> the content types it may hold (as puremagic reads them)
ALLOWED = {
    'pdf': {'application/pdf'},
    'png': {'image/png'},
    'jpg': {'image/jpeg'},
    'jpeg': {'image/jpeg'},
    'gif': {'image/gif'},
    'webp': {'image/webp'},
    'tif': {'image/tiff'},
    'tiff': {'image/tiff'},
    'heic': {'image/heic', 'image/heif'},
    'docx': {'application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document', 'application/zip'},
    'xlsx': {'application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet', 'application/zip'},
    'odt': {'application/vnd.oasis.opendocument.text', 'application/zip'},
    'txt': {'text/plain'},
    'csv': {'text/plain', 'text/csv'},
    }
TEXT = {'txt', 'csv'}
MARKUP = (b'<html', b'<script', b'<svg', b'<!doctype', b'<iframe', b'<?xml')


def content_type(data, extension):
    "What the bytes are, as far as the allow-list cares; None: unknown"
    if extension in TEXT:
        head = data[:4096].lower()
        try:
            data.decode('utf-8')
        except UnicodeDecodeError:
            return None
        return None if any(m in head for m in MARKUP) else 'text/plain'
    try:
        return puremagic.from_string(data, mime=True) or None
    except puremagic.PureError:
        return None


def allowed(name, data):
    extension = os.path.splitext(name or '')[1].lower().lstrip('.')
    if extension not in ALLOWED:
        return False
    return content_type(data, extension) in ALLOWED[extension]


class Attachment(metaclass=PoolMeta):
    __name__ = 'ir.attachment'

    @classmethod
    def validate_fields(cls, attachments, field_names):
        super().validate_fields(attachments, field_names)
        if field_names and not (field_names & {'name', 'data', 'link',
                    'type'}):
            return
        for attachment in attachments:
            if attachment.type == 'link':
                if not (attachment.link or '').lower().startswith(
                        ('https://', 'http://')):
                    raise ValidationError(gettext(
                            'therapy_scheduling.msg_attachment_link',
                            name=attachment.name))
            elif attachment.data and not allowed(
                    attachment.name, attachment.data):
                raise ValidationError(gettext(
                        'therapy_scheduling.msg_attachment_type',
                        name=attachment.name,
                        kinds=', '.join(sorted(ALLOWED))))
