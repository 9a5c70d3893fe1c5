"""The SFTP transport against a real SFTP server on loopback (asyncssh):
uploads land whole under their name, fetches copy only new files, and a
server presenting another host key gets nothing."""
import os
import shutil
import socket
import tempfile
import unittest

from therapy_edi import sftp
from therapy_edi.tests.sftp_server import SFTPServer, generate_key


class SFTPTransportTestCase(unittest.TestCase):

    def setUp(self):
        self.folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.folder)
        self.root = os.path.join(self.folder, 'server')
        for name in ['outbound', 'inbound']:
            os.makedirs(os.path.join(self.root, name))
        private, self.client_public = generate_key()
        self.key_file = os.path.join(self.folder, 'id_ed25519')
        with open(self.key_file, 'w') as file:
            file.write(private)
        os.chmod(self.key_file, 0o600)
        self.server = SFTPServer(self.root, self.client_public)
        self.server.__enter__()
        self.addCleanup(self.server.__exit__, None, None, None)

    def endpoint(self, **values):
        return sftp.Endpoint(**dict(dict(host='127.0.0.1',
                    port=self.server.port, username='practice',
                    key_filename=self.key_file,
                    host_key=self.server.host_key, timeout=10), **values))

    def remote(self, *parts):
        return os.path.join(self.root, *parts)

    def test_upload_renames_the_complete_file(self):
        "The file is written under a dot name, then renamed to its own"
        data = b'ISA*00*...~' * 500
        path = self.endpoint().upload(data, '/outbound', 'house-000000001.837')
        self.assertEqual(path, '/outbound/house-000000001.837')
        self.assertEqual(os.listdir(self.remote('outbound')),
            ['house-000000001.837'])
        with open(self.remote('outbound', 'house-000000001.837'), 'rb') as f:
            self.assertEqual(f.read(), data)
        writes = [op for op in self.server.operations if op[0] == 'write']
        renames = [op for op in self.server.operations if op[0] == 'rename']
        self.assertEqual(writes, [
                ('write', '/outbound/.house-000000001.837.part')])
        self.assertEqual(renames, [('rename',
                    '/outbound/.house-000000001.837.part',
                    '/outbound/house-000000001.837')])
        self.assertLess(self.server.operations.index(writes[0]),
            self.server.operations.index(renames[0]))

    def test_upload_never_replaces_a_remote_file(self):
        "A file of the same name already on the server is left as it was"
        with open(self.remote('outbound', 'a.837'), 'wb') as file:
            file.write(b'theirs')
        with self.assertRaises(sftp.RemoteFailed) as caught:
            self.endpoint().upload(b'ours', '/outbound', 'a.837')
        self.assertIn('already there', str(caught.exception))
        with open(self.remote('outbound', 'a.837'), 'rb') as file:
            self.assertEqual(file.read(), b'theirs')
        self.assertEqual(os.listdir(self.remote('outbound')), ['a.837'])

    def test_upload_to_missing_directory(self):
        "A remote directory that does not exist is named in the error"
        with self.assertRaises(sftp.RemoteFailed) as caught:
            self.endpoint().upload(b'x', '/nowhere', 'a.837')
        self.assertEqual(caught.exception.path, '/nowhere')
        self.assertIn('no such directory', str(caught.exception))

    def test_fetch_copies_new_files_only(self):
        "Files already here are not copied again; dot files are skipped"
        local = os.path.join(self.folder, 'in')
        for name, data in [('ack-1.999', b'one'), ('ack-2.999', b'two'),
                ('.ack-3.999.part', b'half')]:
            with open(self.remote('inbound', name), 'wb') as file:
                file.write(data)
        endpoint = self.endpoint()
        self.assertEqual(endpoint.fetch_new('/inbound', local),
            ['ack-1.999', 'ack-2.999'])
        self.assertEqual(sorted(os.listdir(local)),
            ['ack-1.999', 'ack-2.999'])
        with open(self.remote('inbound', 'claims-3.277'), 'wb') as file:
            file.write(b'three')
        self.assertEqual(endpoint.fetch_new('/inbound', local),
            ['claims-3.277'])
        self.assertEqual(endpoint.fetch_new('/inbound', local), [])
        with open(os.path.join(local, 'claims-3.277'), 'rb') as file:
            self.assertEqual(file.read(), b'three')

    def test_fetch_never_overwrites_a_different_local_file(self):
        "Same name, other content: nothing is copied, the name is given"
        local = os.path.join(self.folder, 'in')
        os.makedirs(local)
        with open(os.path.join(local, 'ack-1.999'), 'wb') as file:
            file.write(b'the first one')
        for name, data in [('ack-1.999', b'another one'),
                ('ack-2.999', b'two')]:
            with open(self.remote('inbound', name), 'wb') as file:
                file.write(data)
        with self.assertRaises(sftp.LocalConflict) as caught:
            self.endpoint().fetch_new('/inbound', local)
        self.assertEqual(caught.exception.names, ['ack-1.999'])
        self.assertEqual(os.listdir(local), ['ack-1.999'])
        with open(os.path.join(local, 'ack-1.999'), 'rb') as file:
            self.assertEqual(file.read(), b'the first one')

    def test_wrong_host_key_is_refused_before_login(self):
        "Another key (same type or not): refused, no login, nothing moves"
        with open(self.remote('inbound', 'ack-1.999'), 'wb') as file:
            file.write(b'one')
        local = os.path.join(self.folder, 'in')
        for algorithm in ['ssh-ed25519', 'ecdsa-sha2-nistp256']:
            _, other = generate_key(algorithm)
            endpoint = self.endpoint(host_key=other)
            with self.subTest(algorithm=algorithm):
                with self.assertRaises(sftp.HostKeyMismatch) as caught:
                    endpoint.upload(b'claims', '/outbound', 'a.837')
                with self.assertRaises(sftp.HostKeyMismatch):
                    endpoint.fetch_new('/inbound', local)
                error = caught.exception
                presented = sftp.parse_host_key(self.server.host_key)
                self.assertIn(presented.get_base64(), error.presented)
                self.assertIn(presented.fingerprint, error.presented)
                self.assertIn(other.split()[1], error.pinned)
        self.assertEqual(self.server.logins, [])
        self.assertEqual(self.server.operations, [])
        self.assertEqual(os.listdir(self.remote('outbound')), [])
        self.assertFalse(os.path.exists(local))

    def test_pinned_key_as_known_hosts_line(self):
        "A known_hosts line (hosts first) pins the same key"
        line = f'[127.0.0.1]:{self.server.port} {self.server.host_key}'
        self.endpoint(host_key=line).upload(b'x', '/outbound', 'a.837')
        self.assertEqual(os.listdir(self.remote('outbound')), ['a.837'])

    def test_unknown_client_key_is_refused(self):
        "A key the server does not authorize: the login is refused"
        private, _ = generate_key()
        other_file = os.path.join(self.folder, 'other')
        with open(other_file, 'w') as file:
            file.write(private)
        with self.assertRaises(sftp.AuthenticationFailed):
            self.endpoint(key_filename=other_file).upload(
                b'x', '/outbound', 'a.837')
        self.assertEqual(os.listdir(self.remote('outbound')), [])

    def test_missing_private_key_file(self):
        "A key path that does not exist is named, before any connection"
        with self.assertRaises(sftp.PrivateKeyUnreadable) as caught:
            self.endpoint(key_filename=os.path.join(self.folder, 'none')
                ).upload(b'x', '/outbound', 'a.837')
        self.assertIn('no such file', str(caught.exception))
        self.assertEqual(self.server.logins, [])

    def test_connection_refused(self):
        "Nobody listening on the port: a clear error naming host and port"
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            port = probe.getsockname()[1]
        with self.assertRaises(sftp.ConnectionFailed) as caught:
            self.endpoint(port=port).upload(b'x', '/outbound', 'a.837')
        self.assertEqual(caught.exception.port, port)
        self.assertIn(f'127.0.0.1:{port}', str(caught.exception))
        self.assertIn('refused', str(caught.exception).lower())

    def test_silent_server_times_out(self):
        "A port that accepts but never speaks SSH ends in a clear error"
        with socket.socket() as silent:
            silent.bind(('127.0.0.1', 0))
            silent.listen()
            port = silent.getsockname()[1]
            with self.assertRaises(sftp.ConnectionFailed) as caught:
                self.endpoint(port=port, timeout=1).upload(
                    b'x', '/outbound', 'a.837')
        self.assertIn(f'127.0.0.1:{port}', str(caught.exception))


class HostKeyTestCase(unittest.TestCase):

    def test_parse(self):
        _, public = generate_key()
        key = sftp.parse_host_key(public + ' clearinghouse')
        self.assertEqual(key.get_name(), 'ssh-ed25519')
        self.assertEqual(key.get_base64(), public.split()[1])
        self.assertEqual(
            sftp.parse_host_key(f'sftp.example.com {public}'), key)

    def test_refuse_what_is_not_a_key(self):
        _, public = generate_key()
        key_type, data = public.split()[:2]
        for text in ['', 'hello', f'{key_type} not-base64!',
                f'ssh-foo {data}', f'ecdsa-sha2-nistp256 {data}',
                f'{key_type} {data[:20]}']:
            with self.subTest(text=text), self.assertRaises(
                    sftp.HostKeyInvalid):
                sftp.parse_host_key(text)
