"""SARIF 2.1.0 output: every document validates against the official schema."""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from string import ascii_letters, digits

import jsonschema
import pytest

from tsl.result import Result
from tsl.finding import ERROR, WARNING, Edit, Finding, Fix, Step
from tsl.report import sarif

REPO = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO / "tests" / "sarif-schema-2.1.0.json"  # the published OASIS file, as is
GOLDEN = REPO / "tests" / "golden" / "sarif_project.sarif"
FIXTURE = REPO / "tests" / "golden" / "sarif_project"
ROOT_PLACEHOLDER = "file:///SRCROOT/"

# RFC 3986 characters: unreserved, reserved and '%' (for escapes). jsonschema checks "uri"
# formats only with optional packages installed, so check them here instead.
URI_CHARS = set(ascii_letters + digits + "-._~:/?#[]@!$&'()*+,;=%")
format_checker = jsonschema.FormatChecker()


@format_checker.checks("uri-reference")
def _uri_reference(value) -> bool:
    return not isinstance(value, str) or (set(value) <= URI_CHARS and not re.search(r"%(?![0-9A-Fa-f]{2})", value))


@format_checker.checks("uri")
def _uri(value) -> bool:
    return not isinstance(value, str) or (
        _uri_reference(value) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) is not None
    )


def _validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=format_checker)


VALIDATOR = None


def validate(document: dict) -> dict:
    """Fail the test unless document is valid SARIF 2.1.0; return it."""
    global VALIDATOR
    if VALIDATOR is None:
        VALIDATOR = _validator()
    errors = sorted(VALIDATOR.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return document


def run_tsl(args, cwd, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tsl", "check", *args], cwd=cwd, input=stdin,
                          capture_output=True, timeout=120)


def sarif_of(args, cwd, stdin: bytes | None = None, expect_rc: int | None = None) -> dict:
    proc = run_tsl(["--format", "sarif", *args], cwd, stdin)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    if expect_rc is not None:
        assert proc.returncode == expect_rc, proc.stderr.decode()
    return validate(json.loads(proc.stdout.decode("utf-8")))


def project(tmp_path: Path, files: dict[str, str], pyproject: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


LAMBDA = (
    "import torch\n"
    "from torch import nn\n"
    "\n"
    "\n"
    "class Net(nn.Module):\n"
    "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
    "        g = lambda a: a * 2\n"
    "        return g(x)\n"
)


def results(document: dict) -> list[dict]:
    return document["runs"][0]["results"]


# -- the schema itself --------------------------------------------------------------------------

def test_schema_rejects_invalid_documents():
    """The validation is real: broken documents fail."""
    good = sarif.document(Result(findings=[_finding()]), {}, Path("/"))
    validate(copy.deepcopy(good))
    broken = []
    doc = copy.deepcopy(good)
    doc["runs"][0]["results"][0]["level"] = "fatal"
    broken.append(doc)
    doc = copy.deepcopy(good)
    del doc["version"]
    broken.append(doc)
    doc = copy.deepcopy(good)
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    broken.append(doc)
    doc = copy.deepcopy(good)
    doc["runs"][0]["results"][0]["unknownProperty"] = 1
    broken.append(doc)
    doc = copy.deepcopy(good)
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b.py"
    broken.append(doc)
    for doc in broken:
        with pytest.raises(AssertionError):
            validate(doc)


# -- the golden document ------------------------------------------------------------------------

def _normalize_root(document: dict, root: Path) -> dict:
    bases = document["runs"][0]["originalUriBaseIds"]
    assert bases["%SRCROOT%"]["uri"] == sarif.root_uri(root)
    bases["%SRCROOT%"]["uri"] = ROOT_PLACEHOLDER
    return document


def test_golden_document(tmp_path):
    """The whole SARIF document for tests/golden/sarif_project, pinned. TSL_UPDATE_GOLDEN=1 rewrites it."""
    work = tmp_path / "sarif"
    shutil.copytree(FIXTURE, work)
    document = _normalize_root(sarif_of([], work, expect_rc=1), work)
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("TSL_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.is_file(), "no golden file: run with TSL_UPDATE_GOLDEN=1"
    assert text == GOLDEN.read_text(encoding="utf-8"), "SARIF changed: check it, then TSL_UPDATE_GOLDEN=1"


def test_golden_document_content():
    """What the golden file must say, independent of how it was generated."""
    document = validate(json.loads(GOLDEN.read_text(encoding="utf-8")))
    assert document["$schema"] == sarif.SCHEMA_URI
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "tsl" and driver["version"] and driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == ["TSL101", "TSL103"]  # only those that fired, sorted
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and "```python" in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == "error"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT_PLACEHOLDER
    found = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]}
    # models/legacy.py's try is ignored per file; net.py's lambda has a noqa
    assert found == {("TSL103", "models/net.py"), ("TSL101", "models/util.py")}
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error"
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert set(location["physicalLocation"]["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert result["partialFingerprints"]
    lam = next(r for r in run["results"] if r["ruleId"] == "TSL101")
    assert lam["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 9, "endLine": 5, "endColumn": 24}
    assert [loc["message"]["text"] for loc in lam["relatedLocations"]] == ["entry point Net.forward", "calls scale"]
    steps = lam["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["artifactLocation"]["uri"] for s in steps] == [
        "models/net.py", "models/util.py", "models/util.py"]


# -- edge cases ---------------------------------------------------------------------------------

def test_no_findings(tmp_path):
    project(tmp_path, {"clean.py": "import torch\n\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    return x\n"})
    document = sarif_of([], tmp_path, expect_rc=0)
    assert results(document) == []
    assert document["runs"][0]["tool"]["driver"]["rules"] == []


def test_no_files(tmp_path):
    project(tmp_path, {})
    document = sarif_of([], tmp_path, expect_rc=0)
    assert results(document) == []


def test_parse_error(tmp_path):
    project(tmp_path, {"bad.py": "def broken(:\n    pass\n", "ok.py": "x = 1\n"})
    document = sarif_of([], tmp_path, expect_rc=1)
    (result,) = results(document)
    assert result["ruleId"] == "TSL001" and result["level"] == "error"
    assert document["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "TSL001"


def test_undecodable_file(tmp_path):
    project(tmp_path, {})
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: utf-8 -*-\nname = '\xff\xfe'\n")
    document = sarif_of([], tmp_path, expect_rc=1)
    assert [r["ruleId"] for r in results(document)] == ["TSL001"]


def test_non_ascii_path_and_message(tmp_path):
    source = (
        "import torch\nfrom torch import nn\n\nzähler = [1, 2]\n\n\n"
        "class Netz(nn.Module):\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        return x + len(zähler)\n"
    )
    project(tmp_path, {"módulo/naïve café.py": source})
    document = sarif_of([], tmp_path, expect_rc=1)
    (result,) = results(document)
    assert "zähler" in result["message"]["text"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "m%C3%B3dulo/na%C3%AFve%20caf%C3%A9.py"
    assert document["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].isascii()


def test_non_ascii_root(tmp_path):
    root = tmp_path / "prøject dir"
    project(root, {"net.py": LAMBDA})
    document = sarif_of([], root, expect_rc=1)
    base = document["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/pr%C3%B8ject%20dir/")


def test_stdin_sarif(tmp_path):
    project(tmp_path, {"pkg/__init__.py": ""})
    document = sarif_of(["--stdin-filename", "pkg/editor.py", "-"], tmp_path, stdin=LAMBDA.encode(), expect_rc=1)
    (result,) = results(document)
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pkg/editor.py"
    assert result["partialFingerprints"]


def test_output_file(tmp_path):
    project(tmp_path, {"net.py": LAMBDA})
    proc = run_tsl(["--format", "sarif", "--output", "out.sarif"], tmp_path)
    assert proc.returncode == 1 and proc.stdout == b""
    validate(json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8")))
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != ".tsl_cache")  # the cache is expected
    assert left == ["net.py", "out.sarif", "pyproject.toml"]


def test_output_is_deterministic(tmp_path):
    project(tmp_path, {"a.py": LAMBDA, "b.py": LAMBDA.replace("Net", "Other")})
    first = run_tsl(["--format", "sarif"], tmp_path).stdout
    second = run_tsl(["--format", "sarif"], tmp_path).stdout
    assert first == second


# -- fingerprints -------------------------------------------------------------------------------

def _fingerprints(document: dict) -> list[str]:
    return [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results(document)]


def test_fingerprints_survive_unrelated_moves(tmp_path):
    project(tmp_path, {"net.py": LAMBDA})
    before = sarif_of([], tmp_path)
    moved = LAMBDA.replace("import torch\n", "import torch\n\n# a comment\nCONSTANT = 3\n\n", 1)
    moved = moved.replace("        g = lambda", "        # explain\n            \n        g = lambda")
    (tmp_path / "net.py").write_text(moved, encoding="utf-8")
    after = sarif_of([], tmp_path)
    line = lambda doc: results(doc)[0]["locations"][0]["physicalLocation"]["region"]["startLine"]  # noqa: E731
    assert line(after) != line(before)
    assert _fingerprints(after) == _fingerprints(before)


def test_fingerprints_distinguish_code_path_text_and_occurrence(tmp_path):
    twice = LAMBDA.replace("        return g(x)\n", "        g = lambda a: a * 2\n        return g(x)\n")
    project(tmp_path, {"a.py": twice, "b.py": LAMBDA.replace("a * 2", "a * 3")})
    prints = _fingerprints(sarif_of([], tmp_path))
    assert len(prints) == 3 and len(set(prints)) == 3
    # the same line text twice in one file: told apart by occurrence
    assert prints[0].endswith(":1") and prints[1].endswith(":2")


# -- fixes, warnings, codes outside the catalog (no rule emits these yet) -------------------------

def _finding(**changes) -> Finding:
    values = dict(path="pkg/net.py", line=3, column=5, end_line=3, end_column=11, code="TSL101", name="lambda",
                  severity=ERROR, message="lambda is not supported in TorchScript",
                  chains=((Step("Net.forward", "pkg/net.py", 1, 5), Step("helper", "pkg/util.py", 7, 1)),
                          (Step("run", "pkg/run.py", 2, 1), Step("helper", "pkg/util.py", 7, 1))),
                  hint="define a named function")
    values.update(changes)
    return Finding(**values)


def test_fix_becomes_artifact_changes():
    fix = Fix("replace the lambda", (Edit(3, 5, 3, 11, "double"), Edit(1, 1, 1, 1, "def double(a):\n    return a\n")))
    document = validate(sarif.document(Result(findings=[_finding(fix=fix)]), {}, Path("/")))
    (result,) = results(document)
    (change,) = result["fixes"][0]["artifactChanges"]
    assert result["fixes"][0]["description"]["text"] == "replace the lambda"
    assert change["artifactLocation"] == {"uri": "pkg/net.py", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 11},
         "insertedContent": {"text": "double"}},
        {"deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
         "insertedContent": {"text": "def double(a):\n    return a\n"}},
    ]


def test_chains_become_related_locations_and_code_flows():
    document = validate(sarif.document(Result(findings=[_finding()]), {}, None))
    (result,) = results(document)
    related = result["relatedLocations"]
    # the shared step (helper) appears once among related locations, and in both flows
    assert [(r["id"], r["message"]["text"]) for r in related] == [
        (1, "entry point Net.forward"), (2, "calls helper"), (3, "entry point run")]
    assert len(result["codeFlows"]) == 2
    last = result["codeFlows"][1]["threadFlows"][0]["locations"][-1]["location"]
    assert last["physicalLocation"]["region"]["startLine"] == 3
    assert "uri" not in document["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]


def test_warning_and_unknown_code():
    findings = [_finding(severity=WARNING, chains=()),
                _finding(code="TSL999", name="compiler-error", message="Python builtin <built-in> is currently not supported",
                         chains=(), hint=None)]
    document = validate(sarif.document(Result(findings=findings), {}, Path("/")))
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["TSL101", "TSL999"]
    assert rules[1]["defaultConfiguration"]["level"] == "error"
    assert [r["level"] for r in results(document)] == ["warning", "error"]
    assert [r["ruleIndex"] for r in results(document)] == [0, 1]
    assert "relatedLocations" not in results(document)[0]


def test_degenerate_regions_stay_valid():
    finding = _finding(line=0, column=0, end_line=0, end_column=0, chains=())
    region = results(validate(sarif.document(Result(findings=[finding]), {}, Path("/"))))[0][
        "locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_segment = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1,
                   max_size=8).filter(lambda s: s not in (".", ".."))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(_segment, min_size=1, max_size=3), message=st.text(min_size=1),
       line=st.integers(0, 10**6), column=st.integers(0, 500), severity=st.sampled_from([ERROR, WARNING]))
def test_any_path_and_message_is_valid_sarif(parts, message, line, column, severity):
    path = "/".join(parts) + ".py"
    finding = _finding(path=path, message=message, line=line, column=column, end_line=line, end_column=column + 3,
                       severity=severity, chains=((Step("Net.forward", path, line, column),),))
    document = validate(sarif.document(Result(findings=[finding]), {path: ["x"] * 3}, Path("/tmp/ünï code")))
    (result,) = results(document)
    assert result["message"]["text"] == message
    from urllib.parse import unquote
    assert unquote(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) == path
