import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class DeleteSlice(Rule):
    """`del x[a:b]` is not supported; `del x[i]` is.

    Fix: rebuild the list with slicing: `x = x[:a] + x[b:]`.
    """

    code = "TSL119"
    name = "delete-slice"
    message = "del of a slice is not supported in TorchScript"
    compiler_message = "del statements only support deletion at a single index, slicing is not supported"
    hint = "rebuild the list: x = x[:a] + x[b:]"
    examples = (
        Invalid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: List[int]):
                del x[0:1]  # expect: TSL119
                return x
        """),
        Valid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: List[int]):
                del x[0]
                return x
        """),
    )

    def visit_Del(self, node: cst.Del) -> None:
        targets = [node.target]
        if isinstance(node.target, cst.Tuple):
            targets = [element.value for element in node.target.elements]
        for target in targets:
            if isinstance(target, cst.Subscript) and any(
                isinstance(element.slice, cst.Slice) for element in target.slice
            ):
                self.report(node)
                return
