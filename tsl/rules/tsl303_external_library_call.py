import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid

LIBRARIES = ("numpy", "scipy", "pandas", "cv2", "PIL", "sklearn", "skimage", "einops", "math.prod")


class ExternalLibraryCall(Rule):
    """A call into numpy, scipy, pandas, OpenCV, PIL, scikit-learn or einops.

    TorchScript compiles torch and a few builtins; it cannot call other
    libraries' functions (numpy ufuncs fail with "cannot create weak reference
    to 'numpy.ufunc' object"). Constants such as `np.pi` are fine.

    Fix: use the torch equivalent (`torch.sqrt`, `torch.from_numpy` outside the
    model, ...), or move the call into a @torch.jit.ignore helper.
    """

    code = "TSL303"
    name = "external-library-call"
    message = "calls into non-torch libraries cannot be compiled"
    emitted_only = True
    compiler_message = "cannot create weak reference to 'numpy.ufunc' object"
    hint = "use the torch equivalent, or call it from a @torch.jit.ignore helper"
    examples = (
        Invalid("""
            import numpy as np
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    return x * np.sqrt(2.0)  # expect: TSL303
        """),
        Invalid("""
            import math
            import torch
            from typing import List

            @torch.jit.script
            def f(x: torch.Tensor, s: List[int]):
                return x * math.prod(s)  # expect: TSL303
        """),
        Valid("""
            import numpy as np
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                return x * np.pi + torch.sqrt(x)
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        for name in sorted(self.qualified_names(node.func)):
            if name.startswith(LIBRARIES) and (name.split(".")[0] in LIBRARIES or name == "math.prod"):
                self.report(node, message=f"{name}() cannot be called from TorchScript")
                return
