"""The README is the manual: every command is in it with an example, and CI runs its test command.
docs/cli-reference.md is every command's --help, generated, and docs/design.md holds the design notes."""

from __future__ import annotations

import importlib.util
import re

import pytest

from searchlib.cli.commands import cli

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_an_example_and_is_in_the_readme(name):
    command = cli.commands[name]
    assert "Example:" in (command.help or ""), f"{name} --help has no Example"
    assert f"searchlib {name}" in README or (name == "search" and "search [QUERY]" in README)


VENV = "python3 -m venv .venv && . .venv/bin/activate && "


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    section = README.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", section, flags=re.S)
    assert len(commands) == 2
    install_and_run, install_and_test = commands
    assert "corpus/" in install_and_run and "search " in install_and_run
    assert "pytest" in install_and_test
    for command in commands:  # a fresh machine: a new virtualenv first, then everything from it
        assert "\n" not in command and command.startswith(VENV)
        assert "python3" not in command[len(VENV):] and "sudo" not in command
    assert "/.venv/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    steps = [line for line in ci if line and not line.startswith("#")]
    assert install_and_test in steps  # verbatim, a step of its own, not a comment
    others = [line for line in steps if line != install_and_test]
    assert not [line for line in others if re.search(r"\b(pip|pytest|venv|activate)\b", line)]


def test_readme_documents_every_exit_code():
    import searchlib
    from searchlib import errors
    from searchlib.cli.commands import INTERRUPTED

    table = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = {0, 1, INTERRUPTED} | {getattr(searchlib, name).exit_code for name in searchlib.__all__
                                   if isinstance(getattr(searchlib, name), type)
                                   and issubclass(getattr(searchlib, name), errors.SearchlibError)}
    assert codes == {0, 1, 2, 70, 74, 75, 130}
    for code in sorted(codes):
        assert f"| {code} |" in table, code
    for line in table.splitlines():  # and no code that nothing exits with
        if re.match(r"\| \d+ \|", line):
            assert int(line.split("|")[1]) in codes, line


def _cli_reference_script():
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_what_help_prints():
    script = _cli_reference_script()
    current = script.OUT.read_text(encoding="utf-8")
    rendered = script.render()
    message = ("docs/cli-reference.md differs from the commands' --help; regenerate it with: "
               "python3 scripts/cli_reference.py")
    if f"with Click {script.click_version()};" in current:
        assert current == rendered, message
    else:  # another Click release lays the same help out differently (the test command installs the newest)
        assert script.same_words(current, rendered), message


def test_the_reference_check_ignores_only_layout():
    script = _cli_reference_script()
    text = "Usage: searchlib facets [OPTIONS] [group|country]\n  --limit N  Values per facet.\n"
    assert script.same_words(text, text.replace("[group|country]", "[[group|country]]").replace("  --limit", "\n --limit"))
    assert not script.same_words(text, text.replace("--limit", "--limits"))
    assert not script.same_words(text, text.replace("Values per facet.", "Values per facets."))


def test_cli_reference_covers_every_command_and_option():
    reference = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert f"## searchlib {name}\n" in reference
        if name != "serve":  # a pass-through: its options are serving.serve_command's
            for param in command.params:
                for flag in getattr(param, "opts", []):
                    if flag.startswith("-"):
                        assert flag in reference, f"{name} {flag}"



def test_readme_links_the_reference_and_the_design_notes():
    assert "docs/cli-reference.md" in README and "docs/design.md" in README


def test_the_design_notes_place_every_module_in_a_layer():
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    drawing = design.split("```text\n", 1)[1].split("```", 1)[0]
    for step in ("load", "clean", "tag", "index", "search", "render"):
        assert f"{step} ─►" in drawing
    for layer in ("derive/", "engines/", "store/", "query/", "cli/", "web/"):
        assert layer in drawing
        assert (ROOT / "searchlib" / layer).is_dir(), f"the drawing's layer {layer} is a folder"
    package = ROOT / "searchlib"
    modules = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py")
                     if not p.name.startswith("__") and "__pycache__" not in p.parts)
    unplaced = [m for m in modules if f"| `{m}`" not in design and f", `{m}`" not in design]
    assert not unplaced, f"docs/design.md does not say which layer holds {unplaced}"


def test_every_help_text_is_laid_out_as_written():
    """A docstring with a line at column 0 (a "\\n" written inside it) defeats Click's dedent and
    shifts the help's paragraphs and Example block; each stays two spaces in."""
    reference = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    for section in reference.split("\n## ")[1:]:
        name, body = section.split("\n", 1)
        assert "\n  Example:\n" in body.split("\nOptions:", 1)[0], f"{name} --help: Example block misplaced"
