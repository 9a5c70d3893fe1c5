"""caseload.heap: what is alive once the pool is loaded leaves the garbage
collector's walks, and garbage made later is still collected (in a
process of its own: a frozen heap would stay frozen in the test run)."""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import gc, weakref
    from caseload import heap

    class Node:
        pass

    loaded = Node()
    loaded.me = loaded
    before = gc.get_freeze_count()
    heap.freeze_loaded()
    assert gc.get_freeze_count() > before, 'nothing frozen'
    later = Node()
    later.me = later
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None, 'a later cycle was not collected'
    print('ok')
    ''')


def test_freeze_keeps_later_garbage_collected():
    result = subprocess.run([sys.executable, '-c', SCRIPT],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'
