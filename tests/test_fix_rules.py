"""When a rule offers a fix, and whether it is safe: the cases the rules' fixed examples do not show."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import strict_fixes  # noqa: F401 (autouse: a crashing fix builder fails these tests)

from tsl.config import Config
from tsl.result import Input
from tsl.run import check


HEAD = "import random\nimport logging\nfrom typing import Dict, List\nimport torch\nfrom torch import nn\n\n"

CASES = [
    # (name, code, body, expected: "safe", "unsafe" or "none")
    ("floordiv-tensor", "TSL116", "@torch.jit.script\ndef f(t: torch.Tensor):\n    t //= 2\n    return t\n", "unsafe"),
    ("floordiv-known-int", "TSL116", "@torch.jit.script\ndef f(t: torch.Tensor, d: Dict[str, int]):\n"
     "    d['a'] //= 2\n    return t\n", "safe"),
    ("floordiv-unknown", "TSL116", "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.count = 4\n\n    def forward(self, x):\n        self.count //= 2\n        return x\n", "unsafe"),
    ("floordiv-impure", "TSL116", "def k() -> int:\n    return 0\n\n@torch.jit.script\n"
     "def f(x: List[int]):\n    x[k()] //= 2\n    return x\n", "none"),
    ("comprehension-unknown-type", "TSL114", "def g(a: int) -> int:\n    return a\n\n@torch.jit.script\n"
     "def f(x: List[int]):\n    return [g(a) for a in x if a]\n", "none"),
    ("comprehension-leaking-name", "TSL114", "@torch.jit.script\ndef f(x: List[int]):\n    a = 3\n"
     "    y = [a for a in x if a > 1]\n    return y, a\n", "none"),
    ("comprehension-generator", "TSL114", "@torch.jit.script\ndef f(x: List[int]):\n"
     "    return sum(a for a in x if a > 1)\n", "none"),
    ("comprehension-impure-sibling", "TSL114", "def g() -> int:\n    return 1\n\n@torch.jit.script\n"
     "def f(x: List[int]):\n    return max(g(), len([a for a in x if a > 1]))\n", "none"),
    ("lambda-captures", "TSL101", "@torch.jit.script\ndef f(x: torch.Tensor):\n    k = 2\n"
     "    g = lambda a: a * k\n    return g(x)\n", "none"),
    ("lambda-passed", "TSL101", "def apply(x: torch.Tensor) -> torch.Tensor:\n    return x\n\n@torch.jit.script\n"
     "def f(x: torch.Tensor):\n    g = lambda a: a\n    h = g\n    return x\n", "none"),
    ("lambda-known-types", "TSL101", "@torch.jit.script\ndef f(x: torch.Tensor, d: Dict[str, int]):\n"
     "    g = lambda a: a\n    return g(d['a'])\n", "safe"),
    ("lambda-unknown-types", "TSL101", "@torch.jit.script\ndef f(x: torch.Tensor):\n"
     "    g = lambda a: a\n    return g(x.size(0))\n", "unsafe"),
    ("side-effect-value-used", "TSL301", "class Net(nn.Module):\n    def forward(self, x):\n"
     "        return x * random.random()\n", "none"),
    ("side-effect-unannotated-helper", "TSL301", "def helper(x):\n    return x * random.random()\n\n"
     "class Net(nn.Module):\n    def forward(self, x):\n        return helper(x)\n", "none"),
    ("side-effect-one-line-if", "TSL301", "class Net(nn.Module):\n    def forward(self, x):\n"
     "        if x.sum() > 0: logging.info('x')\n        return x\n", "none"),
    ("global-after-class", "TSL302", "class Net(nn.Module):\n    def forward(self, x):\n        return x * LATE\n\n"
     "LATE = 2.0\n", "none"),
    ("global-dict", "TSL302", "TABLE = {'a': 1}\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
     "        return x + TABLE['a']\n", "none"),
    ("global-in-function", "TSL302", "SCALE = 2.0\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n"
     "    return x * SCALE\n", "unsafe"),
    ("global-rebound", "TSL302", "SCALE = 2.0\nSCALE = 3.0\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
     "        return x * SCALE\n", "none"),
    ("global-shadowed-attribute", "TSL302", "SCALE = 2.0\n\nclass Net(nn.Module):\n    def __init__(self):\n"
     "        super().__init__()\n        self.SCALE = 1.0\n\n    def forward(self, x):\n"
     "        return x * SCALE\n", "unsafe"),
    ("default-mixed-list", "TSL201", "class Net(nn.Module):\n    def forward(self, x, sizes=[1, 2.0]):\n"
     "        return x\n", "none"),
    ("default-range-none", "TSL201", "class Net(nn.Module):\n    def forward(self, x, n=None):\n"
     "        for _ in range(n):\n            x = x + 1\n        return x\n", "none"),
    ("mutable-default-mutated", "TSL202", "@torch.jit.script\ndef f(x: torch.Tensor, s: List[int] = [1]):\n"
     "    s.append(2)\n    return x\n", "unsafe"),
    ("mutable-default-returned", "TSL202", "@torch.jit.script\ndef f(x: torch.Tensor, s: List[int] = [1]):\n"
     "    return s\n", "unsafe"),
    ("mutable-default-read", "TSL202", "@torch.jit.script\ndef f(x: torch.Tensor, s: List[int] = [1]):\n"
     "    return x + s[0] + len(s)\n", "safe"),
    ("module-index-range-number", "TSL401", "class Net(nn.Module):\n    def __init__(self):\n"
     "        super().__init__()\n        self.layers = nn.ModuleList([nn.ReLU()])\n\n"
     "    def forward(self, x):\n        for i in range(1):\n            x = self.layers[i](x)\n        return x\n",
     "none"),
    ("tolist-no-annotation", "TSL502", "@torch.jit.script\ndef f(x: torch.Tensor):\n    return x.tolist()\n",
     "none"),
    ("fstring-s", "TSL115", "@torch.jit.script\ndef f(n: int):\n    print(f'{n!s}')\n    return n\n", "safe"),
    ("fstring-spec", "TSL115", "@torch.jit.script\ndef f(n: int):\n    print(f'{n:>4}')\n    return n\n", "unsafe"),
    ("keyword-only-order", "TSL112", "@torch.jit.script\ndef f(x: torch.Tensor, a: int = 1, *, b: int, c: int = 2):\n"
     "    return x\n", "none"),
]


@pytest.mark.parametrize("name,code,body,expected", CASES, ids=[c[0] for c in CASES])
def test_fix_offered(tmp_path: Path, name, code, body, expected):
    path = tmp_path / "case.py"
    result = check([Input(path=path, relpath=path.name, data=(HEAD + body).encode())], Config(root=tmp_path))
    found = [f for f in result.findings if f.code == code]
    assert found, f"no {code} finding: {[(f.code, f.message) for f in result.findings]}"
    kinds = {"none" if f.fix is None else "safe" if f.fix.safe else "unsafe" for f in found}
    assert kinds == {expected}


TRY_HEAD = "import warnings\nimport torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n" \
           "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        try:\n            x = x + 1\n"
WARN = "warnings.warn('boom', RuntimeWarning)\n"
GUARD = "if not torch.jit.is_scripting():\n"
TRY_CASES = {  # the clause that holds the side effect
    "except": "        except RuntimeError:\n",
    "else": "        except RuntimeError:\n            pass\n        else:\n",
    "finally": "        finally:\n",
}


@pytest.mark.parametrize("clause", sorted(TRY_CASES))
def test_a_guarded_side_effect_in_a_try_clause_is_fixed_once(tmp_path: Path, clause):
    """The guard the fix adds inside except/else/finally is dead code like anywhere else: TSL301 does not
    fire again, so --fix settles in one pass. The try itself still fails (TSL103)."""
    from tsl.run.fixing import fix_inputs

    tail = "        return x\n"
    code = TRY_HEAD + TRY_CASES[clause] + "            " + WARN + tail
    fixed = TRY_HEAD + TRY_CASES[clause] + "            " + GUARD + "                " + WARN + tail
    path = tmp_path / f"try_{clause}.py"
    run = fix_inputs([Input(path=path, relpath=path.name, data=code.encode())], Config(root=tmp_path))
    assert run.converged and run.passes == 2 and run.fixed == 1
    assert run.states[0].current == fixed
    assert [f.code for f in run.result.findings] == ["TSL103"]
    again = fix_inputs([Input(path=path, relpath=path.name, data=fixed.encode())], Config(root=tmp_path))
    assert again.passes == 1 and not again.changed
    pytest.importorskip("torch")
    import oracle

    path.write_text(fixed, encoding="utf-8")
    assert "try blocks aren't supported" in (oracle.script(path, "M", "module") or "")
