"""A real SFTP server on loopback for the tests (asyncssh): its own host
key, one authorized client key, chrooted to a folder, in a thread with its
own event loop. It records the file operations clients make, so a test can
tell what was written under which name and in which order."""
import asyncio
import os
import threading

import asyncssh


def generate_key(algorithm='ssh-ed25519'):
    "(private key in OpenSSH format, public key line) of a new key pair"
    key = asyncssh.generate_private_key(algorithm)
    return (key.export_private_key('openssh').decode('ascii'),
        key.export_public_key('openssh').decode('ascii').strip())


class SFTPServer:
    "Start with ``with SFTPServer(root) as server:``; port, host_key"

    def __init__(self, root, client_public_key, host_algorithm='ssh-ed25519'):
        self.root = root
        self.client_public_key = client_public_key
        self.host_private = asyncssh.generate_private_key(host_algorithm)
        self.host_key = self.host_private.export_public_key(
            'openssh').decode('ascii').strip()
        self.operations = []  # (operation, path, ...) as clients asked
        self.logins = []  # user names that logged in

    def __enter__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.acceptor = asyncio.run_coroutine_threadsafe(
            self._listen(), self.loop).result(timeout=60)
        self.port = self.acceptor.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc):
        async def close():
            self.acceptor.close()
            await self.acceptor.wait_closed()
            # connections a client left open end with the server
            tasks = [t for t in asyncio.all_tasks()
                if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        asyncio.run_coroutine_threadsafe(close(), self.loop).result(
            timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=60)
        self.loop.close()

    async def _listen(self):
        server = self

        class Recorder(asyncssh.SFTPServer):
            def __init__(self, chan):
                super().__init__(chan, chroot=os.fsencode(server.root))

            def open(self, path, pflags, attrs):
                writing = bool(pflags & (asyncssh.FXF_WRITE
                        | asyncssh.FXF_CREAT))
                server.operations.append(
                    ('write' if writing else 'read', os.fsdecode(path)))
                return super().open(path, pflags, attrs)

            def rename(self, oldpath, newpath):
                server.operations.append(('rename', os.fsdecode(oldpath),
                        os.fsdecode(newpath)))
                return super().rename(oldpath, newpath)

            def posix_rename(self, oldpath, newpath):
                server.operations.append(('rename', os.fsdecode(oldpath),
                        os.fsdecode(newpath)))
                return super().posix_rename(oldpath, newpath)

        class Logins(asyncssh.SSHServer):
            def auth_completed(self):
                server.logins.append(True)

        return await asyncssh.listen('127.0.0.1', 0,
            server_host_keys=[self.host_private],
            authorized_client_keys=asyncssh.import_authorized_keys(
                self.client_public_key + '\n'),
            server_factory=Logins, sftp_factory=Recorder,
            allow_scp=False)
