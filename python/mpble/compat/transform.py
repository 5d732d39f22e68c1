"""The source transformation that gives a MicroPython program's own code
MicroPython's semantics where CPython's differ (mpble.compat.programs applies it
to a program's main script and the modules in its folder). It rewrites:
- `a + b` into `__mp_add__(a, b)`, `x += v` and `obj.attr += v` into the in-place
  helpers (mpble.compat.dialect);
- `c[k] = v` (one target, not a slice) into `__mp_setitem__(v, c, k)` and
  `c[k] op= v` into `__mp_augmented_setitem__(c, k, "Op", v)`;
- `memoryview(x)` into `__mp_memoryview__(memoryview, x)`;
- `print(...)` into `__mp_print__(print, ...)`;
- imports of json/ujson and os/uos into mpble.compat.mpjson and mpble.compat.mpos.
Every new node takes the location of the one it replaces: tracebacks point at the
program's lines."""
import ast

from mpble.compat import dialect

COMPAT_MODULES = {"json": "mpble.compat.mpjson", "ujson": "mpble.compat.mpjson",
                  "os": "mpble.compat.mpos", "uos": "mpble.compat.mpos"}


def transform(tree):
    """The module tree (ast.Module) rewritten, with every location filled in."""
    return ast.fix_missing_locations(MicroPythonDialect().visit(tree))


def helper_call(helper, origin, *args):
    """A call of dialect.HELPERS[helper] with args, located at origin."""
    name = ast.Name(dialect.global_name(helper), ast.Load())
    return ast.copy_location(ast.Call(name, list(args), []), origin)


def is_slice(index):
    """Whether a subscript's index is (or holds) a slice: such stores stay as they are."""
    if isinstance(index, ast.Tuple):
        return any(isinstance(item, ast.Slice) for item in index.elts)
    return isinstance(index, ast.Slice)


def mangled(attribute, class_name):
    """attribute as Python names it inside class class_name (private names)."""
    if (class_name is None or not attribute.startswith("__") or attribute.endswith("__")
            or not class_name.strip("_")):
        return attribute
    return "_%s%s" % (class_name.lstrip("_"), attribute)


def compat_aliases(alias):
    """The aliases an `import` of alias becomes: json, os and their u-names bind
    the compat modules (`import os.path` keeps its import and binds os to it)."""
    head = alias.name.partition(".")[0]
    if head not in COMPAT_MODULES or (alias.name != head and alias.asname):
        return [alias]
    compat = ast.copy_location(ast.alias(COMPAT_MODULES[head], alias.asname or head), alias)
    return [compat] if alias.name == head else [alias, compat]


class MicroPythonDialect(ast.NodeTransformer):
    """Rewrites the operations listed in the module docstring."""

    def __init__(self):
        self._classes = []  # names of the classes being visited, innermost last

    def visit_ClassDef(self, node):
        self._classes.append(node.name)
        self.generic_visit(node)
        self._classes.pop()
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Add):
            return helper_call("add", node, node.left, node.right)
        return node

    def visit_Assign(self, node):
        self.generic_visit(node)
        target = node.targets[0]
        if len(node.targets) != 1 or not isinstance(target, ast.Subscript) \
                or is_slice(target.slice):
            return node
        call = helper_call("setitem", node, node.value, target.value, target.slice)
        return ast.copy_location(ast.Expr(call), node)

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        target = node.target
        if isinstance(target, ast.Subscript) and not is_slice(target.slice):
            call = helper_call("augmented_setitem", node, target.value, target.slice,
                               ast.Constant(type(node.op).__name__), node.value)
        elif not isinstance(node.op, ast.Add):
            return node
        elif isinstance(target, ast.Name):
            value = helper_call("iadd", node, ast.Name(target.id, ast.Load()), node.value)
            return ast.copy_location(ast.Assign([target], value), node)
        elif isinstance(target, ast.Attribute):
            class_name = self._classes[-1] if self._classes else None
            call = helper_call("iadd_attribute", node, target.value,
                               ast.Constant(mangled(target.attr, class_name)), node.value)
        else:
            return node
        return ast.copy_location(ast.Expr(call), node)

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id == "memoryview" and len(node.args) == 1 \
                and not node.keywords and not isinstance(node.args[0], ast.Starred):
            return helper_call("memoryview", node, func, node.args[0])
        if isinstance(func, ast.Name) and func.id == "print":
            call = helper_call("print", node, func, *node.args)
            call.keywords = node.keywords
            return call
        return node

    def visit_Import(self, node):
        node.names = [new for alias in node.names for new in compat_aliases(alias)]
        return node

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module in COMPAT_MODULES:
            node.module = COMPAT_MODULES[node.module]
        return node
