"""A MicroPython program's own code, compiled in MicroPython's dialect: its main
script and every module it imports from the script's folder (packages included)
go through mpble.compat.transform and run with mpble.compat.dialect's helpers in
their globals. Everything else (the standard library, installed packages, mpble
itself) is imported by CPython's own machinery and keeps CPython's semantics.
Dialect modules are compiled from source each time: no bytecode is cached, so a
plain `python` never meets their rewritten code."""
import ast
import importlib.machinery
import os
import sys
import types

from mpble.compat import dialect, transform


def compile_source(source, path):
    """The code object of a module's source (bytes or str), rewritten."""
    tree = ast.parse(source, path)
    return compile(transform.transform(tree), path, "exec", dont_inherit=True)


def compile_file(path):
    """compile_source of the file at path."""
    with open(path, "rb") as f:
        return compile_source(f.read(), path)


def namespace(name, path, **names):
    """The globals a program's module starts with: its name, file and the helpers."""
    return {"__name__": name, "__file__": path, **dialect.helper_globals(), **names}


class DialectLoader(importlib.machinery.SourceFileLoader):
    """Loads a source module of the program's folder through the transform."""

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        return compile_source(self.get_data(path), path)

    def exec_module(self, module):
        vars(module).update(dialect.helper_globals())
        super().exec_module(module)


class DialectFinder:
    """A meta path finder for the modules and packages under one folder."""

    def __init__(self, folder):
        self.folder = os.path.abspath(folder)
        self._finders = {}  # folder or package path -> FileFinder with DialectLoader

    def _inside(self, entry):
        entry = os.path.abspath(entry)
        return entry == self.folder or entry.startswith(self.folder + os.sep)

    def _finder(self, entry):
        if entry not in self._finders:
            self._finders[entry] = importlib.machinery.FileFinder(
                entry, (DialectLoader, importlib.machinery.SOURCE_SUFFIXES))
        return self._finders[entry]

    def find_spec(self, fullname, path=None, target=None):
        entries = [self.folder] if path is None else [p for p in path if self._inside(p)]
        for entry in entries:
            spec = self._finder(entry).find_spec(fullname, target)
            if spec is not None and spec.loader is not None:
                return spec
        return None


def install(folder):
    """Imports from folder go through the dialect from now on (the finder goes just
    before CPython's path finder, so the usual precedence holds)."""
    position = sys.meta_path.index(importlib.machinery.PathFinder)
    sys.meta_path.insert(position, DialectFinder(folder))


def run_main(path):
    """Runs the script at path as __main__ (sys.modules["__main__"] while it runs,
    as `python path` would), its folder installed."""
    install(os.path.dirname(os.path.abspath(path)))
    code = compile_file(path)
    main = types.ModuleType("__main__")
    vars(main).update(namespace("__main__", path, __cached__=None, __package__=None))
    sys.modules["__main__"] = main
    exec(code, vars(main))  # noqa: S102 - the program itself
