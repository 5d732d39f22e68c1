"""The in-tree PEP 517 backend of pyproject.toml: builds the mpble wheel with the
standard library only (the machine has no `wheel` package), from `make`'s output:
- the `mpble` package (python/mpble);
- the `bluetooth` extension (build/python/bluetooth*.so), top level;
- `mpble-air` as a wheel script, so it lands in the environment's bin folder (on
  PATH, where the extension looks after $MPBLE_AIR_BIN and ../bin beside itself);
- the `mpble` console script (mpble.cli:main).
`pip install --no-build-isolation .` runs it."""
import base64
import glob
import hashlib
import os
import subprocess
import sys
import sysconfig
import zipfile

NAME, VERSION = "mpble", "0.1.0"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
METADATA = """Metadata-Version: 2.1
Name: %s
Version: %s
Summary: MicroPython's bluetooth module for CPython on Linux, with a virtual radio
Requires-Python: >=3.11
""" % (NAME, VERSION)


def _tag():
    python = "cp%d%d" % sys.version_info[:2]
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "%s-%s-%s" % (python, python, platform)


def _files():
    """(path in the wheel, file on disk) of everything but the dist-info."""
    package = os.path.join(ROOT, "python")
    for path in sorted(glob.glob(os.path.join(package, "mpble", "**", "*.py"), recursive=True)):
        yield os.path.relpath(path, package), path
    for path in glob.glob(os.path.join(ROOT, "build", "python", "bluetooth*.so")):
        yield os.path.basename(path), path
    yield "%s-%s.data/scripts/mpble-air" % (NAME, VERSION), os.path.join(ROOT, "build", "bin",
                                                                          "mpble-air")


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    subprocess.run(["make", "-C", ROOT], check=True, stdout=sys.stderr)
    dist_info = "%s-%s.dist-info" % (NAME, VERSION)
    generated = {
        dist_info + "/METADATA": METADATA,
        dist_info + "/WHEEL": "Wheel-Version: 1.0\nGenerator: mpble_build\n"
                              "Root-Is-Purelib: false\nTag: %s\n" % _tag(),
        dist_info + "/entry_points.txt": "[console_scripts]\nmpble = mpble.cli:main\n",
    }
    wheel_name = "%s-%s-%s.whl" % (NAME, VERSION, _tag())
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w",
                         zipfile.ZIP_DEFLATED) as wheel:
        for name, path in _files():
            with open(path, "rb") as f:
                data = f.read()
            info = zipfile.ZipInfo(name)
            info.external_attr = (os.stat(path).st_mode & 0o777 | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
            records.append(_record_line(name, data))
        for name, text in generated.items():
            wheel.writestr(name, text)
            records.append(_record_line(name, text.encode()))
        records.append(dist_info + "/RECORD,,")
        wheel.writestr(dist_info + "/RECORD", "\n".join(records) + "\n")
    return wheel_name
