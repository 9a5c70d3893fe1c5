"""SFTP as a clearinghouse's transport (sftp.py does the talking).

The local outbound and inbound folders stay the practice's copy: sending
writes the 837P there, then uploads it; fetching downloads the server's new
files there, then imports the folder as always. 270 inquiries are uploaded
the same way.

An upload that fails fails the whole send: the transaction rolls back, so
no file is archived as released, no claim is marked submitted, and the
local copy is removed; the claims stay ready and the biller sends again
once the error (which says what to fix) is fixed. A file cannot be half
sent that way, and nothing says "sent" about a file that never left. The
daily cron commits each clearinghouse's send before trying the next one,
so a failing server cannot roll back a file another server already
received."""
import os

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling import clock

from . import sftp
from .exceptions import ClearinghouseValidationError, EDIError

TRANSPORTS = [
    ('folder', "Local Folders"),
    ('sftp', "SFTP"),
    ]


# what an SFTP exchange needs, shown and required only with that transport
_sftp = {
    'required': Eval('transport') == 'sftp',
    'invisible': Eval('transport') != 'sftp',
    }


class Clearinghouse(metaclass=PoolMeta):
    __name__ = 'therapy.clearinghouse'

    transport = fields.Selection(TRANSPORTS, "Transport", required=True,
        help="Local Folders: another program moves the files. SFTP: "
        "Caseload uploads and downloads them itself.")
    sftp_host = fields.Char("SFTP Host",
        states=_sftp,
        help="The clearinghouse's SFTP server, e.g. sftp.example.com.")
    sftp_port = fields.Integer("SFTP Port", states=_sftp)
    sftp_username = fields.Char("SFTP User",
        states=_sftp,
        help="The login the clearinghouse gave the practice.")
    sftp_key_path = fields.Char("Private Key File",
        states=_sftp,
        help="Absolute path, on the Caseload server, of the unencrypted "
        "OpenSSH private key the login uses; readable by the server "
        "process only. The clearinghouse has its public key.")
    sftp_host_key = fields.Text("Server Host Key",
        states=_sftp,
        help="The server's public host key as the clearinghouse gave it "
        "(\"ssh-ed25519 AAAA...\" or a known_hosts line). A server "
        "presenting any other key is refused.")
    sftp_host_key_fingerprint = fields.Function(
        fields.Char("Host Key Fingerprint",
            states={
                'invisible': Eval('transport') != 'sftp',
                }),
        'on_change_with_sftp_host_key_fingerprint')
    sftp_outbound_dir = fields.Char("Remote Outbound Directory",
        states=_sftp,
        help="Where the server takes 837P files, e.g. /inbound (named as "
        "the clearinghouse names it).")
    sftp_inbound_dir = fields.Char("Remote Inbound Directory",
        states=_sftp,
        help="Where the server leaves 999, 277CA and 271 files, e.g. "
        "/outbound.")

    @classmethod
    def default_transport(cls):
        return 'folder'

    @classmethod
    def default_sftp_port(cls):
        return 22

    @fields.depends('sftp_host_key')
    def on_change_with_sftp_host_key_fingerprint(self, name=None):
        try:
            return sftp.parse_host_key(self.sftp_host_key).fingerprint
        except sftp.HostKeyInvalid:
            return None

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//group[@id="sftp"]', 'states', {
                    'invisible': Eval('transport') != 'sftp',
                    }),
            ]

    @classmethod
    def validate(cls, clearinghouses):
        super().validate(clearinghouses)
        for clearinghouse in clearinghouses:
            if clearinghouse.transport == 'sftp':
                clearinghouse.check_sftp()

    def check_sftp(self):
        try:
            sftp.parse_host_key(self.sftp_host_key)
        except sftp.HostKeyInvalid as error:
            raise ClearinghouseValidationError(gettext(
                    'therapy_edi.msg_clearinghouse_sftp_host_key',
                    clearinghouse=self.rec_name, reason=error.reason))
        if not os.path.isabs(self.sftp_key_path or ''):
            raise ClearinghouseValidationError(gettext(
                    'therapy_edi.msg_clearinghouse_sftp_key_path',
                    clearinghouse=self.rec_name,
                    path=self.sftp_key_path or ''))
        if not 0 < (self.sftp_port or 0) < 65536:
            raise ClearinghouseValidationError(gettext(
                    'therapy_edi.msg_clearinghouse_sftp_port',
                    clearinghouse=self.rec_name, port=self.sftp_port))

    @property
    def sftp_endpoint(self):
        return sftp.Endpoint(self.sftp_host.strip(), self.sftp_port,
            self.sftp_username.strip(), self.sftp_key_path,
            self.sftp_host_key)

    def sftp_upload(self, edi_file):
        "Upload a released file; return where it went"
        try:
            return self.sftp_endpoint.upload(
                edi_file.data, self.sftp_outbound_dir, edi_file.name)
        except sftp.SFTPError as error:
            raise EDIError(gettext('therapy_edi.msg_sftp_not_sent',
                    file=edi_file.name, error=self.sftp_message(error)))

    def sftp_fetch(self):
        "Download the server's new files into the inbound folder"
        try:
            return self.sftp_endpoint.fetch_new(
                self.sftp_inbound_dir, self.inbound_folder)
        except sftp.SFTPError as error:
            raise EDIError(self.sftp_message(error))

    def sftp_message(self, error):
        "What went wrong and how to fix it, for the biller"
        values = dict(vars(error), clearinghouse=self.rec_name)
        if isinstance(error, sftp.LocalConflict):
            values['names'] = ', '.join(error.names)
        for kind, message in [
                (sftp.HostKeyMismatch, 'msg_sftp_host_key_mismatch'),
                (sftp.HostKeyInvalid, 'msg_clearinghouse_sftp_host_key'),
                (sftp.ConnectionFailed, 'msg_sftp_connection'),
                (sftp.PrivateKeyUnreadable, 'msg_sftp_private_key'),
                (sftp.AuthenticationFailed, 'msg_sftp_login'),
                (sftp.RemoteFailed, 'msg_sftp_remote'),
                (sftp.LocalConflict, 'msg_sftp_local_conflict'),
                ]:
            if isinstance(error, kind):
                return gettext(f'therapy_edi.{message}', **values)
        return gettext('therapy_edi.msg_sftp_other',
            clearinghouse=self.rec_name, error=str(error))

    @classmethod
    def send_all(cls):
        clearinghouses = cls.search([])
        if all(c.transport != 'sftp' for c in clearinghouses):
            return super().send_all()
        # an upload cannot be taken back: commit each clearinghouse's send
        # before the next, so one failing rolls back only its own
        EdiFile = Pool().get('therapy.edi.file')
        transaction = Transaction()
        files, failures = [], []
        for clearinghouse in clearinghouses:
            try:
                edi_file = EdiFile.send(clearinghouse)
            except EDIError as error:
                transaction.rollback()
                # what was kept until the transaction writes is gone too
                transaction.counter += 1
                failures.append(error)
                continue
            transaction.commit()
            if edi_file:
                files.append(edi_file)
        if failures:
            # the cron's log shows it; the others are committed
            raise failures[0]
        return files


class EdiFile(metaclass=PoolMeta):
    __name__ = 'therapy.edi.file'

    @classmethod
    def send(cls, clearinghouse, folder=None):
        edi_file = super().send(clearinghouse, folder=folder)
        # a folder given by hand (caseload claims export --out) is a copy
        if edi_file and edi_file.state == 'released' and folder is None:
            cls.upload(clearinghouse, edi_file)
        return edi_file

    @classmethod
    def _write_270(cls, clearinghouse, payer, inquiries):
        edi_file = super()._write_270(clearinghouse, payer, inquiries)
        cls.upload(clearinghouse, edi_file)
        return edi_file

    @classmethod
    def upload(cls, clearinghouse, edi_file):
        "Upload a file just written to the outbound folder, if SFTP"
        if clearinghouse.transport != 'sftp':
            return
        try:
            remote = clearinghouse.sftp_upload(edi_file)
        except EDIError:
            # the transaction rolls back: no local copy may say it was sent
            if edi_file.path and os.path.exists(edi_file.path):
                os.unlink(edi_file.path)
            raise
        log = gettext('therapy_edi.msg_log_sftp_uploaded',
            host=clearinghouse.sftp_host, path=remote,
            date=clock.now())
        with without_check_access():
            cls.write([edi_file], {'file_log': '\n'.join(
                        filter(None, [edi_file.file_log, log]))})

    @classmethod
    def import_folder(cls, clearinghouse):
        if clearinghouse.transport == 'sftp':
            clearinghouse.sftp_fetch()
        return super().import_folder(clearinghouse)
