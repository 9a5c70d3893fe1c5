"""SFTP exchange with a clearinghouse, with the server's host key pinned.

Plain Python (paramiko), no Tryton: the clearinghouse model
(clearinghouse_sftp.py) turns its fields into an ``Endpoint`` and these
errors into its messages.

The server must present exactly the pinned public key: the client knows no
other host key (no known_hosts, no system keys) and refuses unknown ones
(paramiko's RejectPolicy), so a server presenting another key is refused
before the practice logs in and before any file moves. The login is by a
private key file that the server process reads; no secret is stored in the
database.

An upload goes to a dot-prefixed temporary name in the remote directory and
is renamed once complete and size-checked, so the clearinghouse never picks
up half a file. A fetch copies the remote files that the local folder does
not have yet; a local file of the same name with other content is never
overwritten (the fetch stops and says so, copying nothing)."""
import base64
import binascii
import io
import os
import posixpath
import socket
import stat
import tempfile
from dataclasses import dataclass

import paramiko

TIMEOUT = 20  # seconds: TCP connect, SSH banner, login, each SFTP request


class SFTPError(Exception):
    "What went wrong talking to the SFTP server (see the subclasses)"


class HostKeyInvalid(SFTPError):
    def __init__(self, text, reason):
        super().__init__(f'not an SSH public key ({reason}): {text!r}')
        self.text, self.reason = text, reason


class HostKeyMismatch(SFTPError):
    def __init__(self, host, port, presented, pinned):
        super().__init__(f'{host}:{port} presented {presented}, '
            f'the pinned key is {pinned}')
        self.host, self.port = host, port
        self.presented, self.pinned = presented, pinned


class ConnectionFailed(SFTPError):
    def __init__(self, host, port, reason):
        super().__init__(f'cannot connect to {host}:{port}: {reason}')
        self.host, self.port, self.reason = host, port, reason


class PrivateKeyUnreadable(SFTPError):
    def __init__(self, path, reason):
        super().__init__(f'cannot use the private key {path}: {reason}')
        self.path, self.reason = path, reason


class AuthenticationFailed(SFTPError):
    def __init__(self, host, port, username, reason):
        super().__init__(
            f'{host}:{port} refused the login of {username}: {reason}')
        self.host, self.port = host, port
        self.username, self.reason = username, reason


class RemoteFailed(SFTPError):
    def __init__(self, host, path, reason):
        super().__init__(f'{host}:{path}: {reason}')
        self.host, self.path, self.reason = host, path, reason


class LocalConflict(SFTPError):
    def __init__(self, folder, names):
        super().__init__(f'{folder} already has other files named '
            f'{", ".join(names)}')
        self.folder, self.names = folder, names


def parse_host_key(text):
    """The paramiko public key of ``text``: "TYPE BASE64 [comment]" (an
    OpenSSH .pub file) or a known_hosts line "HOSTS TYPE BASE64"."""
    words = (text or '').split()
    for index, word in enumerate(words[:2]):
        if len(words) > index + 1 and (word.startswith('ssh-')
                or word.startswith('ecdsa-') or word.startswith('sk-')):
            key_type, data = word, words[index + 1]
            break
    else:
        raise HostKeyInvalid(text, 'expected "ssh-ed25519 AAAA..." or a '
            'known_hosts line')
    try:
        key = paramiko.PKey.from_type_string(
            key_type, base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError) as error:
        raise HostKeyInvalid(text, f'bad base64: {error}')
    except paramiko.UnknownKeyType:
        raise HostKeyInvalid(text, f'unknown key type {key_type}')
    except Exception as error:  # each key class fails its own way
        raise HostKeyInvalid(text, str(error) or type(error).__name__)
    if key.get_name() != key_type and not (
            key_type.startswith('rsa-') and key.get_name() == 'ssh-rsa'):
        raise HostKeyInvalid(text,
            f'the key data is {key.get_name()}, not {key_type}')
    return key


def describe(key):
    "A key as a person compares it: its type, base64 and SHA-256 fingerprint"
    return f'{key.get_name()} {key.get_base64()} ({key.fingerprint})'


@dataclass
class Endpoint:
    host: str
    port: int
    username: str
    key_filename: str
    host_key: str  # the pinned public key, as parse_host_key reads it
    timeout: float = TIMEOUT

    def connect(self):
        "An open paramiko SSHClient and its SFTPClient"
        pinned = parse_host_key(self.host_key)
        try:
            private_key = paramiko.PKey.from_path(self.key_filename)
        except FileNotFoundError:
            raise PrivateKeyUnreadable(self.key_filename, 'no such file')
        except PermissionError:
            raise PrivateKeyUnreadable(self.key_filename,
                'the server process may not read it')
        except paramiko.PasswordRequiredException:
            raise PrivateKeyUnreadable(self.key_filename,
                'it is protected by a passphrase')
        except (paramiko.SSHException, OSError, ValueError) as error:
            raise PrivateKeyUnreadable(self.key_filename,
                str(error) or type(error).__name__)
        client = paramiko.SSHClient()
        # only the pinned key is known; anything else is refused
        hostname = (self.host if self.port == 22
            else f'[{self.host}]:{self.port}')
        client.get_host_keys().add(hostname, pinned.get_name(), pinned)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(self.host, port=self.port, username=self.username,
                pkey=private_key, timeout=self.timeout,
                banner_timeout=self.timeout, auth_timeout=self.timeout,
                channel_timeout=self.timeout, allow_agent=False,
                look_for_keys=False)
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(self.timeout)
        except paramiko.BadHostKeyException as error:
            client.close()
            raise HostKeyMismatch(self.host, self.port,
                describe(error.key), describe(pinned))
        except paramiko.AuthenticationException as error:
            client.close()
            raise AuthenticationFailed(self.host, self.port, self.username,
                str(error) or type(error).__name__)
        except paramiko.ssh_exception.NoValidConnectionsError as error:
            # one socket error per address tried ("Connection refused")
            client.close()
            raise ConnectionFailed(self.host, self.port, '; '.join(sorted(
                        {_reason(e) for e in error.errors.values()})))
        except (socket.timeout, TimeoutError):
            client.close()
            raise ConnectionFailed(self.host, self.port,
                f'no answer within {self.timeout:g} seconds')
        except (paramiko.SSHException, OSError, EOFError) as error:
            client.close()
            raise ConnectionFailed(self.host, self.port, _reason(error))
        return client, sftp

    def upload(self, data, remote_dir, name):
        """Put data (bytes) at remote_dir/name: written under a temporary
        name, its size checked, then renamed; an existing remote file of
        that name is refused. Return the remote path."""
        client, sftp = self.connect()
        try:
            path = posixpath.join(remote_dir, name)
            temporary = posixpath.join(remote_dir, f'.{name}.part')
            try:
                self._check_dir(sftp, remote_dir)
                try:
                    sftp.stat(path)
                except FileNotFoundError:
                    pass
                else:
                    raise RemoteFailed(self.host, path,
                        'a file of this name is already there')
                sftp.putfo(io.BytesIO(data), temporary, file_size=len(data),
                    confirm=True)
                try:
                    sftp.posix_rename(temporary, path)
                except OSError:
                    # servers without the posix-rename extension
                    sftp.rename(temporary, path)
            except SFTPError:
                raise
            except (OSError, paramiko.SSHException, EOFError) as error:
                self._remove(sftp, temporary)
                raise RemoteFailed(self.host, path, _reason(error))
            return path
        finally:
            client.close()

    def fetch_new(self, remote_dir, local_dir):
        """Copy the files of remote_dir that local_dir does not have into
        local_dir; return their names. A local file of the same name with
        other content stops the fetch before anything is written."""
        client, sftp = self.connect()
        try:
            try:
                self._check_dir(sftp, remote_dir)
                found = {}
                for entry in sftp.listdir_attr(remote_dir):
                    name = entry.filename
                    if (name.startswith('.') or '/' in name
                            or not stat.S_ISREG(entry.st_mode or 0)):
                        continue
                    with sftp.open(posixpath.join(remote_dir, name),
                            'rb') as remote:
                        remote.prefetch()
                        found[name] = remote.read()
            except SFTPError:
                raise
            except (OSError, paramiko.SSHException, EOFError) as error:
                raise RemoteFailed(self.host, remote_dir, _reason(error))
        finally:
            client.close()
        new, conflicts = {}, []
        for name, data in sorted(found.items()):
            local = os.path.join(local_dir, name)
            if not os.path.exists(local):
                new[name] = data
                continue
            with open(local, 'rb') as file:
                if file.read() != data:
                    conflicts.append(name)
        if conflicts:
            raise LocalConflict(local_dir, conflicts)
        os.makedirs(local_dir, exist_ok=True)
        for name, data in new.items():
            _write_new(local_dir, name, data)
        return list(new)

    def _check_dir(self, sftp, remote_dir):
        try:
            mode = sftp.stat(remote_dir).st_mode
        except FileNotFoundError:
            raise RemoteFailed(self.host, remote_dir, 'no such directory')
        if not stat.S_ISDIR(mode or 0):
            raise RemoteFailed(self.host, remote_dir, 'not a directory')

    @staticmethod
    def _remove(sftp, path):
        try:
            sftp.remove(path)
        except (OSError, paramiko.SSHException, EOFError):
            pass


def _reason(error):
    return (getattr(error, 'strerror', None) or str(error)
        or type(error).__name__)


def _write_new(folder, name, data):
    """Write folder/name through a dot-prefixed temporary file (the folder
    import skips those), never replacing a file that appeared meanwhile"""
    fd, temporary = tempfile.mkstemp(dir=folder, prefix='.', suffix='.part')
    try:
        with os.fdopen(fd, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        # link fails if the name exists: no overwrite, even in a race
        os.link(temporary, os.path.join(folder, name))
    finally:
        os.unlink(temporary)
