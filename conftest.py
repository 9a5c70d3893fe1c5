"""Collect Tryton scenario doctests (tests/scenario_*.rst) under pytest, and
share the work between pytest-xdist workers.

pytest ignores unittest's load_tests(), so without this the scenarios of
every module would be skipped silently. Each scenario runs with Tryton's own
doctest setup/teardown (database activation, DB_CACHE) and checker.
"""
import doctest
import fcntl
import functools
import os
import tempfile
import time
import unittest

import pytest

# Under pytest-xdist (make test runs one worker per core) each worker needs a
# PostgreSQL test database of its own: Tryton names it test_<seconds>, the
# same for workers started in the same second. SQLite runs in memory.
if (os.environ.get('PYTEST_XDIST_WORKER')
        and os.environ.get('TRYTOND_DATABASE_URI', '').startswith(
            'postgresql')
        and not os.environ.get('DB_NAME')):
    os.environ['DB_NAME'] = (
        f"test_{int(time.time())}_{os.environ['PYTEST_XDIST_WORKER']}")


def pytest_configure(config):
    if os.environ.get('PYTEST_XDIST_WORKER'):
        _serialize_db_cache()


def _serialize_db_cache():
    """Workers share DB_CACHE: one worker must not restore a cached
    database while another is still writing it (SQLite) or create the same
    template at the same time (PostgreSQL)."""
    from trytond.tests import test_tryton, tools
    lock_path = os.path.join(
        tempfile.gettempdir(), f'caseload-db-cache-{os.getuid()}.lock')

    def locked(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with open(lock_path, 'a') as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                _forget_database_list()
                return function(*args, **kwargs)
        return wrapper
    restore = locked(test_tryton.restore_db_cache)
    backup = locked(test_tryton.backup_db_cache)
    for module in (test_tryton, tools):
        module.restore_db_cache = restore
        module.backup_db_cache = backup


def _forget_database_list():
    """Tryton's PostgreSQL backend keeps the list of databases for the
    session timeout, and the cache checks whether its template exists in
    that list: a worker that listed them before another made the template
    would create it again (DuplicateDatabase, seen in CI)"""
    from trytond import backend
    if backend.name == 'postgresql':
        backend.Database._list_cache.clear()
        backend.Database._list_cache_timestamp.clear()


@functools.cache
def serves_demo(path):
    "Whether a test file uses the served demo practice"
    return path.suffix == '.py' and any(
        name in path.read_text(encoding='utf-8')
        for name in ['demo_database', 'demo_server'])


def pytest_xdist_make_scheduler(config, log):
    """Workers take whole files (Tryton test classes keep their database
    between tests), and the files of the served demo practice all go to one
    worker, so the demo is built once. (xdist's own loadgroup does not
    group under pytest 9: it renames node ids pytest no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            path = nodeid.split('::', 1)[0]
            if serves_demo(config.rootpath / path):
                return 'demo-practice'
            return path
    return FileScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """The demo's tests first: the longest share of the work starts at once
    while the other workers take the files (with --no-loadscope-reorder)"""
    demo = [i for i in items if serves_demo(i.path)]
    if demo:
        first = set(demo)
        items[:] = demo + [i for i in items if i not in first]


def pytest_collect_file(parent, file_path):
    if (file_path.suffix == '.rst'
            and file_path.name.startswith('scenario_')
            and file_path.parent.name == 'tests'):
        return ScenarioFile.from_parent(parent, path=file_path)


class ScenarioFile(pytest.File):
    def collect(self):
        yield ScenarioItem.from_parent(self, name=self.path.name)


class ScenarioItem(pytest.Item):
    def runtest(self):
        # imported late: trytond reads DB_NAME and friends at import time
        from trytond import backend
        from trytond.tests.test_tryton import (
            STRIP_DECIMAL, doctest_checker, doctest_setup, doctest_teardown)
        flags = (doctest.REPORT_ONLY_FIRST_FAILURE | doctest.ELLIPSIS
            | doctest.IGNORE_EXCEPTION_DETAIL)
        if backend.name == 'sqlite':
            flags |= STRIP_DECIMAL
        suite = doctest.DocFileSuite(
            str(self.path), module_relative=False, encoding='utf-8',
            setUp=doctest_setup, tearDown=doctest_teardown,
            checker=doctest_checker, optionflags=flags)
        result = unittest.TestResult()
        suite.run(result)
        problems = result.failures + result.errors
        if problems:
            raise ScenarioFailure('\n'.join(text for _, text in problems))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f'scenario: {self.name}'


class ScenarioFailure(AssertionError):
    pass
