"""How the modules' files import each other, read from their source (no
database): no import cycle between files (a cycle works only while one
side imports late, inside a function, and breaks when someone tidies the
import up), and no file imports another's private (_name) helper: what is
shared is public, in the module that owns it (e.g. therapy_scheduling/web.py
and notify.py)."""
import ast
from pathlib import Path

ADDONS = Path(__file__).resolve().parent.parent / 'addons'


def module_name(path):
    parts = path.relative_to(ADDONS).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imports(path):
    """(imported module, names, line) of every import statement of path,
    also those inside functions; relative imports made absolute"""
    package = module_name(path).split('.')
    if path.name != '__init__.py':
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module = node.module
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = '.'.join(base + ([module] if module else []))
            yield module, [a.name for a in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno


def source_files():
    return [p for p in sorted(ADDONS.rglob('*.py'))
        if 'tests' not in p.relative_to(ADDONS).parts]


def import_graph():
    "{module: {modules of ours it imports}} (a package's own __init__ aside)"
    files = source_files()
    ours = {module_name(p) for p in files}
    graph = {}
    for path in files:
        name = module_name(path)
        edges = graph.setdefault(name, set())
        for module, names, _ in imports(path):
            for target in [module] + [f'{module}.{n}' for n in names]:
                # a package importing its own files is how Tryton
                # registers them, not a dependency of a file on another
                if (target in ours and target != name
                        and '.' in target and '.' in name):
                    edges.add(target)
    return graph


def cycles(graph):
    found, state = [], {}

    def visit(node, stack):
        state[node] = 'open'
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 'open':
                found.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target, stack)
        stack.pop()
        state[node] = 'done'
    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def test_cycle_detection_finds_a_cycle():
    assert cycles({'a.x': {'a.y'}, 'a.y': {'a.x'}}) == [
        ['a.x', 'a.y', 'a.x']]
    assert cycles({'a.x': {'a.y'}, 'a.y': set()}) == []


def test_no_import_cycle_between_files():
    graph = import_graph()
    assert 'therapy_portal.forms' in graph['therapy_portal.routes']
    assert cycles(graph) == []


def test_no_private_name_imported():
    private = [f'{path.relative_to(ADDONS)}:{line} imports {name} '
            f'from {module}'
        for path in source_files()
        for module, names, line in imports(path)
        for name in names
        if name.startswith('_') and not name.startswith('__')]
    assert private == []
