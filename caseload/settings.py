"""Read a Caseload server config and make it usable from any directory.

Our config files name paths relative to themselves (``path = ../var/db``) so
a checkout works wherever it lies; trytond reads them relative to the
current directory. ``resolved()`` writes a small overlay config with those
paths made absolute, passed after the original to every trytond process.
"""
import configparser
import contextlib
import io
import os
import shutil
import tempfile
from urllib.parse import urlsplit


class ConfigError(Exception):
    pass


RELATIVE_OPTIONS = [('database', 'path'), ('web', 'root')]

# Where Caseload needs another default than Tryton's on PostgreSQL, unless
# the config says otherwise. [cache] clean_timeout: the server's workers,
# the cron and the queue worker are separate processes, each caching
# groups, record rules and settings; with 0 a commit that clears a cache
# clears it in all of them through LISTEN/NOTIFY. Tryton's 300 left the
# other workers on the old groups for up to five minutes: a clinician who
# had just opened emergency access saw the client list empty or full
# depending on the worker that answered. (SQLite runs one process, and
# there 0 would mean reading ir_cache and refreshing the pool at every
# transaction, which `caseload init --demo` does not survive.)
POSTGRESQL_DEFAULTS = {('cache', 'clean_timeout'): '0'}


class Settings:
    def __init__(self, path):
        self.path = os.path.abspath(path)
        if not os.path.isfile(self.path):
            raise ConfigError(
                f"Config file {path} not found. Pass the right one with "
                "-c/--config (the default is config/caseload.conf).")
        self.parser = configparser.ConfigParser(interpolation=None)
        try:
            self.parser.read(self.path)
        except configparser.Error as error:
            raise ConfigError(f"Config file {path} cannot be read: {error}")
        if not self.parser.has_section('database'):
            raise ConfigError(
                f"Config file {path} has no [database] section; "
                "see config/caseload.conf for an example.")
        self.overrides = {}
        base = os.path.dirname(self.path)
        for section, option in RELATIVE_OPTIONS:
            value = self.parser.get(section, option, fallback=None)
            if value and not os.path.isabs(value):
                self.overrides.setdefault(section, {})[option] = (
                    os.path.normpath(os.path.join(base, value)))
        if self.backend == 'postgresql':
            for (section, option), value in POSTGRESQL_DEFAULTS.items():
                if not self.parser.has_option(section, option):
                    self.overrides.setdefault(section, {})[option] = value

    def get(self, section, option, fallback=None):
        return self.overrides.get(section, {}).get(
            option, self.parser.get(section, option, fallback=fallback))

    @property
    def uri(self):
        # as trytond: the file wins, else the environment (docker-compose
        # passes the URI, password included, that way)
        return self.get('database', 'uri') or os.environ.get(
            'TRYTOND_DATABASE__URI') or os.environ.get(
            'TRYTOND_DATABASE_URI') or 'sqlite://'


    @property
    def backend(self):
        return urlsplit(self.uri).scheme.split('+')[0] or 'sqlite'

    @property
    def database_path(self):
        return self.get('database', 'path')

    @property
    def web_root(self):
        return self.get('web', 'root')

    @property
    def listen(self):
        return self.get('web', 'listen', 'localhost:8000')

    def overlay_text(self, extra=None):
        overlay = configparser.ConfigParser(interpolation=None)
        for values in [self.overrides, extra or {}]:
            for section, options in values.items():
                if not overlay.has_section(section):
                    overlay.add_section(section)
                for option, value in options.items():
                    overlay.set(section, option, value)
        text = io.StringIO()
        overlay.write(text)
        return text.getvalue()

    @contextlib.contextmanager
    def resolved(self, extra=None):
        """Yield the list of config files to give trytond (-c)

        Only the process that made the overlay removes it: gunicorn's
        workers are forks that leave through this same stack (and a
        TemporaryDirectory's exit hook), and a worker that stops on a
        reload must not take the config from the workers that replace it.
        """
        owner = os.getpid()
        tmp = tempfile.mkdtemp(prefix='caseload-')
        try:
            overlay = os.path.join(tmp, 'overlay.conf')
            with open(overlay, 'w') as fp:
                fp.write(self.overlay_text(extra))
            yield [self.path, overlay]
        finally:
            if os.getpid() == owner:
                shutil.rmtree(tmp, ignore_errors=True)

    def apply_in_process(self):
        "Load this config into the trytond running in this process"
        from trytond import config
        config.update_etc(self.path)
        for section, options in self.overrides.items():
            for option, value in options.items():
                config.set(section, option, value)
