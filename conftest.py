"""Collect Tryton scenario doctests (tests/scenario_*.rst) under pytest, and
share the work between pytest-xdist workers.

pytest ignores unittest's load_tests(), so without this the scenarios of
every module would be skipped silently. Each scenario runs with Tryton's own
doctest setup/teardown (database activation, DB_CACHE) and checker.
"""
import contextlib
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


def _quiet_passed_subtests():
    """Tryton's ModuleTestCase checks every model, field and button in a
    subTest: over a hundred thousand per run. pytest made a report of each
    passed one and pytest-xdist shipped it to the controller, which cost
    more than the checks themselves. A failed subtest is still reported
    as before; a passed one is counted in its test, as unittest does."""
    from _pytest.unittest import TestCaseFunction
    report = TestCaseFunction.addSubTest

    def addSubTest(self, test_case, test, exc_info):
        if exc_info is not None:
            report(self, test_case, test, exc_info)
    TestCaseFunction.addSubTest = addSubTest


_quiet_passed_subtests()


def pytest_configure(config):
    # not in xdist's controller, which runs no test: importing Tryton's
    # test tools there sets DB_NAME for the workers it starts, and both
    # would then share (and drop) one PostgreSQL database
    if os.environ.get('PYTEST_XDIST_WORKER') or not getattr(
            config.option, 'numprocesses', None):
        _one_template()


def _one_template():
    """Every test database holds all of Caseload's modules, whatever list a
    test asks for: DB_CACHE then keeps one template per backend (and one
    per scenario setup) instead of one per module list, each of which took
    minutes to build on PostgreSQL. A file lock around restoring,
    building and saving it makes the workers share it: one builds while
    the others wait, instead of each building the same one at once."""
    from trytond.tests import test_tryton, tools

    from caseload.database import MODULES
    activate = test_tryton.activate_module

    @contextlib.contextmanager
    def cache_lock():
        with open(_lock_path(), 'a') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _forget_database_list()
            yield

    def known(modules):
        modules = [modules] if isinstance(modules, str) else list(modules)
        assert set(modules) <= set(MODULES), modules
        return MODULES

    def activate_module(modules, lang='en'):
        with cache_lock():
            return activate(known(modules), lang=lang)

    def activate_modules(modules, *setup):
        known(modules)
        name = '-'.join(MODULES)
        if setup:
            name += '--' + '|'.join(tools._func_name(f) for f in setup)
        # a test class before may have left its database, and its
        # connections open (restoring over it would fail on PostgreSQL:
        # "being accessed by other users"): drop_db closes them first
        test_tryton.drop_db()
        with cache_lock():
            if test_tryton.restore_db_cache(name):
                return tools._get_config()
            activate(MODULES)
            config = tools._get_config()
            for function in setup:
                function(config=config)
            test_tryton.backup_db_cache(name)
            return config

    test_tryton.activate_module = activate_module
    tools.activate_modules = activate_modules


def pytest_runtest_teardown(item, nextitem):
    """After a test file, the worker's in-memory database is the template
    again. A file that commits (mail leaves at commit, a job's own
    transaction) left its rows there, and the next file's classes saw
    them (another company's denials in a queue, a login already taken):
    SQLite lists a memory database that has tables as existing, so
    Tryton's activate_module never restores the template over it.
    Copying the template back keeps the pool (same schema) and costs a
    fraction of a second; the caches go with the rows."""
    if nextitem is not None and nextitem.path == item.path:
        return
    if os.environ.get('DB_NAME') != ':memory:':
        return
    from trytond import backend
    if backend.name != 'sqlite':
        return
    memory = getattr(backend.Database._local, 'memory_database', None)
    if memory is None or memory._conn is None:
        return
    if memory._conn.in_transaction:
        # a transaction the file left open (the restore cannot copy over
        # it): skipping the restore here let one file's committed rows
        # live on into the next files (a login already taken, seen in CI)
        memory._conn.rollback()
    import sqlite3

    from trytond.cache import Cache
    from trytond.tests import test_tryton

    from caseload.database import MODULES
    if not test_tryton.DB_CACHE:
        return
    template = test_tryton._db_cache_file(
        test_tryton.DB_CACHE, '-'.join(MODULES))
    with open(_lock_path(), 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(template):
            return
        with contextlib.closing(sqlite3.connect(template)) as source:
            source.backup(memory._conn)
    Cache.drop(':memory:')


def _lock_path():
    "The file lock the workers share the template under"
    return os.path.join(
        tempfile.gettempdir(), f'caseload-db-cache-{os.getuid()}.lock')


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


# Files that install a practice database of their own with `caseload
# init` (minutes each on PostgreSQL): when they came last, one kept a
# worker busy alone for four minutes at the end of the PostgreSQL pass.
INSTALLS = ('tests/test_production.py', 'tests/test_serve.py')


def pytest_collection_modifyitems(config, items):
    """The demo's tests first, then the files that install a database: the
    longest shares of the work start at once while the other workers take
    the files (with --no-loadscope-reorder)"""
    installs = {config.rootpath / name for name in INSTALLS}
    demo = [i for i in items if serves_demo(i.path)]
    install = [i for i in items if i.path in installs]
    first = set(demo + install)
    items[:] = demo + install + [i for i in items if i not in first]


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
