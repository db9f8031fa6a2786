from tsl.rules.base import Rule


class ParseError(Rule):
    """The file could not be decoded or parsed, so nothing in it was checked.

    Other files are still checked. Non-UTF-8 files are decoded with their
    coding cookie (PEP 263).

    Fix: correct the syntax error; torch.jit.script would not import the file either.
    """

    code = "TSL001"
    name = "parse-error"
    message = "the file could not be parsed"
    hint = "fix the syntax error"
