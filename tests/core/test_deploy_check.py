"""With DEBUG off, `manage.py check --deploy` finds nothing the settings could fix (issue 2), and the
API schema builds without warnings (drf-spectacular reports its warnings through the same check)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_deploy_check_is_clean_with_debug_off():
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-secret-for-the-deploy-check-" + "x" * 40,
        "ALLOWED_HOSTS": "erp.example.com",
        "DJANGO_SETTINGS_MODULE": "erp.settings",  # the deployed settings, not the tests'
    }
    environment.pop("DATABASE_URL", None)  # the check needs no database
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    completed = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "System check identified no issues" in completed.stdout, completed.stdout + completed.stderr
