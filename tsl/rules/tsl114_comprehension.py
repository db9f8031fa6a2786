import libcst as cst

from tsl.rules.base import Rule


class ComplexComprehension(Rule):
    """Comprehensions may have a single `for` and no `if`.

    Fix: write a loop that appends to an annotated list.
    """

    code = "TSL114"
    name = "complex-comprehension"
    message = "comprehensions with an if clause or several for clauses are not supported"
    compiler_message = "Comprehension ifs are not supported yet"
    hint = "write an explicit loop that appends to a list"
    valid = (
        "import torch\nfrom typing import List\n\n@torch.jit.script\ndef f(x: List[int]):\n    return [a * 2 for a in x]\n",
    )
    invalid = (
        "import torch\nfrom typing import List\n\n@torch.jit.script\ndef f(x: List[int]):\n    return [a for a in x if a > 1]  # expect: TSL114\n",
        "import torch\nfrom typing import List\n\n@torch.jit.script\ndef f(x: List[int]):\n    return [a + b for a in x for b in x]  # expect: TSL114\n",
    )

    def _check(self, node) -> None:
        generator = node.for_in
        if generator.ifs:
            self.report(node, message="comprehension if clauses are not supported in TorchScript")
        elif generator.inner_for_in is not None:
            self.report(node, message="comprehensions with more than one for clause are not supported in TorchScript")

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._check(node)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._check(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._check(node)
