"""`pip install --no-build-isolation --no-index .` into a fresh venv gives a working
`mpble` command, `bluetooth` module and `mpble-air`."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIMIT = 300  # seconds: the install runs make


class InstallTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mpble-venv-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        venv = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages",
                               self.dir], capture_output=True, text=True, timeout=LIMIT)
        if venv.returncode != 0 or not os.path.exists(os.path.join(self.dir, "bin", "pip")):
            self.skipTest("cannot create a venv with pip: " + venv.stderr.strip())

    def test_installed_command_runs_the_examples(self):
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "MPBLE_AIR_BIN", "MPBLE_SNOOP")}
        pip = subprocess.run([os.path.join(self.dir, "bin", "pip"), "install", "-q",
                              "--no-build-isolation", "--no-index", str(REPO)],
                             env=env, capture_output=True, text=True, timeout=LIMIT)
        self.assertEqual(pip.returncode, 0, pip.stdout + pip.stderr)
        self.assertTrue(os.access(os.path.join(self.dir, "bin", "mpble-air"), os.X_OK))
        run = subprocess.run([os.path.join(self.dir, "bin", "mpble"), "run", "--timing", "fast",
                              REPO / "examples" / "ble_uart_peripheral.py",
                              REPO / "examples" / "ble_uart_central.py"],
                             env=dict(env, MPBLE_LOG="0"), cwd=self.dir,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("[ble_uart_central] echo b'HELLO'", run.stdout)
        where = subprocess.run([os.path.join(self.dir, "bin", "python"), "-c",
                                "import bluetooth, mpble; print(bluetooth.__file__, mpble.__file__)"],
                               env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(where.stdout.count(self.dir), 2, where.stdout + where.stderr)

if __name__ == "__main__":
    unittest.main()
