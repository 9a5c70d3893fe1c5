"Helpers for the cross-module tests (the fixtures are in conftest.py)."
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASELOAD = [sys.executable, '-m', 'caseload.cli']
PASSWORD_FILE = ROOT / 'config' / 'demo-password'


def output_dir(name):
    "Folder for a test's screenshots and logs"
    path = Path(os.environ.get('TEST_OUTPUT', ROOT / 'test-output')) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run_caseload(config, database, *args, check=True, **kwargs):
    kwargs.setdefault('stdin', subprocess.DEVNULL)
    result = subprocess.run(
        [*CASELOAD, '-c', str(config), '-d', database, *args],
        capture_output=True, text=True, cwd=ROOT, **kwargs)
    if check and result.returncode:
        raise AssertionError(
            f"caseload {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}")
    return result
